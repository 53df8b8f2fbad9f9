"""Training curves: F and ‖∇F‖ (projected) per step for every run, on log axes."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

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
        self.loss_plot.addLegend(
            offset=(-10, 10),
            labelTextSize="8pt",
            brush=pg.mkBrush(255, 255, 255, 210),
            pen=pg.mkPen("#999999"),
        )
        self.items: dict[int, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}

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
        end = (
            {
                "symbol": "x",
                "symbolSize": [0] * (len(loss) - 1) + [12],
                "symbolPen": pg.mkPen("#D00000", width=2),
            }
            if diverged and len(loss)
            else {"symbol": None}
        )
        for item, values in zip(self.items[rid], (loss, grad_norm), strict=True):
            item.setData(steps, _loggable(values), **end)
            item.setVisible(visible)

    def remove_run(self, rid: int) -> None:
        pair = self.items.pop(rid, None)
        if pair is not None:
            self.loss_plot.removeItem(pair[0])
            self.grad_plot.removeItem(pair[1])

    def clear_runs(self) -> None:
        for rid in list(self.items):
            self.remove_run(rid)


def _loggable(values: np.ndarray) -> np.ndarray:
    """Positive values for a log axis: |v| floored at FLOOR; non-finite values become gaps."""
    v = np.abs(np.asarray(values, dtype=float))
    return np.where(np.isfinite(v), np.maximum(v, FLOOR), np.nan)
