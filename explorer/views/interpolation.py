"""A small window with F along the segment θ(α) = start + α (end − start)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from compute import Interpolation
from explorer.views.style import cache_axes


class InterpolationWindow(pg.PlotWidget):
    """Loss (and accuracy, if any) against α; α = 0 is the start, α = 1 the end."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w")
        self.setWindowTitle("1-D interpolation")
        self.resize(560, 380)
        item = self.getPlotItem()
        item.setLabel("bottom", "α   (θ = start + α·(end − start))")
        item.setLabel("left", "F")
        item.setLogMode(False, True)
        item.showGrid(x=True, y=True, alpha=0.25)
        cache_axes(item)
        self.curve = self.plot(pen=pg.mkPen("#0072B2", width=2))
        for alpha in (0.0, 1.0):
            self.addItem(
                pg.InfiniteLine(
                    pos=alpha, angle=90, pen=pg.mkPen("#999999", style=pg.QtCore.Qt.DashLine)
                )
            )

    def show_interpolation(self, result: Interpolation, start: str, end: str) -> None:
        loss = np.where(np.isfinite(result.values["loss"]), result.values["loss"], np.nan)
        self.curve.setData(result.alpha, np.maximum(loss, 1e-20))
        self.setWindowTitle(f"1-D interpolation: {start} (α = 0) → {end} (α = 1)")
        self.show()
        self.raise_()
