"""Colours and markers shared by the views (colour-blind-safe choices)."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem

from compute import OTHER_CODES, BasinMap, figure_style

FIG = figure_style  # the one style table, shared with the figure export
MAP_COLORMAP = FIG.COLORMAP
BASIN_COLORS = FIG.BASIN_COLORS
SPECIAL_BASIN_COLORS = FIG.SPECIAL_BASIN_COLORS
HESSIAN_SHORT = {"ratio": "|λ_min/λ_max|", "lambda_min": "λ_min", "lambda_max": "λ_max"}
"""The curvature map's fields in a word (the picker and the legend)."""
PX = 2.0
"""Screen pixels per figure point: the style table's sizes are points of a printed figure read
at arm's length; on screen the same marks are drawn PX times as many pixels."""
CRITICAL_STYLE = {
    # kind: (pyqtgraph symbol, fill, size in px): markers never share a colour with a run
    kind: (symbol, fill, PX * size)
    for kind, (_, symbol, fill, size) in FIG.CRITICAL_MARKERS.items()
}


def pen(color: str, width_pt: float, alpha: float = 1.0, **kw: object) -> QPen:
    """A pyqtgraph pen of the style table's ``color`` (``#rrggbb``), opacity ``alpha`` in
    [0, 1] and width ``width_pt`` figure points (PX × that in pixels)."""
    c = QColor(color)
    c.setAlphaF(alpha)
    return pg.mkPen(c, width=PX * width_pt, **kw)


def label_image(labels: np.ndarray) -> np.ndarray:
    """Categorical RGBA image (…, 4) uint8 for basin labels (``figure_style.basin_rgba``)."""
    return FIG.basin_rgba(labels)


def hessian_image(values: np.ndarray, field: str) -> tuple[np.ndarray, tuple[float, float]]:
    """RGBA (..., 4) of a curvature-map field and the value range its colours span (the style
    table's ``hessian_range``: |λ_min/λ_max| over [0, max], λ_max over its finite range, λ_min
    symmetric around 0), in the figure export's colour maps. Cells not computed yet (NaN) are
    transparent."""
    finite = np.isfinite(values)
    lo, hi = FIG.hessian_range(values, field)
    cmap = pg.colormap.get(FIG.HESSIAN_COLORMAPS[field], source="matplotlib")
    scaled = np.clip((np.where(finite, values, lo) - lo) / (hi - lo), 0, 1)
    rgba = cmap.map(scaled.ravel(), mode="byte").reshape(*values.shape, -1)[..., :4].copy()
    rgba[..., 3] = np.where(finite, round(255 * FIG.HESSIAN_ALPHA), 0)
    return rgba.astype(np.ubyte), (lo, hi)


def curvature_image(hess_min: np.ndarray) -> np.ndarray:
    """Red where λ_min(∇²F) < 0 (``figure_style.curvature_rgba``)."""
    return FIG.curvature_rgba(hess_min)


def arrow_segments(points: np.ndarray, vectors: np.ndarray, length: float) -> np.ndarray:
    """Line segments (2k·3, 2) drawing each vector as an arrow of fixed ``length`` (shaft and
    two head strokes), for one ``PlotCurveItem(connect="pairs")``."""
    norm = np.linalg.norm(vectors, axis=1, keepdims=True)
    ok = (norm[:, 0] > 0) & np.isfinite(norm[:, 0])
    p, d = points[ok], vectors[ok] / norm[ok]
    tip = p + length * d
    side = np.stack([-d[:, 1], d[:, 0]], axis=1)
    head = 0.35 * length
    left = tip - head * d + 0.5 * head * side
    right = tip - head * d - 0.5 * head * side
    segs = np.stack([p, tip, tip, left, tip, right], axis=1)
    return segs.reshape(-1, 2)


def cache_axes(plot: pg.PlotItem) -> None:
    """Cache each axis as a pixmap: re-rendering tick text costs ~10 ms per axis and paint
    (offscreen and on X alike), while the axes change far less often than the data."""
    for name in ("left", "bottom", "right", "top"):
        plot.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


class InertCurve(pg.PlotCurveItem):
    """A curve that never takes part in mouse hit-testing.

    pyqtgraph's scene asks every item under the cursor for its ``shape()`` on each mouse move
    and click; for a curve that is a stroked copy of its whole path (isolines: ~2,000 vertices
    each), which made a click cost ~100 ms. Drawing is unaffected.
    """

    def shape(self) -> QPainterPath:
        return QPainterPath()


def basin_legend(basins: BasinMap) -> str:
    """HTML legend of a basin map: a colour swatch, the attractor and its share of the cells."""
    shares = basins.share()
    entries = []
    for k, attractor in enumerate(basins.attractors):
        color = BASIN_COLORS[k % len(BASIN_COLORS)]
        entries.append((color, attractor.label, shares.get(attractor.label, 0.0)))
    for code, name in OTHER_CODES.items():
        if code in SPECIAL_BASIN_COLORS and shares.get(name, 0.0) > 0:
            entries.append((SPECIAL_BASIN_COLORS[code], name, shares[name]))
    items = [
        f'<span style="color:{c}">■</span> {label} {100 * share:.0f}%'
        for c, label, share in entries
    ]
    legend = "<b>Basins</b> (current optimizer): " + " &nbsp; ".join(items)
    if basins.note:  # how the runs were made, what "not converged" means
        legend += f'<br><span style="color:#555">{html.escape(basins.note)}.</span>'
    return legend
