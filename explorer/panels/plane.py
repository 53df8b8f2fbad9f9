"""Slice settings of network scenarios: which plane, how runs move, minibatches."""

from __future__ import annotations

import torch
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)

from compute.session import Session

PLANES = {
    "random": (
        "Random, filter-normalised",
        "Two random directions scaled filter by filter to "
        "the weights at θ₀ (Li et al. 2018); biases not perturbed",
    ),
    "pca": (
        "PCA of the latest run",
        "Top two principal directions of the latest finished "
        "run's trajectory (explained variance shown below)",
    ),
    "points": (
        "Through init, run end, teacher",
        "The plane through three points: the "
        "initialization, the latest run's end and the teacher (or the run's midpoint)",
    ),
    "teacher": (
        "Towards the teacher + random",
        "a = 1 reaches the teacher; b is a random direction of the same length",
    ),
}


class PlanePanel(QWidget):
    """``sigPlane(spec)`` ("kind:seed"), ``sigBatch(size)``; ``in_plane`` for the next click."""

    sigPlane = Signal(str)
    sigBatch = Signal(int)
    sigTrainInit = Signal()
    sigInterpolate = Signal()
    sigDevice = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = QComboBox()
        self.kind.setObjectName("plane-kind")
        for key, (text, tip) in PLANES.items():
            self.kind.addItem(text, key)
            self.kind.setItemData(self.kind.count() - 1, tip, 3)  # 3: Qt.ToolTipRole
        self.kind.setToolTip("How the 2-D slice θ₀ + a·d₁ + b·d₂ is chosen")
        self.seed = QSpinBox(minimum=0, maximum=10**6)
        self.seed.setObjectName("plane-seed")
        self.seed.setToolTip("Seed of the random directions")
        self.in_plane = QCheckBox("Descend within the plane")
        self.in_plane.setObjectName("in-plane")
        self.in_plane.setToolTip(
            "Off: a click trains in the full parameter space from that point "
            "(its projection is drawn, with its distance from the plane). "
            "On: the descent is restricted to the plane itself."
        )
        self.batch = QSpinBox(minimum=0, maximum=100000, specialValueText="full batch")
        self.batch.setObjectName("batch-size")
        self.batch.setToolTip("Minibatch size for training (0: full batch)")
        self.device = QComboBox()
        self.device.setObjectName("device")
        self.device.addItem("CPU", "cpu")
        if torch.cuda.is_available():
            self.device.addItem(f"GPU ({torch.cuda.get_device_name(0)})", "cuda")
        self.device.setToolTip("Where slices are evaluated and networks trained")
        self.train_init = QPushButton("Train from θ₀")
        self.train_init.setObjectName("train-init")
        self.train_init.setToolTip(
            "One action: train from the scenario's initialization (the "
            "slice's centre), e.g. relaxation's warm start"
        )
        self.interpolate = QPushButton("1-D: θ₀ → latest run's end")
        self.interpolate.setObjectName("interpolate")
        self.interpolate.setToolTip(
            "F along the straight line from the initialization to where "
            "the latest finished run ended (α ∈ [−0.25, 1.25])"
        )
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.info.setStyleSheet("color: #444;")
        form = QFormLayout(self)
        form.addRow("Plane", self.kind)
        form.addRow("Seed", self.seed)
        form.addRow(self.in_plane)
        form.addRow("Batch size", self.batch)
        form.addRow("Device", self.device)
        form.addRow(self.train_init)
        form.addRow(self.interpolate)
        form.addRow(self.info)
        self.kind.currentIndexChanged.connect(self._plane)
        self.seed.valueChanged.connect(self._plane)
        self.batch.valueChanged.connect(self.sigBatch)
        self.train_init.clicked.connect(self.sigTrainInit)
        self.interpolate.clicked.connect(self.sigInterpolate)
        self.device.currentIndexChanged.connect(
            lambda _: self.sigDevice.emit(self.device.currentData())
        )

    def _plane(self, *_: object) -> None:
        self.sigPlane.emit(f"{self.kind.currentData()}:{self.seed.value()}")

    def show_session(self, s: Session) -> None:
        for w in (self.kind, self.seed, self.batch):
            w.blockSignals(True)
        kind, _, seed = s.plane.partition(":")
        self.kind.setCurrentIndex(self.kind.findData(kind))
        self.seed.setValue(int(seed or 0))
        self.batch.setValue(s.batch_size)
        for w in (self.kind, self.seed, self.batch):
            w.blockSignals(False)
