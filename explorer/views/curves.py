"""Training curves of every run: F, ‖∇F‖ and the scenario's own metric against the step."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QWidget

from explorer.views.style import InertCurve, cache_axes

FLOOR = 1e-20  # log axes cannot show 0: smaller values (exact zeros) sit on this floor
DASHED = Qt.PenStyle.DashLine
DOTTED = Qt.PenStyle.DotLine


def loggable(values: np.ndarray) -> np.ndarray:
    """Positive values for a log axis: |v| floored at FLOOR; non-finite values become gaps."""
    v = np.abs(np.asarray(values, dtype=float))
    return np.where(np.isfinite(v), np.maximum(v, FLOOR), np.nan)


class CurvesView(pg.GraphicsLayoutWidget):
    """Three stacked plots sharing the step axis: F (train solid, test dashed; reference levels
    dotted), ‖∇F‖ (projected gradient dotted when a constraint acts), and the metric.

    ``set_series(rid, plot, key, x, y, color, style, visible)`` draws one line; ranges follow
    the visible finite data in whole decades (log axes take no SI multiplier).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setBackground("w")
        self.plots = {
            "loss": self.addPlot(row=0, col=0),
            "grad": self.addPlot(row=1, col=0),
            "metric": self.addPlot(row=2, col=0),
            "curvature": self.addPlot(row=3, col=0),
        }
        labels = {"loss": "F", "grad": "‖∇F‖", "metric": "metric", "curvature": "λ(∇²F)"}
        for name, plot in self.plots.items():
            plot.setLabel("left", labels[name])
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.setMenuEnabled(False)
            plot.disableAutoRange()
            plot.setLogMode(False, name in ("loss", "grad"))
            for side in ("left", "bottom"):
                plot.getAxis(side).enableAutoSIPrefix(False)
            cache_axes(plot)
            if name != "loss":
                plot.setXLink(self.plots["loss"])
        self.plots["metric"].setLabel("bottom", "step")
        self.legend = pg.LabelItem(justify="left", size="8pt", color="#333333")
        self.legend.item.setTextWidth(200.0)  # wrapped to the widget's width once shown
        self.addItem(self.legend, row=4, col=0)
        self.lines: dict[tuple[int, str], InertCurve] = {}
        self.baselines: list[pg.InfiniteLine] = []
        self.stability: dict[int, pg.InfiniteLine] = {}
        self._log = {"loss": True, "grad": True, "metric": False, "curvature": False}
        self.plots["curvature"].setVisible(False)
        self._ranges: dict[str, tuple[float, float]] = {}
        self.set_metric(None)

    def set_metric(self, label: str | None, log: bool = False) -> None:
        """The third plot's quantity (None: hidden, e.g. for toys)."""
        plot = self.plots["metric"]
        plot.setVisible(label is not None)
        plot.setLabel("left", label or "")
        self.plots["grad" if label is None else "metric"].setLabel("bottom", "step")
        if label is not None:
            self.plots["grad"].setLabel("bottom", "")
        if self._log["metric"] != log:
            self._log["metric"] = log
            plot.setLogMode(False, log)
            for rid, key in [k for k in self.lines if _plot_of(k[1]) == "metric"]:
                plot.vb.removeItem(self.lines.pop((rid, key)))  # redrawn in the new scale
        self._ranges.pop("metric", None)

    def set_curvature(self, rid: int, shown: bool, color: str, stability: float | None) -> None:
        """Show the curvature plot (when some run measures it) and run ``rid``'s edge of
        stability 2/η (gradient descent only), dotted in its colour."""
        plot = self.plots["curvature"]
        if shown and not plot.isVisible():
            plot.setVisible(True)
        line = self.stability.get(rid)
        if not shown or stability is None:
            if line is not None:
                plot.removeItem(self.stability.pop(rid))
            return
        if line is None:
            line = pg.InfiniteLine(
                pos=stability,
                angle=0,
                pen=pg.mkPen(color, width=1.2, style=DOTTED),
                label="2/η",
                labelOpts={"position": 0.95, "color": color},
            )
            plot.addItem(line)
            self.stability[rid] = line
        elif line.value() != stability:
            line.setValue(stability)

    def set_legend(self, text: str) -> None:
        self.legend.setText(text)
        self._wrap_legend()

    def _wrap_legend(self) -> None:
        """Wrap the legend to the widget's width: a one-line legend would widen the plots
        beyond a narrow dock and clip them."""
        self.legend.item.setTextWidth(max(80.0, self.width() - 24.0))
        self.legend.updateMin()

    def resizeEvent(self, event: QResizeEvent) -> None:
        # the legend first: the layout's minimum width follows it, and a layout laid out at
        # the old (wider) minimum is clipped by the narrower dock until the next resize
        if hasattr(self, "legend"):  # Qt resizes the widget while it is being built
            self.legend.item.setTextWidth(max(80.0, event.size().width() - 24.0))
            self.legend.updateMin()
        super().resizeEvent(event)

    def set_series(
        self,
        rid: int,
        key: str,
        x: np.ndarray,
        y: np.ndarray,
        color: str,
        style: Qt.PenStyle,
        visible: bool,
    ) -> None:
        """Line ``key`` (``loss``, ``test_loss``, ``grad``, ``projected``, ``metric``) of run
        ``rid``; points where y is not finite are left out, and a line with none is not made
        (a session of 500 runs would otherwise add thousands of empty items).

        Lines are light curve items added to the view box itself, not the PlotItem: its
        ``addItem`` checks membership and rebuilds a parameter list per item, quadratic in
        the number of lines. Log plots get log₁₀ of the values (the axis shows decades).
        """
        name = _plot_of(key)
        values = np.log10(loggable(y)) if self._log[name] else np.asarray(y, dtype=float)
        ok = np.isfinite(values)
        line = self.lines.get((rid, key))
        if line is None:
            if not ok.any():
                return
            width = 2.0 if style == Qt.PenStyle.SolidLine else 1.5
            line = InertCurve(pen=pg.mkPen(color, width=width, style=style))
            self.plots[name].vb.addItem(line, ignoreBounds=True)
            self.lines[(rid, key)] = line
        line.setData(np.asarray(x, dtype=float)[ok], values[ok])
        line.setVisible(visible and bool(ok.any()))

    def remove_run(self, rid: int) -> None:
        for r, key in [k for k in self.lines if k[0] == rid]:
            line = self.lines.pop((r, key))
            self.plots[_plot_of(key)].vb.removeItem(line)
        self.set_curvature(rid, False, "", None)

    def clear_runs(self) -> None:
        for rid in {r for r, _ in self.lines}:
            self.remove_run(rid)
        self._ranges.clear()
        self.plots["curvature"].setVisible(False)

    def set_baselines(self, values: dict[str, float]) -> None:
        """Reference losses (F_lin, the least-squares loss, ...) as labelled dotted lines."""
        plot = self.plots["loss"]
        for line in self.baselines:
            plot.removeItem(line)
        self.baselines = []
        for name, value in values.items():
            if not np.isfinite(value) or value <= 0:
                continue
            line = pg.InfiniteLine(
                pos=float(np.log10(value)),
                angle=0,
                label=f"{name} = {value:.4g}",
                pen=pg.mkPen("#555555", width=1.5, style=DOTTED),
                labelOpts={"position": 0.85, "color": "#333333"},
            )
            plot.addItem(line)
            self.baselines.append(line)

    def fit_ranges(self) -> None:
        """Axes span the visible finite data: steps up to a power of two, log plots in whole
        multiples of 4 decades, linear plots with 5 % margins. Coarse on purpose: every change
        of range re-renders an axis's tick text (~7 ms), so growing runs must rarely cause one;
        a removed or hidden run's range goes with it."""
        steps = 16.0
        lows: dict[str, list[float]] = {}
        highs: dict[str, list[float]] = {}
        for (_, key), line in self.lines.items():
            if not line.isVisible():
                continue
            x, y = line.getData()
            if x is None or not len(x):
                continue
            steps = max(steps, float(np.max(x)))
            name = _plot_of(key)
            lows.setdefault(name, []).append(float(np.min(y)))
            highs.setdefault(name, []).append(float(np.max(y)))
        x_max = float(2 ** math.ceil(math.log2(max(steps, 16.0))))
        self._set_range("steps", self.plots["loss"], (0.0, x_max), x=True)
        for name, plot in self.plots.items():
            if name not in lows:
                continue
            lo, hi = min(lows[name]), max(highs[name])
            want: tuple[float, float]
            if self._log[name]:  # y values are already log₁₀; whole multiples of 4 decades
                low = 4.0 * math.floor(lo / 4)
                want = (low, max(4.0 * math.ceil(hi / 4), low + 4.0))
            else:
                pad = 0.05 * (hi - lo) if hi > lo else max(1e-12, 0.05 * abs(hi) + 1e-12)
                want = (lo - pad, hi + pad)
            self._set_range(name, plot, want)

    def _set_range(
        self, key: str, plot: pg.PlotItem, want: tuple[float, float], x: bool = False
    ) -> None:
        if self._ranges.get(key) != want:
            self._ranges[key] = want
            if x:
                plot.setXRange(*want, padding=0.02)
            else:
                plot.setYRange(*want, padding=0.02)


def _plot_of(key: str) -> str:
    if key in ("loss", "test_loss"):
        return "loss"
    if key in ("grad", "projected"):
        return "grad"
    if key in ("lambda_max", "lambda_min"):
        return "curvature"
    return "metric"  # the scenario's metric and the teacher distances
