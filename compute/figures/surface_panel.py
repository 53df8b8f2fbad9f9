"""A map drawn as a 3-D surface (matplotlib's mplot3d): height and colour are the map's display
values (F, or log₁₀(F − min F) on a log scale), runs are paths lying on the surface, critical
points markers on it, seen from a chosen azimuth and elevation.

Vector in PDF/SVG (the surface is at most ``FACETS``² polygons), deterministic (no time, no
randomness: the same panel gives the same bytes).
"""

from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.lines import Line2D

from compute.critical.search import KINDS as CRITICAL_KINDS
from compute.figures import style
from compute.figures.map_overlays import Handles, small_text
from compute.figures.map_panel import DrawnMap, Numbering, in_order, panel_range, run_xy
from compute.figures.panels import MapPanel, SurfacePanel
from compute.formats.surface import surface_heights

FACETS = 64
"""Polygons per axis of the drawn surface (mplot3d's rcount/ccount): vector files stay small."""
LIFT = 0.01
"""Paths and markers sit this fraction of the height range above the surface (not inside it)."""


def surface_grid(panel: MapPanel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x (nx,), y (ny,) and the heights z (ny, nx) drawn: the frame's display values, non-finite
    ones (overflow) lifted to the top of the colour range."""
    frame = panel.frame
    x, y = (np.asarray(a, dtype=float) for a in frame.axes)
    _, hi = panel_range(panel)
    z = np.asarray(frame.display, dtype=float)
    return x, y, np.where(np.isfinite(z), z, hi)


def draw_surface(
    ax: Axes, panel: SurfacePanel, number_of: Numbering | None = None, prefix: str = ""
) -> DrawnMap:
    """Draw ``panel`` on a 3-D axes (``projection="3d"``); runs numbered by ``number_of``.
    Paths and markers are drawn above the surface (``computed_zorder`` off)."""
    # Long by design: one 3-D axes: surface, paths, markers and view are drawn on it in order.
    m = panel.map
    number_of = number_of or in_order(m.runs)
    x, y, z = surface_grid(m)
    lo, hi = panel_range(m)
    norm = Normalize(lo, hi)
    cmap = matplotlib.colormaps[style.COLORMAP]
    ax.computed_zorder = False  # type: ignore[attr-defined]
    xx, yy = np.meshgrid(x, y)
    surf = ax.plot_surface(  # type: ignore[attr-defined]
        xx,
        yy,
        np.clip(z, lo, hi),
        cmap=cmap,
        norm=norm,
        rcount=min(FACETS, len(y)),
        ccount=min(FACETS, len(x)),
        linewidth=0,
        antialiased=False,
        shade=False,
        zorder=1,
    )
    lift = LIFT * (hi - lo)
    handles: Handles = []
    for run in m.runs:
        number = number_of(run)
        xy, _ = run_xy(m, run)
        handles.append(
            (
                f"run:{number}",
                Line2D([], [], color=run.color, lw=style.RUN_WIDTH, marker="o", ms=3.0,
                       label=f"{number}: {run.label}"),
            )
        )  # fmt: skip
        h = surface_heights(x, y, np.clip(z, lo, hi), xy) + lift
        ok = np.isfinite(h)
        if ok.sum() < 1:
            continue
        ax.plot(xy[ok, 0], xy[ok, 1], h[ok], color=run.color, lw=style.RUN_WIDTH, zorder=8)
        ax.plot(*xy[ok][-1], h[ok][-1], marker="o", ms=3.5, mfc=run.color, mec="w", zorder=9)
    kinds = []
    for p in m.critical:
        marker, _, face, size = style.CRITICAL_MARKERS.get(
            p.kind, style.CRITICAL_MARKERS["degenerate"]
        )
        point = np.asarray(p.point, dtype=float)[None, :2]
        h = surface_heights(x, y, np.clip(z, lo, hi), point) + lift
        if np.isfinite(h[0]):
            ax.plot(*point[0], h[0], ls="none", marker=marker, mfc=face, ms=size,
                    mec=style.CRITICAL_EDGE, mew=style.CRITICAL_EDGE_WIDTH, zorder=10)  # fmt: skip
            kinds.append(p.kind)
    for kind in (k for k in CRITICAL_KINDS if k in kinds):
        marker, _, face, size = style.CRITICAL_MARKERS[kind]
        handles.append(
            (
                f"critical:{kind}",
                Line2D([], [], ls="none", marker=marker, mfc=face, ms=size, mec="k",
                       mew=style.CRITICAL_EDGE_WIDTH, label=style.CRITICAL_LABELS[kind]),
            )
        )  # fmt: skip
    b = m.bounds()
    ax.set_xlim(b[0], b[1])
    ax.set_ylim(b[2], b[3])
    ax.set_zlim(lo, hi)  # type: ignore[attr-defined]
    ax.set_xlabel(m.axis_names[0], labelpad=-8)
    ax.set_ylabel(m.axis_names[1], labelpad=-8)
    ax.tick_params(pad=-3, labelsize=small_text())
    ax.view_init(elev=panel.elevation, azim=panel.azimuth)  # type: ignore[attr-defined]
    return DrawnMap(surf, handles)
