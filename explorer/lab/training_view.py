"""Train the ``digits-resnet`` scenario once per initialization scheme, side by side: live loss
and test-accuracy curves, diverged runs marked, so that divergence and stalls show at a glance."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import qthrottled

from compute import TRAIN_INITS, TRAIN_SCENARIO, scenario, train_schemes
from explorer.jobs import Jobs
from explorer.lab.state import SCHEME_COLORS, SCHEME_LABELS, LabState, TrainingCurve
from explorer.lab.tab import LabTab
from explorer.panels.fields import NumberField
from explorer.views.curves import loggable
from explorer.views.style import cache_axes

REDRAW_MS = 100
SETTINGS = {
    # name: (label, whole number, tooltip)
    "blocks": (
        "blocks",
        True,
        "residual blocks h ← h + W₂ ReLU(W₁ h + b₁) + b₂ (no normalisation)",
    ),
    "width": ("width", True, "units per layer"),
    "lr": ("learning rate", False, "step size η"),
    "steps": ("steps", True, "full-batch steps per run"),
}


class TrainingPlot(pg.GraphicsLayoutWidget):
    """Training loss F (log axis) over test accuracy, one colour per scheme; a diverged run
    ends in a cross at its last finite point."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("train-plot")
        self.setBackground("w")
        self.loss = self.addPlot(row=0, col=0)
        self.accuracy = self.addPlot(row=1, col=0)
        self.loss.setLogMode(False, True)
        self.accuracy.setXLink(self.loss)
        for plot, label in ((self.loss, "training loss F"), (self.accuracy, "test accuracy")):
            plot.setLabel("left", label)
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.setMenuEnabled(False)
            for side in ("left", "bottom"):
                plot.getAxis(side).enableAutoSIPrefix(False)
            cache_axes(plot)
        self.accuracy.setLabel("bottom", "step")
        self.legend = self.loss.addLegend(offset=(-10, 10), labelTextColor="#222222")
        self.lines: dict[str, tuple[pg.PlotDataItem, pg.PlotDataItem, pg.PlotDataItem]] = {}

    def show_runs(self, runs: dict[str, TrainingCurve]) -> None:
        for scheme in [s for s in self.lines if s not in runs]:
            loss, accuracy, cross = self.lines.pop(scheme)
            self.loss.removeItem(loss)
            self.accuracy.removeItem(accuracy)
            self.loss.removeItem(cross)
        self.legend.clear()
        for scheme, run in runs.items():
            color = SCHEME_COLORS[scheme]
            if scheme not in self.lines:
                pen = pg.mkPen(color, width=2)
                self.lines[scheme] = (
                    self.loss.plot(pen=pen),
                    self.accuracy.plot(pen=pen),
                    self.loss.plot(pen=None, symbol="x", symbolSize=14, symbolBrush=color),
                )
            loss, accuracy, cross = self.lines[scheme]
            steps = np.asarray(run.steps, dtype=float)
            values = loggable(np.asarray(run.loss, dtype=float))
            ok = np.isfinite(values)
            loss.setData(steps[ok], values[ok])
            acc = np.asarray(run.accuracy, dtype=float)
            good = np.isfinite(acc)
            accuracy.setData(steps[good], acc[good])
            if run.status == "diverged" and ok.any():
                cross.setData(steps[ok][-1:], values[ok][-1:])
            else:
                cross.setData([], [])
            self.legend.addItem(loss, f"{SCHEME_LABELS[scheme]}{_state_text(run)}")


def _state_text(run: TrainingCurve) -> str:
    if run.status == "diverged":
        return f" — diverged at step {run.stopped_at}"
    if run.status == "error":
        return " — not trained"
    return ""


class TrainingView(LabTab):
    """Schemes, depth, width and optimizer settings, the live curves and a summary table (F/F₀
    near 1 is a stalled run);
    the runs share ``jobs``' ``training`` slot (one worker steps every scheme in turn)."""

    SLOT = "training"
    CANCELLED = "Training cancelled: the curves so far are kept."

    def __init__(self, state: LabState, jobs: Jobs, parent: QWidget | None = None) -> None:
        super().__init__(state, jobs, parent)
        self.plot = TrainingPlot()
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("train-table")
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        heads = ["scheme", "state", "step", "loss F", "F / F₀", "test acc."]
        self.table.setHorizontalHeaderLabels(heads)
        right = QVBoxLayout()
        right.addWidget(self.plot, 3)
        right.addWidget(self.table, 1)
        layout = QHBoxLayout(self)
        layout.addLayout(self._controls(), 0)
        layout.addLayout(right, 1)
        self._redraw = qthrottled(self._draw, timeout=REDRAW_MS, parent=self)
        state.events.training_data.connect(lambda _: self._data_changed())
        state.events.training_config.connect(lambda _: self._mirror())

    def _mirror(self) -> None:
        config = self.state.training_config
        for scheme, check in self.checks.items():
            check.blockSignals(True)
            check.setChecked(scheme in config.schemes)
            check.blockSignals(False)
        self.optimizer.blockSignals(True)
        self.optimizer.setCurrentIndex(self.optimizer.findData(config.run.optimizer))
        self.optimizer.blockSignals(False)
        for name, field in self.fields.items():
            if field.valid:
                field.set_value(getattr(config.run if name in ("lr", "steps") else config, name))

    def _data_changed(self) -> None:
        self._redraw()

    def _controls(self) -> QVBoxLayout:
        config = self.state.training_config
        box = QVBoxLayout()
        box.addWidget(QLabel("<b>Initializations</b>"))
        self.checks: dict[str, QCheckBox] = {}
        for scheme in TRAIN_INITS:
            check = QCheckBox(SCHEME_LABELS[scheme])
            check.setObjectName(f"train-scheme-{scheme}")
            check.setStyleSheet(f"QCheckBox {{ color: {SCHEME_COLORS[scheme]}; }}")
            check.setChecked(scheme in config.schemes)
            check.toggled.connect(self._schemes_changed)
            self.checks[scheme] = check
            box.addWidget(check)
        form = QFormLayout()
        self.optimizer = QComboBox()
        self.optimizer.setObjectName("train-optimizer")
        for name, text in (("adam", "Adam"), ("gd", "gradient descent")):
            self.optimizer.addItem(text, name)
        self.optimizer.setCurrentIndex(self.optimizer.findData(config.run.optimizer))
        self.optimizer.currentIndexChanged.connect(self._optimizer_changed)
        form.addRow("optimizer", self.optimizer)
        self.fields: dict[str, NumberField] = {}
        for name, (label, whole, tip) in SETTINGS.items():
            value = getattr(config.run if name in ("lr", "steps") else config, name)
            field = NumberField(value, whole, f"train-{name}", tip)
            field.sigValue.connect(lambda v, n=name, f=field: self._typed(n, f, v))
            self.fields[name] = field
            form.addRow(label, field)
        box.addLayout(form)
        run = QPushButton("Train each scheme")
        run.setObjectName("train-run")
        run.clicked.connect(self.run)
        box.addWidget(run)
        self.note = QLabel()
        self.note.setObjectName("train-note")
        self.note.setWordWrap(True)
        box.addWidget(self.note)
        box.addStretch(1)
        return box

    def _optimizer_changed(self) -> None:
        """Another optimizer starts from the scenario's step size for it."""
        name = self.optimizer.currentData()
        self.state.set_training(optimizer=name, lr=scenario(TRAIN_SCENARIO).default_lr[name])

    def _schemes_changed(self) -> None:
        chosen = tuple(s for s, c in self.checks.items() if c.isChecked())
        if self.state.set_training(schemes=chosen):
            self._mirror()

    def _typed(self, name: str, field: NumberField, value: float) -> None:
        text = field.text()
        reason = self.state.set_training(**{name: int(value) if field.integer else value})
        if reason:
            field.refuse(text, reason)

    def run(self) -> None:
        """Train the chosen schemes with the current settings (replacing running ones)."""
        for name, field in self.fields.items():
            if not field.valid:
                self.state.notify("training", f"Refused: {name}: {field.toolTip()}", "error")
                return
        config = self.state.training_config
        self.state.training_started()
        self.submit(
            lambda: train_schemes(config),
            self.state.training_progress,
            self._finished,
            "Training failed",
        )

    def _finished(self, _: object) -> None:
        self.state.training_finished()
        self._redraw.flush()

    def _draw(self) -> None:
        runs = self.state.training
        self.plot.show_runs(runs)
        self.table.setRowCount(len(runs))
        for row, (scheme, run) in enumerate(runs.items()):
            losses = [v for v in run.loss if np.isfinite(v)]
            accs = [v for v in run.accuracy if np.isfinite(v)]
            state = run.error or run.status.replace("_", " ")
            if run.status == "diverged":
                state = f"diverged at step {run.stopped_at}"
            cells = [
                SCHEME_LABELS[scheme],
                state,
                str(run.stopped_at),
                f"{losses[-1]:.4g}" if losses else "",
                f"{losses[-1] / losses[0]:.3g}" if losses and losses[0] > 0 else "",
                f"{accs[-1]:.3f}" if accs else "",
            ]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight)
                self.table.setItem(row, c, item)
        self.table.resizeColumnsToContents()
