"""Training curves: F and ‖∇F‖ (projected) per step for every run, on log axes."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from explorer.views.style import cache_axes

FLOOR = 1e-20  # log axes cannot show 0: smaller values (exact zeros) sit on this floor


class CurvesView(pg.GraphicsLayoutWidget):
    """Two stacked plots sharing the step axis: loss (top) and gradient norm (bottom)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setBackground("w")
        self.loss_plot = self.addPlot(row=0, col=0)
        self.grad_plot = self.addPlot(row=1, col=0)
        self.grad_plot.setXLink(self.loss_plot)
        self.loss_plot.setLabel("left", "F")
        self.grad_plot.setLabel("left", "‖∇F‖")
        self.grad_plot.setLabel("bottom", "step")
        for plot in (self.loss_plot, self.grad_plot):
            plot.setLogMode(False, True)
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.setMenuEnabled(False)
            plot.disableAutoRange()
            cache_axes(plot)
        self._ranges: dict[str, tuple[float, float]] = {}
        self.loss_plot.addLegend(
            offset=(-10, 10),
            labelTextSize="8pt",
            brush=pg.mkBrush(255, 255, 255, 210),
            pen=pg.mkPen("#999999"),
        )
        self.items: dict[int, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}
        self.markers: dict[int, pg.ScatterPlotItem] = {}
        self.extras: dict[int, pg.PlotDataItem] = {}
        self.baselines: list[pg.InfiniteLine] = []

    def set_run(
        self,
        rid: int,
        label: str,
        color: str,
        loss: np.ndarray,
        grad_norm: np.ndarray,
        visible: bool,
        diverged: bool,
    ) -> None:
        if rid not in self.items:
            pen = pg.mkPen(color, width=2)
            self.items[rid] = (
                self.loss_plot.plot(pen=pen, name=label),
                self.grad_plot.plot(pen=pen),
            )
        steps = np.arange(len(loss))
        for item, values in zip(self.items[rid], (loss, grad_norm), strict=True):
            item.setData(steps, _loggable(values))
            item.setVisible(visible)
        self._mark_divergence(rid, diverged and len(loss) > 0, steps, loss, visible)

    def grow_ranges(self, max_steps: int = 0) -> None:
        """Widen the axes in coarse jumps, never shrinking while runs go on.

        Steps span ``max_steps`` (the runs' budget) or the longest run, rounded up to a power of
        two; F and ‖∇F‖ span whole multiples of 4 decades. Every axis change re-renders its tick
        text (~7 ms per axis here), so a growing run must not change them at every redraw.
        """
        n, lows, highs = max(max_steps, 1), {"loss": [], "grad": []}, {"loss": [], "grad": []}
        for loss_item, grad_item in self.items.values():
            for key, item in (("loss", loss_item), ("grad", grad_item)):
                x, y = item.getOriginalDataset()
                if x is None or not len(x) or not item.isVisible():
                    continue
                n = max(n, len(x))
                finite = y[np.isfinite(y)]
                if finite.size:
                    lows[key].append(np.log10(finite.min()))
                    highs[key].append(np.log10(finite.max()))
        x_max = float(max(16, 2 ** int(np.ceil(np.log2(n)))))
        if self._ranges.get("steps") != (0.0, x_max):
            self._ranges["steps"] = (0.0, x_max)
            self.loss_plot.setXRange(0, x_max, padding=0.02)
        for key, plot in (("loss", self.loss_plot), ("grad", self.grad_plot)):
            if not lows[key]:
                continue
            lo = 4 * np.floor(min(lows[key]) / 4)
            hi = 4 * np.ceil(max(max(highs[key]), lo + 1) / 4)
            have = self._ranges.get(key)
            want = (min(lo, have[0]), max(hi, have[1])) if have else (lo, hi)
            if want != have:
                self._ranges[key] = want
                plot.setYRange(*want, padding=0.02)

    def _mark_divergence(
        self, rid: int, diverged: bool, steps: np.ndarray, loss: np.ndarray, visible: bool
    ) -> None:
        """A red × at the last finite loss of a diverged run."""
        marker = self.markers.get(rid)
        if not diverged:
            if marker is not None:
                marker.setData([], [])
            return
        if marker is None:
            marker = pg.ScatterPlotItem(symbol="x", size=13, pen=pg.mkPen("#D00000", width=2))
            self.loss_plot.addItem(marker)
            self.markers[rid] = marker
        marker.setData([steps[-1]], [np.log10(_loggable(loss[-1:])[0])])
        marker.setVisible(visible)

    def set_test_loss(self, rid: int, color: str, values: np.ndarray, visible: bool) -> None:
        """A network run's test loss, dashed in its colour (on the evaluation steps)."""
        item = self.extras.get(rid)
        if item is None:
            item = self.loss_plot.plot(pen=pg.mkPen(color, width=1.5, style=Qt.PenStyle.DashLine))
            self.extras[rid] = item
        item.setData(np.arange(len(values)), _loggable(values))
        item.setVisible(visible)

    def set_baselines(self, values: dict[str, float]) -> None:
        """Reference losses (e.g. F_lin, the best linear predictor) as labelled lines."""
        for line in self.baselines:
            self.loss_plot.removeItem(line)
        self.baselines = []
        for name, value in values.items():
            if not np.isfinite(value) or value <= 0:
                continue
            line = pg.InfiniteLine(
                pos=float(np.log10(value)),
                angle=0,
                label=f"{name} = {value:.4g}",
                pen=pg.mkPen("#555555", width=1.5, style=Qt.PenStyle.DotLine),
                labelOpts={"position": 0.85, "color": "#333333"},
            )
            self.loss_plot.addItem(line)
            self.baselines.append(line)

    def remove_run(self, rid: int) -> None:
        pair = self.items.pop(rid, None)
        if pair is not None:
            self.loss_plot.removeItem(pair[0])
            self.grad_plot.removeItem(pair[1])
        for store in (self.markers, self.extras):
            item = store.pop(rid, None)
            if item is not None:
                self.loss_plot.removeItem(item)

    def clear_runs(self) -> None:
        for rid in list(self.items):
            self.remove_run(rid)
        self._ranges.clear()


def _loggable(values: np.ndarray) -> np.ndarray:
    """Positive values for a log axis: |v| floored at FLOOR; non-finite values become gaps."""
    v = np.abs(np.asarray(values, dtype=float))
    return np.where(np.isfinite(v), np.maximum(v, FLOOR), np.nan)
