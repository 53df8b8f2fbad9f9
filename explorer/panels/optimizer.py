"""Settings of the optimizer that the next click starts."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QSpinBox, QWidget

from compute import DEFAULT_LR, OPTIMIZERS, OptimizerConfig

NAMES = {
    "gd": "Gradient descent",
    "momentum": "Heavy-ball momentum",
    "nesterov": "Nesterov",
    "adam": "Adam",
    "newton": "Damped (saddle-free) Newton",
}


class OptimizerPanel(QWidget):
    """``sigConfig(OptimizerConfig)`` on every change; ``delay_ms`` slows runs down to watch."""

    sigConfig = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = QComboBox()
        self.name.setObjectName("optimizer")
        for key in OPTIMIZERS:
            self.name.addItem(NAMES[key], key)
        self.name.setToolTip("Optimizer for the next run; Ctrl+click the map runs all of them")
        self.lr = QDoubleSpinBox(decimals=5, minimum=1e-5, maximum=100.0, singleStep=0.01)
        self.lr.setObjectName("lr")
        self.lr.setToolTip("Step size (Newton: fraction of the Newton step). Too large diverges.")
        self.momentum = QDoubleSpinBox(decimals=3, minimum=0.0, maximum=0.999, singleStep=0.05)
        self.momentum.setObjectName("momentum")
        self.momentum.setToolTip("β for momentum / Nesterov, β₁ for Adam")
        self.steps = QSpinBox(minimum=1, maximum=1_000_000, singleStep=100)
        self.steps.setObjectName("steps")
        self.steps.setToolTip("Maximum number of steps per run")
        self.delay = QSpinBox(minimum=0, maximum=1000, suffix=" ms")
        self.delay.setObjectName("delay")
        self.delay.setToolTip("Pause between steps, to watch a run in slow motion (0: full speed)")
        form = QFormLayout(self)
        form.addRow("Optimizer", self.name)
        form.addRow("Learning rate", self.lr)
        form.addRow("Momentum β", self.momentum)
        form.addRow("Max steps", self.steps)
        form.addRow("Step delay", self.delay)
        for spin in (self.lr, self.momentum, self.steps):
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(self._changed)
        self.name.currentIndexChanged.connect(self._optimizer_changed)

    def _optimizer_changed(self, *_: object) -> None:
        self.lr.blockSignals(True)
        self.lr.setValue(DEFAULT_LR[self.name.currentData()])
        self.lr.blockSignals(False)
        self._changed()

    def config(self) -> OptimizerConfig:
        return OptimizerConfig.for_optimizer(
            self.name.currentData(),
            lr=self.lr.value(),
            momentum=self.momentum.value(),
            steps=self.steps.value(),
        )

    def _changed(self, *_: object) -> None:
        self.sigConfig.emit(self.config())

    @property
    def delay_ms(self) -> int:
        return int(self.delay.value())

    def show_config(self, c: OptimizerConfig) -> None:
        for w in (self.name, self.lr, self.momentum, self.steps):
            w.blockSignals(True)
        self.name.setCurrentIndex(self.name.findData(c.name))
        self.lr.setValue(c.lr)
        self.momentum.setValue(c.momentum)
        self.steps.setValue(c.steps)
        for w in (self.name, self.lr, self.momentum, self.steps):
            w.blockSignals(False)
