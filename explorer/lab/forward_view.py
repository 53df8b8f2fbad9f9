"""The forward-norm explorer: ‖z_l‖/‖x‖ (or gradient norms) per layer of random residual stacks
for several initialization schemes, as median lines with percentile bands, and their table."""

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
from superqt.utils import qdebounced

from compute import INIT_SCHEMES, NORM_LIMITS, NORM_PRESETS, NormProfile, ParamSpec, norm_sweep
from explorer.jobs import Jobs
from explorer.lab.state import SCHEME_COLORS, SCHEME_LABELS, ForwardData, LabState, final_text
from explorer.lab.tab import LabTab
from explorer.panels.fields import NumberField
from explorer.panels.scenario import ParamControl
from explorer.views.style import cache_axes

FLOOR = 1e-300  # log axes take positive values only
SLIDERS = {
    # name: (slider span, tooltip)
    "width": ((2.0, 400.0), "width d of every layer"),
    "depth": ((1.0, 300.0), "residual layers L (type larger values into the field)"),
    "trials": ((1.0, 1000.0), "random stacks per scheme: the bands are their percentiles"),
}
NUMBERS = {
    "gain": "branch weights N(0, gain/d): 1 is Xavier, 2 is He (for ReLU)",
    "seed": "seed of the random weights (and inputs)",
}
FLAGS = {
    "normalize": "branches read z·√d/‖z‖ (as batch normalisation gives)",
    "backward": "Backward view (gradient norms per layer)",
}
DEBOUNCE_MS = 250


def _rgba(color: str, alpha: int) -> tuple[int, int, int, int]:
    c = pg.mkColor(color)
    return c.red(), c.green(), c.blue(), alpha


class _SchemeItems:
    """The plot items of one scheme: median line, two bands, overflow and mark symbols."""

    def __init__(self, plot: pg.PlotItem, scheme: str) -> None:
        color = SCHEME_COLORS[scheme]
        self.median = plot.plot(pen=pg.mkPen(color, width=2), name=SCHEME_LABELS[scheme])
        self.edges = [plot.plot(pen=None) for _ in range(4)]  # q05, q25, q75, q95
        self.inner = pg.FillBetweenItem(self.edges[1], self.edges[2], brush=_rgba(color, 70))
        self.outer = pg.FillBetweenItem(self.edges[0], self.edges[3], brush=_rgba(color, 28))
        for fill in (self.outer, self.inner):
            fill.setZValue(-10)
            plot.addItem(fill)
        self.marks = plot.plot(
            pen=None, symbol="o", symbolSize=7, symbolBrush="w", symbolPen=pg.mkPen(color, width=2)
        )
        self.overflow = plot.plot(pen=None, symbol="t1", symbolSize=13, symbolBrush=color)
        self.overflow_text = pg.TextItem(color=color, anchor=(0, 1))
        plot.addItem(self.overflow_text)
        self.items = [self.median, *self.edges, self.inner, self.outer, self.marks, self.overflow]
        self.items.append(self.overflow_text)

    def show(self, profile: NormProfile | None, marks: tuple[int, ...]) -> None:
        for item in self.items:
            item.setVisible(profile is not None)
        if profile is None:
            return
        q, valid = np.maximum(profile.quantiles, FLOOR), profile.valid
        layers = np.arange(q.shape[1], dtype=float)
        ok = valid[2]
        self.median.setData(layers[ok], q[2, ok])
        for k, (lo, hi) in enumerate(((1, 3), (0, 4))):
            both = valid[lo] & valid[hi]
            low, high = self.edges[1 - k], self.edges[2 + k]
            low.setData(layers[both], q[lo, both])
            high.setData(layers[both], q[hi, both])
        shown = [m for m in marks if m < len(ok) and ok[m]]
        self.marks.setData(np.array(shown, dtype=float), q[2, shown])
        at = profile.overflow_layer
        if at is None:
            self.overflow.setData([], [])
            self.overflow_text.setVisible(False)
            return
        last = q[2, at - 1] if at > 0 else 1.0
        self.overflow.setData([float(at)], [last])
        self.overflow_text.setText(f"overflow at layer {at}")
        self.overflow_text.setPos(float(at), float(np.log10(last)))


class NormPlot(pg.PlotWidget):
    """Per-layer ratios on a log axis: one median line and q25–q75 / q05–q95 bands per scheme,
    overflow shown as a marker and "overflow at layer l", never as a gap-less NaN."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w")
        self.setObjectName("forward-plot")
        plot = self.getPlotItem()
        plot.setLogMode(False, True)
        plot.showGrid(x=True, y=True, alpha=0.25)
        plot.setMenuEnabled(False)
        for side in ("left", "bottom"):
            plot.getAxis(side).enableAutoSIPrefix(False)
        plot.setLabel("bottom", "layer l")
        cache_axes(plot)
        self.legend = plot.addLegend(offset=(10, 10), labelTextColor="#222222")
        self.schemes = {s: _SchemeItems(plot, s) for s in INIT_SCHEMES}
        self.show_data(None, False)

    def show_data(self, data: ForwardData | None, backward: bool) -> None:
        label = "‖∂ℓ/∂z_l‖ / ‖∂ℓ/∂z_L‖" if backward else "‖z_l‖ / ‖x‖"
        self.getPlotItem().setLabel("left", label)
        present = {s.scheme: s for s in data.schemes} if data is not None else {}
        for scheme, items in self.schemes.items():
            norms = present.get(scheme)
            profile = None if norms is None else (norms.backward if backward else norms.forward)
            items.show(profile, data.marks if data is not None else ())
        self.legend.clear()
        for scheme, items in self.schemes.items():
            if items.median.isVisible():
                self.legend.addItem(items.median, SCHEME_LABELS[scheme])
        self.getPlotItem().enableAutoRange()


class ForwardView(LabTab):
    """Controls (schemes, sliders with number fields, stack options, presets), the plot, the
    table of final ratios; sweeps run in ``jobs``' ``forward`` slot and stream into the plot."""

    SLOT = "forward"
    CANCELLED = "Sweep cancelled: the plot shows the trials done so far."

    def __init__(self, state: LabState, jobs: Jobs, parent: QWidget | None = None) -> None:
        super().__init__(state, jobs, parent)
        self.plot = NormPlot()
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("forward-table")
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.marks_label = QLabel()
        self.marks_label.setObjectName("forward-marks")
        self.marks_label.setWordWrap(True)
        right = QVBoxLayout()
        right.addWidget(self.plot, 3)
        right.addWidget(self.table, 1)
        right.addWidget(self.marks_label)
        layout = QHBoxLayout(self)
        layout.addLayout(self._controls(), 0)
        layout.addLayout(right, 1)
        self._submit = qdebounced(self.run, timeout=DEBOUNCE_MS, parent=self)
        self._pending = False
        state.events.forward_config.connect(lambda _: self._config_changed())
        state.events.forward_data.connect(lambda _: self._draw())
        self._mirror()

    def _controls(self) -> QVBoxLayout:
        box = QVBoxLayout()
        box.addWidget(QLabel("<b>Schemes</b>"))
        self.checks: dict[str, QCheckBox] = {}
        for scheme in INIT_SCHEMES:
            check = QCheckBox(SCHEME_LABELS[scheme])
            check.setObjectName(f"scheme-{scheme}")
            check.setStyleSheet(f"QCheckBox {{ color: {SCHEME_COLORS[scheme]}; }}")
            check.toggled.connect(lambda on, s=scheme: self._toggled(s, on))
            self.checks[scheme] = check
            box.addWidget(check)
        form = QFormLayout()
        self.controls: dict[str, ParamControl] = {}
        for name, (span, doc) in SLIDERS.items():
            spec = ParamSpec(name, 1, doc, 1, NORM_LIMITS[name], span=span, integer=True)
            control = ParamControl(spec, float(getattr(self.state.forward_config, name)))
            control.sigChanged.connect(self._slid)
            self.controls[name] = control
            form.addRow(name, control)
        self.combos: dict[str, QComboBox] = {}
        choices = {
            "activation": (("linear", "linear φ(z) = z"), ("relu", "ReLU")),
            "matrices": ((1, "x + W φ(x)"), (2, "x + W₂ φ(W₁ x)")),
            "input": (("ones", "all ones"), ("random", "random N(0, I)")),
        }
        for name, options in choices.items():
            combo = QComboBox()
            combo.setObjectName(name)
            for value, text in options:
                combo.addItem(text, value)
            combo.currentIndexChanged.connect(lambda _, n=name: self._chosen(n))
            self.combos[name] = combo
            form.addRow("branch" if name == "matrices" else name, combo)
        self.numbers: dict[str, NumberField] = {}
        for name, tip in NUMBERS.items():
            integer = name == "seed"
            field = NumberField(getattr(self.state.forward_config, name), integer, name, tip)
            field.sigValue.connect(lambda v, n=name, f=field: self._typed(n, f, v))
            self.numbers[name] = field
            form.addRow(name, field)
        box.addLayout(form)
        self.flags: dict[str, QCheckBox] = {}
        for name, text in FLAGS.items():
            flag = QCheckBox(text)
            flag.setObjectName(name)
            flag.toggled.connect(lambda on, n=name: self.state.set_forward(**{n: on}))
            self.flags[name] = flag
            box.addWidget(flag)
        for name, text, tip in (
            ("matlab", "Seed 004's MATLAB loop", "L = 10, d = 100, x = ones, ten passes"),
            ("batchnorm-beta", "β-scaling with normalised branches", ""),
        ):
            button = QPushButton(text)
            button.setObjectName(f"preset-{name}")
            button.setToolTip(tip or NORM_PRESETS[name].description)
            button.clicked.connect(lambda _=False, n=name: self.state.apply_norm_preset(n))
            box.addWidget(button)
        run = QPushButton("Run sweep")
        run.setObjectName("forward-run")
        run.clicked.connect(self.run)
        box.addWidget(run)
        box.addStretch(1)
        return box

    # gestures -----------------------------------------------------------------------------
    def _toggled(self, scheme: str, on: bool) -> None:
        if self.state.toggle_scheme(scheme, on):
            self._mirror()

    def _slid(self, name: str, value: float, dragging: bool) -> None:
        control = self.controls[name]
        text = control.field.text()
        reason = self.state.set_forward(**{name: int(value)})
        if reason:
            control.set_value(float(getattr(self.state.forward_config, name)))
            if not dragging:
                control.field.refuse(text, reason)

    def _typed(self, name: str, field: NumberField, value: float) -> None:
        text = field.text()
        reason = self.state.set_forward(**{name: int(value) if field.integer else value})
        if reason:
            field.refuse(text, reason)

    def _chosen(self, name: str) -> None:
        if self.state.set_forward(**{name: self.combos[name].currentData()}):
            self._mirror()

    # state → widgets ----------------------------------------------------------------------
    def _mirror(self) -> None:
        config = self.state.forward_config
        for scheme, check in self.checks.items():
            check.blockSignals(True)
            check.setChecked(scheme in config.schemes)
            check.blockSignals(False)
        for name, control in self.controls.items():
            if control.field.valid or not control.field.hasFocus():
                control.set_value(float(getattr(config, name)))
        for name, combo in self.combos.items():
            combo.blockSignals(True)
            combo.setCurrentIndex(combo.findData(getattr(config, name)))
            combo.blockSignals(False)
        for name, field in self.numbers.items():
            if field.valid or not field.hasFocus():
                field.set_value(float(getattr(config, name)))
        for name, flag in self.flags.items():
            flag.blockSignals(True)
            flag.setChecked(bool(getattr(config, name)))
            flag.blockSignals(False)

    def _config_changed(self) -> None:
        self._mirror()
        self.jobs.cancel("forward")  # a new setting stops the previous sweep at once
        self._pending = True
        self._submit()

    # the sweep ----------------------------------------------------------------------------
    def run(self) -> None:
        """Start a sweep of the current settings (replacing any running one)."""
        self._submit.cancel()
        self._pending = False
        config, marks = self.state.forward_config, self.state.forward_marks
        self.state.forward_started()
        self.submit(
            lambda: norm_sweep(config, marks),
            lambda items: self.state.forward_progress(config, items),
            self.state.forward_done,
            "The sweep failed",
        )

    def pending(self) -> bool:
        """A sweep due after the last setting change (debounced) is dropped."""
        pending, self._pending = self._pending, False
        self._submit.cancel()
        return pending

    # results → plot and table -------------------------------------------------------------
    def _draw(self) -> None:
        data = self.state.forward
        backward = data is not None and data.config.backward
        self.plot.show_data(data, backward)
        self._fill_table(data, backward)

    def _fill_table(self, data: ForwardData | None, backward: bool) -> None:
        at = "‖∂ℓ/∂x‖ / ‖∂ℓ/∂z_L‖" if backward else "‖z_L‖ / ‖x‖"
        heads = ["scheme", f"median {at}", "q25", "q75", "overflow"]
        self.table.setHorizontalHeaderLabels(heads)
        schemes = data.schemes if data is not None else ()
        self.table.setRowCount(len(schemes))
        for row, norms in enumerate(schemes):
            profile = norms.backward if backward and norms.backward is not None else norms.forward
            col = 0 if backward else -1  # the gradient reaching the input; the output's norm
            cells = [SCHEME_LABELS[norms.scheme]]
            for k in (2, 1, 3):
                ok = bool(profile.valid[k, col])
                cells.append(final_text(float(profile.quantiles[k, col])) if ok else "overflow")
            layer = profile.overflow_layer
            cells.append("" if layer is None else f"overflow at layer {layer}")
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight)
                self.table.setItem(row, c, item)
        self.table.resizeColumnsToContents()
        self.marks_label.setText(self._marks_text(data))

    def _marks_text(self, data: ForwardData | None) -> str:
        if data is None or not data.marks or not data.schemes:
            return ""
        shown = [s for s in data.schemes if s.scheme == "xavier"] or list(data.schemes)
        profile = shown[0].forward
        passes = ", ".join(
            f"{k + 1}: {final_text(float(profile.median[m]))}"
            if profile.valid[2, m]
            else f"{k + 1}: overflow"
            for k, m in enumerate(data.marks)
            if m < len(profile.median)
        )
        return f"Median ‖x‖/‖x₀‖ after each pass ({SCHEME_LABELS[shown[0].scheme]}): {passes}"
