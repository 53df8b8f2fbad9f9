"""Slice settings of network scenarios: which plane, how clicked runs move, the device."""

from __future__ import annotations

import torch
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)

from compute import IN_PLANE_NOTE
from explorer.controllers.planes import PlaneController
from explorer.results import PLANE_INFO
from explorer.state import AppState

PLANES = {
    "random": (
        "Random, filter-normalised",
        "Two random directions scaled filter by filter to the weights at θ₀ (Li et al. 2018); "
        "biases not perturbed",
    ),
    "teacher": (
        "Towards the teacher + random",
        "a = 1 reaches the teacher; b is a random direction of the same length",
    ),
    "pca": (
        "PCA of the latest run",
        "Top two principal directions of the latest finished run's trajectory (explained "
        "variance shown below); kept with the session",
    ),
    "hessian": (
        "Top two Hessian eigenvectors",
        "d₁, d₂: the eigenvectors of the two largest Hessian eigenvalues (Lanczos) at θ₀ or, "
        "with 'at the latest run's end', where that run ended; unit directions",
    ),
    "hessian-random": (
        "Top Hessian eigenvector + random",
        "d₁: the top Hessian eigenvector; d₂: a filter-normalised random direction made "
        "orthogonal to it",
    ),
    "points": (
        "Through three points",
        "Chosen here: the plane through the initialization, the latest finished run's end and "
        "the teacher (or, without one, the run's midpoint). A path's plane (paths panel, 'Show "
        "in its plane') is one too, through its ends and its bend. Kept with the session",
    ),
    "directions": (
        "From a direction file (.h5)…",
        "θ₀ + a·xdirection + b·ydirection from the reference tool's direction file "
        "(loss-landscape's net_plotter layout: one tensor per parameter); kept with the session",
    ),
}


class PlanePanel(QWidget):
    """The slice's plane (through ``PlaneController``), the in-plane flag for the next clicks,
    the device, and two actions: ``sigTrainInit``, ``sigInterpolate``."""

    sigTrainInit = Signal()
    sigInterpolate = Signal()

    def __init__(
        self, state: AppState, planes: PlaneController, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.state, self.planes = state, planes
        self.kind = QComboBox()
        self.kind.setObjectName("plane-kind")
        self.kind.setToolTip("How the 2-D slice θ₀ + a·d₁ + b·d₂ is chosen")
        self.at_run = QCheckBox("At the latest run's end")
        self.at_run.setObjectName("plane-at-run")
        self.at_run.setToolTip("Eigenvector planes: at the latest finished run's end (else at θ₀)")
        self.seed = QSpinBox(minimum=0, maximum=10**6)
        self.seed.setObjectName("plane-seed")
        self.seed.setToolTip("Seed of the random directions")
        self.in_plane = QCheckBox("Descend within the plane")
        self.in_plane.setObjectName("in-plane")
        self.in_plane.setToolTip(
            "Off: a click trains in the full parameter space from that point (its projection "
            "is drawn, with its distance from the plane). On: the descent is restricted to the "
            "plane itself. " + IN_PLANE_NOTE
        )
        self.device = QComboBox()
        self.device.setObjectName("device")
        self.device.addItem("CPU", "cpu")
        if torch.cuda.is_available():
            self.device.addItem(f"GPU ({torch.cuda.get_device_name(0)})", "cuda")
        self.device.setToolTip("Where slices are evaluated and networks trained")
        self.train_init = QPushButton("Train from θ₀")
        self.train_init.setObjectName("train-init")
        self.train_init.setToolTip(
            "One action: train in full space from the scenario's initialization θ₀ (e.g. "
            "relaxation's warm start), whatever the plane"
        )
        self.interpolate = QPushButton("1-D: θ₀ → latest run's end")
        self.interpolate.setObjectName("interpolate")
        self.interpolate.setToolTip(
            "F along the straight line from the initialization to where the latest finished run "
            "ended (α ∈ [−0.25, 1.25])"
        )
        self.info = QLabel()
        self.info.setObjectName("plane-info")
        self.info.setWordWrap(True)
        self.info.setStyleSheet("color: #444;")
        form = QFormLayout(self)
        form.addRow("Plane", self.kind)
        form.addRow(self.at_run)
        form.addRow("Seed", self.seed)
        form.addRow(self.in_plane)
        form.addRow("Device", self.device)
        form.addRow(self.train_init)
        form.addRow(self.interpolate)
        form.addRow(self.info)
        self.kind.activated.connect(self._plane)
        self.seed.valueChanged.connect(self._plane)
        self.in_plane.toggled.connect(lambda on: state.apply("in-plane setting", in_plane=on))
        self.train_init.clicked.connect(self.sigTrainInit)
        self.interpolate.clicked.connect(self.sigInterpolate)
        self.device.currentIndexChanged.connect(
            lambda _: state.set_view(device=self.device.currentData())
        )
        state.events.scenario.connect(lambda _: self._scenario())
        state.events.session.connect(lambda _: self.mirror())
        state.on_result(PLANE_INFO, self.info.setText)

    def _scenario(self) -> None:
        self.kind.blockSignals(True)
        self.kind.clear()
        for key in self.planes.kinds():
            text, tip = PLANES[key]
            self.kind.addItem(text, key)
            self.kind.setItemData(self.kind.count() - 1, tip, 3)  # 3: Qt.ToolTipRole
        self.kind.blockSignals(False)
        self.mirror()

    def _plane(self, *_: object) -> None:
        kind = self.kind.currentData()
        if kind == "directions":
            self.ask_directions()
        elif kind is not None:
            self.planes.choose(kind, self.seed.value(), self.at_run.isChecked())

    def ask_directions(self) -> None:
        """Pick a direction file of the reference tool; its plane replaces this one."""
        path, _ = QFileDialog.getOpenFileName(
            self, "Plane from a direction file", "", "Direction files (*.h5 *.hdf5)"
        )
        if not path or not self.planes.from_directions(path):
            self.mirror()  # cancelled or refused: the panel shows the plane that is kept

    def mirror(self) -> None:
        s = self.state.session
        for w in (self.kind, self.seed, self.in_plane):
            w.blockSignals(True)
        self.kind.setCurrentIndex(max(0, self.kind.findData(s.plane.kind)))
        self.seed.setValue(s.plane.seed)
        self.seed.setEnabled(not s.plane.derived)
        self.in_plane.setChecked(s.in_plane)
        for w in (self.kind, self.seed, self.in_plane):
            w.blockSignals(False)
