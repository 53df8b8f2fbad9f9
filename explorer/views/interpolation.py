"""A small window with F along the segment θ(α) = start + α (end − start)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from compute import Interpolation
from explorer.views.style import cache_axes

LOG_SPAN = 10.0
"""F's largest over smallest value from which the axis is logarithmic."""


class InterpolationWindow(pg.PlotWidget):
    """Loss (and accuracy, if any) against α; α = 0 is the start, α = 1 the end."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w")
        self.setWindowTitle("1-D interpolation")
        self.resize(560, 380)
        item = self.getPlotItem()
        item.setLabel("bottom", "α   (θ = start + α·(end − start))")
        item.setLabel("left", "F")
        item.getAxis("left").enableAutoSIPrefix(False)  # "F (x0.001)" reads as a scaled loss
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
        """Draw F(α); the F axis is logarithmic only where F spans more than a decade (within
        one, a log axis shows a single tick)."""
        loss = np.where(np.isfinite(result.values["loss"]), result.values["loss"], np.nan)
        shown = loss[np.isfinite(loss)]
        wide = shown.size > 0 and shown.min() > 0 and shown.max() > LOG_SPAN * shown.min()
        self.getPlotItem().setLogMode(False, bool(wide))
        self.curve.setData(result.alpha, np.maximum(loss, 1e-20) if wide else loss)
        self.setWindowTitle(f"1-D interpolation: {start} (α = 0) → {end} (α = 1)")
        self.show()
        self.raise_()
