"""Settings of the runs the next click starts: optimizer, step size, momentum, steps, batch."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import QFormLayout, QSpinBox, QWidget

from compute import OPTIMIZERS, LandscapeError, RunConfig, scenario
from explorer.panels.fields import ElidedComboBox, NumberField, parse_number
from explorer.state import AppState

NAMES = {
    "gd": "Gradient descent (SGD on minibatches)",
    "momentum": "Heavy-ball momentum",
    "nesterov": "Nesterov",
    "adam": "Adam",
    "newton": "Damped (saddle-free) Newton",
}


class OptimizerPanel(QWidget):
    """The session's run settings, bound to the state; the step delay is a view setting (it
    only slows the display of runs down, to watch them)."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.name = ElidedComboBox()
        self.name.setObjectName("optimizer")
        for key in OPTIMIZERS:
            self.name.addItem(NAMES[key], key)
        self.name.fit_popup()
        self.name.setToolTip("Optimizer for the next run; Ctrl+click the map runs all of them")
        self.lr = NumberField(0.1, name="lr", tip="Step size η > 0 (e.g. 0.05 or 1e-4)")
        self.momentum = NumberField(
            0.9, name="momentum", tip="β in [0, 1): momentum / Nesterov; β₁ of Adam"
        )
        self.steps = NumberField(
            1000, True, "steps", "Maximum number of steps per run (1 … 1,000,000)"
        )
        self.batch = NumberField(
            0, True, "batch-size", "Minibatch size for networks (0: full batch)"
        )
        self.curvature = NumberField(
            0,
            True,
            "curvature-every",
            "Measure λ_max and λ_min of the Hessian every N steps of a run (0: off); for gradient "
            "descent the curves show 2/η, the edge of stability",
        )
        self.delay = QSpinBox(minimum=0, maximum=1000, suffix=" ms")
        self.delay.setObjectName("delay")
        self.delay.setToolTip("Pause between steps, to watch a run in slow motion (0: full speed)")
        form = QFormLayout(self)
        form.addRow("Optimizer", self.name)
        form.addRow("Learning rate", self.lr)
        form.addRow("Momentum β", self.momentum)
        form.addRow("Max steps", self.steps)
        form.addRow("Batch size", self.batch)
        form.addRow("Curvature every", self.curvature)
        form.addRow("Step delay", self.delay)
        self.form = form
        self._keys = {self.lr: "lr", self.momentum: "momentum", self.steps: "steps"}
        self._keys[self.batch] = "batch_size"
        self._keys[self.curvature] = "curvature_every"
        self.name.currentIndexChanged.connect(self._optimizer_changed)
        for field in (self.lr, self.momentum, self.steps, self.batch, self.curvature):
            field.sigValue.connect(lambda _=None, f=field: self._changed(f))
        self.delay.valueChanged.connect(lambda ms: state.set_view(delay_ms=int(ms)))
        state.events.session.connect(lambda _: self.mirror())
        state.events.scenario.connect(lambda _: self._scenario())

    def _scenario(self) -> None:
        network = self.state.sliced
        self.form.setRowVisible(self.batch, network)

    def _optimizer_changed(self, *_: object) -> None:
        """Another optimizer starts from its own default step size (for this scenario)."""
        s = self.state.session
        name = self.name.currentData()
        spec = scenario(s.scenario)
        config = RunConfig.for_optimizer(
            name,
            spec.default_lr,
            momentum=s.optimizer.momentum,
            steps=s.optimizer.steps,
            batch_size=s.optimizer.batch_size if name != "newton" else 0,
            seed=s.optimizer.seed,
            curvature_every=s.optimizer.curvature_every,
        )
        self.state.apply("optimizer", optimizer=config)

    def _changed(self, field: NumberField) -> None:
        """One field was edited: the session's settings with that value (the others as the
        state has them); a refused value stays in its field, marked, with the reason."""
        text = field.text()
        try:
            typed = parse_number(text, field.integer)
        except ValueError:
            return
        key = self._keys[field]
        value = int(typed) if field.integer else typed
        current = self.state.session.optimizer
        try:
            config = replace(current, **{key: value})  # type: ignore[arg-type]
        except LandscapeError as exc:
            field.refuse(text, str(exc))
            self.state.notify(f"Refused: {exc}. The previous setting is kept.", "error")
            return
        if not self.state.apply("optimizer settings", optimizer=config):
            field.refuse(text, "refused: see the message above the map")

    def mirror(self) -> None:
        c = self.state.session.optimizer
        self.name.blockSignals(True)
        self.name.setCurrentIndex(self.name.findData(c.optimizer))
        self.name.blockSignals(False)
        self.lr.set_value(c.lr)
        self.momentum.set_value(c.momentum)
        self.steps.set_value(c.steps)
        self.batch.set_value(c.batch_size)
        self.curvature.set_value(c.curvature_every)
