"""Regularisation and constraint modes (seed 001's three contour panels), and view toggles."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QVBoxLayout,
    QWidget,
)

from compute.session import Session

OVERLAY_LABELS = {
    "isolines": ("Isolines", "Contour lines of the map"),
    "critical": ("Critical points", "Minima ○, saddles ×, maxima △, degenerate sets ◇"),
    "gradient": ("Gradient field", "Arrows along −∇F (the direction gradient descent moves)"),
    "curvature": ("Negative curvature", "Red where λ_min(∇²F) < 0: escape directions exist"),
    "basins": (
        "Basins of attraction",
        "Colour every cell by the minimum the current optimizer reaches from it",
    ),
}


def _spin(lo: float, hi: float, value: float, tip: str, name: str) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setDecimals(4)
    spin.setRange(lo, hi)
    spin.setValue(value)
    spin.setSingleStep(0.05)
    spin.setKeyboardTracking(False)
    spin.setToolTip(tip)
    spin.setObjectName(name)
    spin.setMaximumWidth(100)
    return spin


class ModesPanel(QWidget):
    """``sigModes(l2, constraint_spec)`` and ``sigView(log_scale, overlays)`` from the user."""

    sigModes = Signal(float, object)
    sigView = Signal(bool, tuple)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        modes = QGroupBox("Landscape mode")
        form = QFormLayout(modes)
        self.l2_on = QCheckBox("L2 regulariser  (λ/2)‖θ‖²")
        self.l2_on.setObjectName("l2-on")
        self.l2_on.setToolTip("Add (λ/2)‖θ‖² to the loss (seed 001, panel b)")
        # ranges admit impossible values on purpose: they are refused with a message
        self.l2 = _spin(-10.0, 1000.0, 0.2, "λ ≥ 0", "l2-lambda")
        form.addRow(self.l2_on, self.l2)
        self.kind = QComboBox()
        self.kind.setObjectName("constraint-kind")
        self.kind.addItems(["none", "ball", "box"])
        self.kind.setToolTip(
            "Restrict θ to ‖θ‖₂ ≤ R (ball, seed 001 panel c) or |θᵢ| ≤ R (box);"
            " runs then take projected steps"
        )
        self.radius = _spin(0.0, 1000.0, 2.0, "R > 0", "constraint-radius")
        row = QHBoxLayout()
        row.addWidget(self.kind)
        row.addWidget(self.radius)
        form.addRow("Constraint", row)
        view = QGroupBox("Show")
        vbox = QVBoxLayout(view)
        self.log = QCheckBox("Log colour scale")
        self.log.setObjectName("log-scale")
        self.log.setToolTip("Colour by log₁₀(F − min F): reveals structure near minima")
        vbox.addWidget(self.log)
        self.overlays: dict[str, QCheckBox] = {}
        for key, (text, tip) in OVERLAY_LABELS.items():
            box = QCheckBox(text)
            box.setObjectName(f"overlay-{key}")
            box.setToolTip(tip)
            vbox.addWidget(box)
            self.overlays[key] = box
        layout = QVBoxLayout(self)
        layout.addWidget(modes)
        layout.addWidget(view)
        layout.addStretch(1)
        for w in (self.l2_on, self.kind):
            (w.toggled if isinstance(w, QCheckBox) else w.currentIndexChanged).connect(
                self._modes_changed
            )
        self.l2.valueChanged.connect(self._modes_changed)
        self.radius.valueChanged.connect(self._modes_changed)
        self.log.toggled.connect(self._view_changed)
        for box in self.overlays.values():
            box.toggled.connect(self._view_changed)

    def _modes_changed(self, *_: object) -> None:
        l2 = self.l2.value() if self.l2_on.isChecked() else 0.0
        kind = self.kind.currentText()
        self.sigModes.emit(l2, None if kind == "none" else f"{kind}:{self.radius.value()!r}")

    def _view_changed(self, *_: object) -> None:
        chosen = tuple(k for k, box in self.overlays.items() if box.isChecked())
        self.sigView.emit(self.log.isChecked(), chosen)

    def show_session(self, s: Session) -> None:
        """Mirror the state in the widgets without emitting."""
        widgets = [self.l2_on, self.l2, self.kind, self.radius, self.log, *self.overlays.values()]
        for w in widgets:
            w.blockSignals(True)
        self.l2_on.setChecked(s.l2 > 0)
        if s.l2 > 0:
            self.l2.setValue(s.l2)
        kind, _, radius = (s.constraint or "none").partition(":")
        self.kind.setCurrentText(kind)
        if radius:
            self.radius.setValue(float(radius))
        self.log.setChecked(s.log_scale)
        for key, box in self.overlays.items():
            box.setChecked(key in s.overlays)
        for w in widgets:
            w.blockSignals(False)
