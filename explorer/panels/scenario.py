"""Scenario picker, its formula, and one slider + spin-box pair per parameter."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from compute import NETWORKS, SCENARIOS, ParamSpec
from compute.session import scenario_spec

SLIDER_STEPS = 1000


class ParamControl(QWidget):
    """A labelled slider (over the parameter's span) tied to a spin box (its full range).

    ``sigChanged(name, value, dragging)``: dragging is True while the slider is held.
    """

    sigChanged = Signal(str, object, bool)

    def __init__(self, spec: ParamSpec, value: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setToolTip(f"{spec.doc} (drag: the landscape redraws live)")
        self.spin = QDoubleSpinBox()
        self.spin.setDecimals(0 if spec.integer else 4)
        self.spin.setRange(max(spec.minimum, -1e6), min(spec.maximum, 1e6))
        self.spin.setSingleStep(1 if spec.integer else (spec.span[1] - spec.span[0]) / 100)
        self.spin.setKeyboardTracking(False)
        self.spin.setToolTip(f"{spec.doc}; allowed {spec.minimum:g} … {spec.maximum:g}")
        self.spin.setObjectName(f"param-{spec.name}")
        self.spin.setMaximumWidth(100)
        self.slider.setObjectName(f"slider-{spec.name}")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 3)
        layout.addWidget(self.spin, 2)
        self.set_value(value)
        self.slider.valueChanged.connect(self._slid)
        self.slider.sliderReleased.connect(lambda: self._emit(self.spin.value(), False))
        self.spin.valueChanged.connect(lambda v: self._emit(v, False))

    def set_value(self, value: float) -> None:
        for w in (self.slider, self.spin):
            w.blockSignals(True)
        self.spin.setValue(float(value))
        lo, hi = self.spec.span
        self.slider.setValue(round((min(max(value, lo), hi) - lo) / (hi - lo) * SLIDER_STEPS))
        for w in (self.slider, self.spin):
            w.blockSignals(False)

    def _slid(self, position: int) -> None:
        lo, hi = self.spec.span
        value = round(lo + (hi - lo) * position / SLIDER_STEPS, 0 if self.spec.integer else 6)
        self.spin.blockSignals(True)
        self.spin.setValue(value)
        self.spin.blockSignals(False)
        self._emit(value, self.slider.isSliderDown())

    def _emit(self, value: float, dragging: bool) -> None:
        self.sigChanged.emit(self.spec.name, value, dragging)


class ScenarioPanel(QWidget):
    """``sigScenario(id)`` when another scenario is picked; ``sigParam(name, value, dragging)``."""

    sigScenario = Signal(str)
    sigParam = Signal(str, object, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.setObjectName("scenario")
        for spec in SCENARIOS.values():
            self.combo.addItem(spec.title, spec.id)
        self.combo.insertSeparator(self.combo.count())
        for net in NETWORKS.values():
            self.combo.addItem(f"Network: {net.title}", net.id)
        self.combo.setToolTip("The landscape to explore (each from one of the seed documents)")
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.combo.setMinimumContentsLength(18)
        self.formula = QLabel()
        self.formula.setWordWrap(True)
        self.formula.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.formula.setStyleSheet("font-family: serif; font-size: 13pt; padding: 4px;")
        self.source = QLabel()
        self.source.setWordWrap(True)
        self.source.setStyleSheet("color: #555;")
        self.form = QFormLayout()
        layout = QVBoxLayout(self)
        layout.addWidget(self.combo)
        layout.addWidget(self.formula)
        layout.addWidget(self.source)
        layout.addLayout(self.form)
        layout.addStretch(1)
        self.controls: dict[str, QWidget] = {}
        self.combo.currentIndexChanged.connect(
            lambda i: self.sigScenario.emit(self.combo.itemData(i))
        )

    def show_scenario(self, scenario_id: str, values: dict[str, object]) -> None:
        """Rebuild the parameter rows for ``scenario_id`` (no signals emitted)."""
        spec = scenario_spec(scenario_id)[0]
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(self.combo.findData(scenario_id))
        self.combo.blockSignals(False)
        self.formula.setText(spec.formula)
        self.source.setText(f"seed {spec.seed}")
        while self.form.rowCount():
            self.form.removeRow(0)
        self.controls = {}
        for p in spec.params:
            if p.choices:
                combo = QComboBox()
                combo.setObjectName(f"param-{p.name}")
                combo.addItems(list(p.choices))
                combo.setCurrentText(str(values[p.name]))
                combo.setToolTip(p.doc)
                combo.currentTextChanged.connect(
                    lambda text, name=p.name: self.sigParam.emit(name, text, False)
                )
                widget: QWidget = combo
            else:
                control = ParamControl(p, float(values[p.name]))  # type: ignore[arg-type]
                control.sigChanged.connect(self.sigParam)
                widget = control
            label = QLabel(p.name)
            label.setToolTip(p.doc)
            self.form.addRow(label, widget)
            self.controls[p.name] = widget

    def set_values(self, values: dict[str, object]) -> None:
        for name, widget in self.controls.items():
            if isinstance(widget, ParamControl):
                widget.set_value(float(values[name]))  # type: ignore[arg-type]
            elif isinstance(widget, QComboBox):
                widget.blockSignals(True)
                widget.setCurrentText(str(values[name]))
                widget.blockSignals(False)
