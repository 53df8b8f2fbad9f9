"""The full-space curvature map over a map panel ("hessian" overlay), as the window draws it.

Colours: ``style.HESSIAN_COLORMAPS[field]`` over ``style.hessian_range`` at opacity
``style.HESSIAN_ALPHA``, NaN cells transparent, cells centred on the map's a, b samples. Its
legend entry is a colour ramp (the colour map from lo to hi) naming the quantity and the range,
so several panels' maps, each on its own range, share one legend below a composed figure.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.legend import Legend
from matplotlib.legend_handler import HandlerBase
from matplotlib.patches import Patch, Rectangle
from matplotlib.transforms import Transform

from compute.figures import style
from compute.figures.map_overlays import Handles, overlay
from compute.figures.panels import MapPanel

RAMP_STEPS = 24
"""Uniform colour steps in a legend ramp (vector rectangles, no raster in the legend)."""
Z = 1.2
"""Above basins (1.1) and negative curvature (1.0), below isolines (2): the window's order."""


def hessian_rgba(values: np.ndarray, field: str) -> tuple[np.ndarray, tuple[float, float]]:
    """RGBA (nb, na, 4) uint8 of a curvature-map ``field`` and its colour range (lo, hi).

    A cell of value v takes ``cmap((v − lo) / (hi − lo))`` clipped to [0, 1], opacity
    HESSIAN_ALPHA; non-finite cells are transparent. (lo, hi) = ``style.hessian_range``.
    """
    v = np.asarray(values, dtype=float)
    lo, hi = style.hessian_range(v, field)
    finite = np.isfinite(v)
    scaled = np.clip((np.where(finite, v, lo) - lo) / (hi - lo), 0.0, 1.0)
    rgba = np.asarray(matplotlib.colormaps[style.HESSIAN_COLORMAPS[field]](scaled, bytes=True))
    rgba[..., 3] = np.where(finite, round(255 * style.HESSIAN_ALPHA), 0)
    return rgba.astype(np.uint8), (lo, hi)


class ColourRamp(Patch):
    """A legend handle drawn as the colour map ``cmap`` from left (lo) to right (hi)."""

    def __init__(self, cmap: str, label: str, alpha: float) -> None:
        super().__init__(label=label, alpha=alpha)
        self.cmap = cmap


class HandlerColourRamp(HandlerBase):
    """Draws a ColourRamp as RAMP_STEPS abutting rectangles with a thin grey frame."""

    def create_artists(
        self,
        legend: Legend,
        orig_handle: Artist,
        xdescent: float,
        ydescent: float,
        width: float,
        height: float,
        fontsize: float,
        trans: Transform,
    ) -> Sequence[Artist]:
        assert isinstance(orig_handle, ColourRamp)
        cmap = matplotlib.colormaps[orig_handle.cmap]
        step = width / RAMP_STEPS
        alpha = orig_handle.get_alpha()
        out: list[Artist] = []
        for i in range(RAMP_STEPS):
            r = Rectangle(
                (-xdescent + i * step, -ydescent),
                step * 1.02,  # a hair of overlap: no white seams between steps
                height,
                fc=cmap((i + 0.5) / RAMP_STEPS),
                lw=0,
                alpha=alpha,
                transform=trans,
            )
            out.append(r)
        frame = Rectangle(
            (-xdescent, -ydescent), width, height, fill=False, ec="0.3", lw=0.4, transform=trans
        )
        return [*out, frame]


LEGEND_HANDLERS = {ColourRamp: HandlerColourRamp()}
"""The handler map a legend with ColourRamp entries needs (``compose`` passes it)."""


def hessian_label(field: str, lo: float, hi: float, prefix: str = "") -> str:
    """The legend text: the quantity in mathtext and the range its colours span."""
    lo_text, hi_text = (f"{x:.3g}".replace("-", "\u2212") for x in (lo, hi))  # minus signs
    return f"{prefix}{style.HESSIAN_LABELS[field]}, {lo_text} to {hi_text}"


def hessian(ax: Axes, panel: MapPanel, prefix: str = "") -> Handles:
    """Draw ``panel.hessian`` (2-D maps only) and return its legend entry (key per panel and
    field, so panels on different ranges keep their own entries)."""
    h = panel.hessian
    if h is None or panel.dim != 2:
        return []
    rgba, (lo, hi) = hessian_rgba(h.values, h.field)
    overlay(ax, rgba, (h.a, h.b), Z)
    label = hessian_label(h.field, lo, hi, prefix)
    ramp = ColourRamp(style.HESSIAN_COLORMAPS[h.field], label, style.HESSIAN_ALPHA)
    return [(f"hessian:{label}", ramp)]
