"""Drawing a MapPanel on a matplotlib Axes exactly as the view draws it (style table shared).

2-D: the frame's image in COLORMAP over ``colour_range`` (rasterised; overflow saturated at the
top colour), the overlays that are on (negative curvature, basins, the full-space curvature
map, isolines traced on the same
display values as their levels, −∇F arrows, the constraint set, critical points, the selected
point's eigenvectors, named marks), then the runs (numbered within the figure). 1-D: the loss
curve with the runs' iterates and the critical points on it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import matplotlib
import numpy as np
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Annotation

from compute.figures import style
from compute.figures.map_overlays import (
    TEXT_HALO,
    Handles,
    cell_extent,
    constraint,
    eigenvectors,
    marks,
    place,
    small_text,
)
from compute.figures.overlay_table import draw_overlays
from compute.figures.panels import MapPanel
from compute.figures.run_tags import DIRECTIONS, RADII, RunTag, alignment
from compute.figures.run_trace import RunTrace

HALO = [patheffects.withStroke(linewidth=2.4, foreground=style.RUN_HALO, alpha=0.8)]
Numbering = Callable[[RunTrace], int]
"""A run's number in the figure (1, 2, … in order of first appearance)."""


def in_order(runs: Sequence[RunTrace]) -> Numbering:
    """Number ``runs`` 1, 2, … (the same run object keeps its number in every panel)."""
    numbers = {id(r): i + 1 for i, r in enumerate(runs)}
    return lambda run: numbers.setdefault(id(run), len(numbers) + 1)


@dataclass(frozen=True)
class DrawnMap:
    """What ``draw_map`` made: the mappable for a colour bar (None in 1-D), the legend
    entries and the runs' numbers and marks' names (``run_tags.place_tags`` moves them once the
    figure's geometry is final)."""

    mappable: ScalarMappable | None
    handles: Handles
    tags: tuple[RunTag, ...] = ()


def colour_label(log_scale: bool) -> str:
    """The colour bar's label in mathtext."""
    return r"$\log_{10}\,(F - \min F)$" if log_scale else "$F$"


def panel_range(panel: MapPanel) -> tuple[float, float]:
    """The panel's colour range: as given, or the window's rule on its display values."""
    return panel.colour_range or style.colour_range(panel.frame.display)


def _image(ax: Axes, panel: MapPanel, lo: float, hi: float) -> ScalarMappable:
    frame = panel.frame
    image = frame.image if frame.image.size else frame.display
    x, y = frame.image_axes or frame.axes
    shown = np.nan_to_num(np.asarray(image, dtype=float), nan=hi, posinf=hi, neginf=lo)
    cmap = matplotlib.colormaps[style.COLORMAP]
    return ax.imshow(
        shown,
        origin="lower",
        extent=cell_extent(np.asarray(x), np.asarray(y)),
        cmap=cmap,
        norm=Normalize(lo, hi),
        interpolation="nearest",
        aspect="auto",
        rasterized=True,
        zorder=0,
    )


def run_xy(panel: MapPanel, run: RunTrace) -> tuple[np.ndarray, np.ndarray]:
    """Where ``run`` is drawn on ``panel``: points (K', 2) (2-D: its path; 1-D: (w, F(w)))
    and their steps (K',), non-finite points left out."""
    path = np.asarray(run.path, dtype=float).reshape(len(run.path), -1)
    if panel.dim == 1:
        xy = np.column_stack([path[:, 0], place(panel, path[:, 0], run.loss_on_path())])
    else:
        xy = path[:, :2]
    ok = np.isfinite(xy).all(axis=1)
    return xy[ok], np.asarray(run.path_axis())[ok]


def _runs(ax: Axes, panel: MapPanel, number_of: Numbering) -> tuple[Handles, list[RunTag]]:
    handles: Handles = []
    tags: list[RunTag] = []
    guess = (DIRECTIONS[0][0] * min(RADII), DIRECTIONS[0][1] * min(RADII))
    for run in panel.runs:
        number = number_of(run)
        xy, _ = run_xy(panel, run)
        label = f"{number}: {run.label}"
        handles.append(
            (
                f"run:{number}",
                Line2D(
                    [], [], color=run.color, lw=style.RUN_WIDTH, marker="o", ms=3.0, label=label
                ),
            )
        )
        if not len(xy):
            continue
        (path,) = ax.plot(
            xy[:, 0],
            xy[:, 1],
            color=run.color,
            lw=style.RUN_WIDTH,
            path_effects=HALO,
            zorder=8,
            solid_capstyle="round",
        )
        ax.plot(*xy[0], marker="o", ms=4.0, mfc="w", mec=run.color, mew=1.1, zorder=8.5)
        ax.plot(*xy[-1], marker="o", ms=4.0, mfc=run.color, mec="w", mew=0.5, zorder=8.5)
        tag = ax.annotate(
            str(number),
            tuple(xy[0]),
            xytext=guess,
            textcoords="offset points",
            ha=alignment(*guess)[0],
            va=alignment(*guess)[1],
            fontsize=small_text(),
            color="k",
            path_effects=TEXT_HALO,
            zorder=9,
            annotation_clip=True,
        )
        tags.append(RunTag(tag, path))
    return handles, tags


def _paths(ax: Axes, panel: MapPanel) -> Handles:
    """Kept paths between two points: a line through their nodes, × at the highest one."""
    handles: Handles = []
    for i, p in enumerate(panel.paths):
        xy = np.asarray(p.coords, dtype=float)
        ax.plot(xy[:, 0], xy[:, 1], color=p.color, lw=style.RUN_WIDTH, ls="--", zorder=8)
        ax.plot(*xy[p.highest], marker="x", ms=6.0, mew=1.4, color=p.color, zorder=8.5)
        label = f"{p.method}: barrier {p.barrier:.3g}"
        line = Line2D([], [], color=p.color, lw=style.RUN_WIDTH, ls="--", marker="x", label=label)
        handles.append((f"path:{i}", line))
    return handles


def draw_map(
    ax: Axes, panel: MapPanel, number_of: Numbering | None = None, prefix: str = ""
) -> DrawnMap:
    """Draw ``panel`` on ``ax``; runs are numbered by ``number_of`` (default 1, 2, … in
    order), basin and curvature-map legend entries get ``prefix`` (e.g. "(b) ") so several
    panels' entries stay apart in one legend."""
    number_of = number_of or in_order(panel.runs)
    bounds = panel.bounds()
    frame = panel.frame
    mappable: ScalarMappable | None = None
    handles: Handles = []
    if panel.dim == 2:
        lo, hi = panel_range(panel)
        mappable = _image(ax, panel, lo, hi)
        ax.set_xlim(bounds[0], bounds[1])
        ax.set_ylim(bounds[2], bounds[3])
        ax.set_ylabel(panel.axis_names[1])
        if not np.isfinite(frame.display).all():
            handles.append(
                (
                    "overflow",
                    Patch(fc=style.NONFINITE_COLOR, ec="0.4", lw=0.4, label="$F$ overflows"),
                )
            )
    else:
        x = np.asarray(frame.axes[0], dtype=float)
        loss = np.asarray(frame.loss, dtype=float)
        ok = np.isfinite(loss)
        ax.plot(x, np.where(ok, loss, np.nan), color=style.CURVE_COLOR, lw=1.2, zorder=3)
        if frame.log_scale and ok.any():
            if np.all(loss[ok] > 0):
                ax.set_yscale("log")
            else:
                peak = float(np.max(np.abs(loss[ok])))
                ax.set_yscale("symlog", linthresh=max(1e-3 * peak, 1e-12))
        ax.set_xlim(bounds[0], bounds[1])
        ax.set_ylabel("$F$")
        ax.grid(True, lw=0.3, alpha=0.5)
    ax.set_xlabel(panel.axis_names[0])
    handles[:0] = draw_overlays(ax, panel, prefix)  # the table's overlays, in drawing order
    handles += constraint(ax, panel)
    if panel.dim == 2:
        eigenvectors(ax, panel, bounds)
    named = len(ax.texts)
    handles += marks(ax, panel)
    names = [RunTag(t, None, (1, 1)) for t in ax.texts[named:] if isinstance(t, Annotation)]
    run_handles, tags = _runs(ax, panel, number_of)
    tags += names  # placed after the runs' numbers, kept inside the axes like them
    handles += run_handles + _paths(ax, panel)
    if panel.equal_axes and panel.dim == 2:
        ax.set_aspect("equal", adjustable="box")
    return DrawnMap(mappable, handles, tuple(tags))
