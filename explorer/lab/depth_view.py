"""The near-identity depth sweep (seeds 002/003): the largest trained layer size against depth,
one labelled curve per preset run, with c/m and c·log(m)/m drawn as references."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from compute import (
    DEPTH_PRESETS,
    DepthSweepConfig,
    DepthSweepResult,
    LandscapeError,
    depth_sweep,
    figure_style,
)
from explorer.jobs import Jobs
from explorer.lab.state import LabState, parse_depths
from explorer.lab.tab import LabTab
from explorer.panels.fields import INVALID_STYLE
from explorer.views.style import cache_axes

CURVE_COLORS = figure_style.SWEEP_COLORS  # as in the exported sweep figures
REFERENCE_STYLES = {"1/m": Qt.PenStyle.DashLine, "log(m)/m": Qt.PenStyle.DotLine}
OVERRIDES = {
    # field: (label, whole number, tooltip)
    "steps": ("steps", True, "training steps at every depth (empty: the preset's)"),
    "lr": ("learning rate", False, "step size; ÷ m for the GD presets (empty: the preset's)"),
    "init_norm": ("init norm", False, "‖A_i‖_F or ‖V_i‖_F at the start (empty: the preset's)"),
}


def sweep_presets(
    configs: list[DepthSweepConfig],
) -> Generator[Any, None, list[DepthSweepResult]]:
    """Each config's depth sweep in turn: its progress, then its result as one more item."""
    results = []
    for config in configs:
        result = yield from depth_sweep(config)
        results.append(result)
        yield result
    return results


class DepthPlot(pg.PlotWidget):
    """max_i ‖h_i − Id‖ against m on log–log axes; each curve's references in its colour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w")
        self.setObjectName("depth-plot")
        plot = self.getPlotItem()
        plot.setLogMode(True, True)
        plot.showGrid(x=True, y=True, alpha=0.25)
        plot.setMenuEnabled(False)
        for side in ("left", "bottom"):
            plot.getAxis(side).enableAutoSIPrefix(False)
        plot.setLabel("bottom", "depth m")
        plot.setLabel("left", "max_i ‖h_i − Id‖ after training")
        cache_axes(plot)
        self.legend = plot.addLegend(offset=(-10, 10), labelTextColor="#222222")
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.references: dict[tuple[str, str], pg.PlotDataItem] = {}
        self.has_data: dict[tuple[str, str], bool] = {}
        self.show_references = True

    def show_curves(self, curves: dict[str, DepthSweepResult]) -> None:
        plot = self.getPlotItem()
        for label in [k for k in self.curves if k not in curves]:
            plot.removeItem(self.curves.pop(label))
        for key in [k for k in self.references if k[0] not in curves]:
            plot.removeItem(self.references.pop(key))
            self.has_data.pop(key, None)
        for k, (label, result) in enumerate(curves.items()):
            color = CURVE_COLORS[k % len(CURVE_COLORS)]
            line = self.curves.get(label)
            if line is None:
                pen = pg.mkPen(color, width=2)
                line = plot.plot(pen=pen, symbol="o", symbolBrush=color, name=label)
                self.curves[label] = line
            ok = result.max_sizes > 0
            line.setData(result.depths[ok].astype(float), result.max_sizes[ok])
            for name, values in result.references().items():
                ref = self.references.get((label, name))
                if ref is None:
                    pen = pg.mkPen(color, width=1.2, style=REFERENCE_STYLES[name])
                    ref = plot.plot(pen=pen)
                    self.references[(label, name)] = ref
                good = ok & (values > 0)
                ref.setData(result.depths[good].astype(float), values[good])
                ref.setVisible(self.show_references and bool(good.any()))
                self.has_data[(label, name)] = bool(good.any())
        plot.enableAutoRange()

    def set_references(self, on: bool) -> None:
        self.show_references = on
        for key, ref in self.references.items():
            ref.setVisible(on and self.has_data.get(key, False))


class DepthView(LabTab):
    """Presets to run (several go onto one plot), overrides of depths and steps, the plot, and
    the table of m, max size, m·max and loss; sweeps run in ``jobs``' ``depth`` slot."""

    SLOT = "depth"
    CANCELLED = "Depth sweep cancelled: the depths finished are kept."

    def __init__(self, state: LabState, jobs: Jobs, parent: QWidget | None = None) -> None:
        super().__init__(state, jobs, parent)
        self.plot = DepthPlot()
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("depth-table")
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setHorizontalHeaderLabels(
            ["curve", "m", "max‖h_i − Id‖", "m · max", "loss", "status"]
        )
        note = QLabel(
            "Each curve is labelled with the optimizer, step size, steps and initialization "
            "that produced it. Dashed: c/m, dotted: c·log(m)/m, constants fitted to the curve "
            "of the same colour (seed 003 predicts 1/m, seed 002 O(log(m)/m))."
        )
        note.setWordWrap(True)
        right = QVBoxLayout()
        right.addWidget(self.plot, 3)
        right.addWidget(note)
        right.addWidget(self.table, 2)
        layout = QHBoxLayout(self)
        layout.addLayout(self._controls(), 0)
        layout.addLayout(right, 1)
        state.events.depth_data.connect(lambda _: self._draw())

    def _controls(self) -> QVBoxLayout:
        box = QVBoxLayout()
        box.addWidget(QLabel("<b>Presets</b> (several go onto one plot)"))
        self.presets: dict[str, QCheckBox] = {}
        for name, config in DEPTH_PRESETS.items():
            check = QCheckBox(name)
            check.setObjectName(f"depth-preset-{name}")
            check.setToolTip(config.label)
            check.setChecked(name in self.state.depth_presets)
            check.toggled.connect(self._presets_changed)
            self.presets[name] = check
            box.addWidget(check)
        form = QFormLayout()
        self.depths = QLineEdit(",".join(map(str, DepthSweepConfig().depths)))
        self.depths.setObjectName("depth-depths")
        self.depths.setToolTip("depths m to train, 2 … 64, e.g. 2,4,8,16,32,64")
        form.addRow("depths", self.depths)
        self.fields: dict[str, QLineEdit] = {}
        for name, (label, _, tip) in OVERRIDES.items():
            field = QLineEdit()
            field.setObjectName(f"depth-{name.replace('_', '-')}")
            field.setPlaceholderText("preset's")
            field.setToolTip(tip)
            self.fields[name] = field
            form.addRow(label, field)
        box.addLayout(form)
        refs = QCheckBox("reference curves c/m, c·log(m)/m")
        refs.setObjectName("depth-references")
        refs.setChecked(True)
        refs.toggled.connect(self.plot.set_references)
        box.addWidget(refs)
        for name, text, slot in (
            ("depth-run", "Run sweep", self.run),
            ("depth-clear", "Clear plot", self.state.clear_depth),
        ):
            button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(slot)
            box.addWidget(button)
        box.addStretch(1)
        return box

    def _presets_changed(self) -> None:
        self.state.depth_presets = tuple(n for n, c in self.presets.items() if c.isChecked())

    def _read_overrides(self) -> dict[str, Any] | None:
        """The typed overrides, or None (the offending field marked) if one is not a number."""
        values: dict[str, Any] = {}
        fields = {"depths": self.depths, **self.fields}
        for name, field in fields.items():
            field.setStyleSheet("")
            text = field.text().strip()
            try:
                if name == "depths":
                    values[name] = parse_depths(text)
                elif text:
                    whole = OVERRIDES[name][1]
                    values[name] = int(text) if whole else float(text)
                else:
                    values[name] = None
            except (LandscapeError, ValueError) as exc:
                field.setStyleSheet(INVALID_STYLE)
                reason = str(exc) if isinstance(exc, LandscapeError) else f"{text!r} is no number"
                self.state.notify("depth", f"Refused: {name}: {reason}", "error")
                return None
        return values

    def run(self) -> None:
        """Run the chosen presets with the typed overrides, one after another."""
        values = self._read_overrides()
        if values is None or self.state.set_depth_overrides(**values):
            return
        try:
            configs = self.state.depth_configs()
        except LandscapeError as exc:
            self.state.notify("depth", f"Refused: {exc}", "error")
            return
        self.state.depth_started()
        self.submit(
            lambda: sweep_presets(configs), self._items, self.state.depth_done, "The sweep failed"
        )

    def _items(self, items: list[Any]) -> None:
        pending: list[Any] = []
        for item in items:
            if isinstance(item, DepthSweepResult):
                if pending:
                    self.state.depth_progress(pending)
                    pending = []
                self.state.depth_finished(item)
            else:
                pending.append(item)
        if pending:
            self.state.depth_progress(pending)

    def _draw(self) -> None:
        curves = self.state.depth_curves
        self.plot.show_curves(curves)
        rows = [(label, fit) for label, r in curves.items() for fit in r.fits]
        self.table.setRowCount(len(rows))
        for row, (label, fit) in enumerate(rows):
            cells = [
                label,
                str(fit.depth),
                f"{fit.max_size:.4g}",
                f"{fit.depth * fit.max_size:.3f}",
                f"{fit.loss:.4g}",
                f"{fit.status} after {fit.steps} steps",
            ]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if 0 < c < 5:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight)
                self.table.setItem(row, c, item)
        self.table.resizeColumnsToContents()
        if rows and np.isfinite(rows[-1][1].max_size):
            self.table.scrollToBottom()
