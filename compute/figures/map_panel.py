"""Drawing a MapPanel on a matplotlib Axes exactly as the view draws it (style table shared).

2-D: the frame's image in COLORMAP over ``colour_range`` (rasterised; overflow saturated at the
top colour), the overlays that are on (negative curvature, basins, isolines traced on the same
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
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Patch, Rectangle

from compute.basins import OTHER_CODES
from compute.critical import KINDS
from compute.figures import style
from compute.figures.panels import MapPanel, RunTrace
from compute.modes import Ball

CURVATURE_HEX = "#{:02x}{:02x}{:02x}".format(*style.CURVATURE_RGB)
HALO = [patheffects.withStroke(linewidth=2.4, foreground=style.RUN_HALO, alpha=0.8)]
TEXT_CURVATURE_HEX = "#{:02x}{:02x}{:02x}".format(*style.CURVATURE_RGB)
TEXT_HALO = [patheffects.withStroke(linewidth=1.6, foreground="white")]
Handles = list[tuple[str, Artist]]
"""Legend entries keyed so that a composed figure lists each once: (key, handle)."""
Numbering = Callable[[RunTrace], int]
"""A run's number in the figure (1, 2, … in order of first appearance)."""


def in_order(runs: Sequence[RunTrace]) -> Numbering:
    """Number ``runs`` 1, 2, … (the same run object keeps its number in every panel)."""
    numbers = {id(r): i + 1 for i, r in enumerate(runs)}
    return lambda run: numbers.setdefault(id(run), len(numbers) + 1)


@dataclass(frozen=True)
class DrawnMap:
    """What ``draw_map`` made: the mappable for a colour bar (None in 1-D) and the legend
    entries."""

    mappable: ScalarMappable | None
    handles: Handles


def colour_label(log_scale: bool) -> str:
    """The colour bar's label in mathtext."""
    return r"$\log_{10}\,(F - \min F)$" if log_scale else "$F$"


def cell_extent(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    """(left, right, bottom, top) of an image of samples at x (nx,), y (ny,): cells centred on
    them, as the view's ``_cell_rect``."""
    dx = float(x[1] - x[0]) if len(x) > 1 else 1.0
    dy = float(y[1] - y[0]) if len(y) > 1 else 1.0
    return x[0] - dx / 2, x[-1] + dx / 2, y[0] - dy / 2, y[-1] + dy / 2


def panel_range(panel: MapPanel) -> tuple[float, float]:
    """The panel's colour range: as given, or the window's rule on its display values."""
    return panel.colour_range or style.colour_range(panel.frame.display)


def _overlay(ax: Axes, rgba: np.ndarray, axes: tuple[np.ndarray, ...], z: float) -> None:
    if rgba.ndim == 3 and len(axes) == 2:
        extent = cell_extent(np.asarray(axes[0]), np.asarray(axes[1]))
        ax.imshow(rgba, origin="lower", extent=extent, aspect="auto", rasterized=True, zorder=z)


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


def _isolines(ax: Axes, panel: MapPanel) -> None:
    for line in panel.frame.lines:
        if len(line):
            ax.plot(
                line[:, 0],
                line[:, 1],
                color=style.ISOLINE_COLOR,
                alpha=style.ISOLINE_ALPHA,
                lw=style.ISOLINE_WIDTH,
                zorder=2,
            )


def _gradient(ax: Axes, panel: MapPanel, width: float) -> None:
    field = panel.gradient
    if field is None or panel.dim != 2 or not len(field.points):
        return
    d = np.asarray(field.descent, dtype=float)
    norm = np.linalg.norm(d, axis=1)
    ok = np.isfinite(norm) & (norm > 0)
    p, u = field.points[ok], d[ok] / norm[ok, None]
    length = style.GRADIENT_LENGTH * width
    ax.quiver(
        p[:, 0],
        p[:, 1],
        u[:, 0] * length,
        u[:, 1] * length,
        angles="xy",
        scale_units="xy",
        scale=1.0,
        color=style.GRADIENT_COLOR,
        alpha=style.GRADIENT_ALPHA,
        width=0.004,
        headwidth=3.5,
        headlength=4,
        zorder=3,
    )


def _constraint(ax: Axes, panel: MapPanel) -> Handles:
    c = panel.constraint
    if c is None:
        return []
    kw = {
        "color": style.CONSTRAINT_COLOR,
        "lw": style.CONSTRAINT_WIDTH,
        "ls": (0, style.CONSTRAINT_DASH),
        "zorder": 3.5,
    }
    r = c.radius
    if panel.dim == 1:
        for x in (-r, r):
            ax.axvline(x, **kw)  # type: ignore[arg-type]
    elif isinstance(c, Ball):
        ax.add_patch(Circle((0, 0), r, fill=False, **kw))
    else:
        ax.add_patch(Rectangle((-r, -r), 2 * r, 2 * r, fill=False, **kw))  # type: ignore[arg-type]
    norm = r"\|\theta\|" if isinstance(c, Ball) else r"|\theta_i|"
    label = rf"constraint ${norm} \leq {r:g}$"
    return [(f"constraint:{c.spec()}", Line2D([], [], label=label, **kw))]  # type: ignore[arg-type]


def _place(panel: MapPanel, w: np.ndarray, f: np.ndarray | None) -> np.ndarray:
    """1-D: the height at w (F itself, or the curve's F(w) for None), no lower than the
    curve's lowest point on a log axis."""
    frame = panel.frame
    x, loss = np.asarray(frame.axes[0], dtype=float), np.asarray(frame.loss, dtype=float)
    ok = np.isfinite(loss)
    xf, lf = (x[ok], loss[ok]) if ok.any() else (x[:1], np.zeros(1))
    h = np.interp(w, xf, lf) if f is None else np.asarray(f, dtype=float)
    if frame.log_scale and ok.any() and lf.min() > 0:
        h = np.maximum(h, lf.min())
    return np.asarray(h)


def _critical(ax: Axes, panel: MapPanel) -> Handles:
    points = panel.critical
    for p in points:
        if len(p.members) > 1:
            m = np.asarray(p.members, dtype=float)
            y = _place(panel, m[:, 0], None) if panel.dim == 1 else m[:, 1]
            ax.plot(
                m[:, 0],
                y,
                ls="none",
                marker="o",
                ms=style.MEMBER_SIZE,
                mfc=style.MEMBER_COLOR,
                mec="k",
                mew=0.3,
                zorder=5,
            )
        marker, _, face, size = style.CRITICAL_MARKERS.get(
            p.kind, style.CRITICAL_MARKERS["degenerate"]
        )
        x = np.atleast_1d(np.asarray(p.point, dtype=float)[0])
        y = _place(panel, x, np.array([p.loss])) if panel.dim == 1 else np.atleast_1d(p.point[1])
        ax.plot(
            x,
            y,
            ls="none",
            marker=marker,
            mfc=face,
            ms=size,
            mec=style.CRITICAL_EDGE,
            mew=style.CRITICAL_EDGE_WIDTH,
            zorder=6,
        )
    handles: Handles = []
    for kind in (k for k in KINDS if any(p.kind == k for p in points)):
        marker, _, face, size = style.CRITICAL_MARKERS[kind]
        handle = Line2D(
            [],
            [],
            ls="none",
            marker=marker,
            mfc=face,
            ms=size,
            mec="k",
            mew=style.CRITICAL_EDGE_WIDTH,
            label=style.CRITICAL_LABELS[kind],
        )
        handles.append((f"critical:{kind}", handle))
    return handles


def _eigenvectors(ax: Axes, panel: MapPanel, bounds: tuple[float, ...]) -> None:
    if not 0 <= panel.selected < len(panel.critical) or panel.dim != 2:
        return
    p = panel.critical[panel.selected]
    vecs, lams = np.asarray(p.hessian_eigenvectors), np.asarray(p.hessian_eigenvalues)
    if vecs.size == 0:
        return
    length = style.EIGENVECTOR_LENGTH * min(bounds[1] - bounds[0], bounds[3] - bounds[2])
    for i, lam in enumerate(lams):
        v = vecs[:, i] / max(float(np.linalg.norm(vecs[:, i])), 1e-300) * length
        color = style.EIGENVECTOR_COLORS["positive" if lam >= 0 else "negative"]
        for s in (1, -1):
            ax.annotate(
                "",
                xy=(p.point[0] + s * v[0], p.point[1] + s * v[1]),
                xytext=tuple(p.point),
                arrowprops={
                    "arrowstyle": "-|>",
                    "color": color,
                    "lw": style.EIGENVECTOR_WIDTH,
                    "shrinkA": 0,
                    "shrinkB": 0,
                },
                zorder=6.5,
            )


def _marks(ax: Axes, panel: MapPanel) -> Handles:
    if not panel.marks or panel.dim != 2:
        return []
    marker, _, size = style.MARK_MARKER
    for name, (a, b, dist) in panel.marks.items():
        ax.plot(
            [a],
            [b],
            ls="none",
            marker=marker,
            ms=size,
            mfc=style.MARK_COLOR,
            mec="k",
            mew=0.6,
            zorder=7,
        )
        text = name if dist < 1e-6 else f"{name} ({dist:.2g} off plane)"
        ax.annotate(
            text,
            (a, b),
            xytext=(3, 3),
            textcoords="offset points",
            fontsize="x-small",
            path_effects=TEXT_HALO,
            zorder=7.5,
            annotation_clip=True,
        )
    return []


def run_xy(panel: MapPanel, run: RunTrace) -> tuple[np.ndarray, np.ndarray]:
    """Where ``run`` is drawn on ``panel``: points (K', 2) (2-D: its path; 1-D: (w, F(w)))
    and their steps (K',), non-finite points left out."""
    path = np.asarray(run.path, dtype=float).reshape(len(run.path), -1)
    if panel.dim == 1:
        xy = np.column_stack([path[:, 0], _place(panel, path[:, 0], run.loss_on_path())])
    else:
        xy = path[:, :2]
    ok = np.isfinite(xy).all(axis=1)
    return xy[ok], np.asarray(run.path_axis())[ok]


def _runs(ax: Axes, panel: MapPanel, number_of: Numbering) -> Handles:
    handles: Handles = []
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
        ax.plot(
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
        ax.annotate(
            str(number),
            tuple(xy[0]),
            xytext=(-3, 3),
            textcoords="offset points",
            ha="right",
            fontsize="x-small",
            color="k",
            path_effects=TEXT_HALO,
            zorder=9,
            annotation_clip=True,
        )
    return handles


def _basins(ax: Axes, panel: MapPanel, prefix: str) -> Handles:
    basins = panel.basins
    if basins is None or panel.dim != 2:
        return []
    _overlay(ax, style.basin_rgba(basins.labels), basins.axes, 1.1)
    shares = basins.share()
    handles: Handles = []
    alpha = style.BASIN_ALPHA
    for k, a in enumerate(basins.attractors):
        color = style.BASIN_COLORS[k % len(style.BASIN_COLORS)]
        label = f"{prefix}basin of {a.label} ({100 * shares.get(a.label, 0.0):.0f}%)"
        handles.append(
            (f"basin:{label}", Patch(fc=color, alpha=alpha, ec="0.3", lw=0.4, label=label))
        )
    for code, name in OTHER_CODES.items():
        if code in style.SPECIAL_BASIN_COLORS and shares.get(name, 0.0) > 0:
            color = style.SPECIAL_BASIN_COLORS[code]
            label = f"{prefix}{name} ({100 * shares[name]:.0f}%)"
            handles.append(
                (f"basin:{label}", Patch(fc=color, alpha=alpha, ec="0.3", lw=0.4, label=label))
            )
    return handles


def draw_map(
    ax: Axes, panel: MapPanel, number_of: Numbering | None = None, prefix: str = ""
) -> DrawnMap:
    """Draw ``panel`` on ``ax``; runs are numbered by ``number_of`` (default 1, 2, … in
    order), basin legend entries get ``prefix`` (e.g. "(b) ") so several panels' entries stay
    apart in one legend."""
    number_of = number_of or in_order(panel.runs)
    bounds = panel.bounds()
    frame = panel.frame
    mappable: ScalarMappable | None = None
    handles: Handles = []
    if panel.dim == 2:
        lo, hi = panel_range(panel)
        mappable = _image(ax, panel, lo, hi)
        if panel.curvature is not None:
            _overlay(ax, style.curvature_rgba(panel.curvature), frame.axes, 1.0)
            handles.append(
                (
                    "curvature",
                    Patch(
                        fc=CURVATURE_HEX,
                        alpha=style.CURVATURE_ALPHA,
                        label=r"$\lambda_{\min}(\nabla^2 F) < 0$",
                    ),
                )
            )
        handles += _basins(ax, panel, prefix)
        if panel.isolines:
            _isolines(ax, panel)
        _gradient(ax, panel, bounds[1] - bounds[0])
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
    handles += _constraint(ax, panel)
    handles += _critical(ax, panel)
    if panel.dim == 2:
        _eigenvectors(ax, panel, bounds)
    handles += _marks(ax, panel)
    handles += _runs(ax, panel, number_of)
    if panel.equal_axes and panel.dim == 2:
        ax.set_aspect("equal", adjustable="box")
    return DrawnMap(mappable, handles)
