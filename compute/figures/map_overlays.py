"""The overlays of a map panel (drawn by ``compute.figures.map_panel.draw_map``): −∇F arrows,
the constraint set, critical points, the selected point's eigenvectors, named marks, basins;
each returns its legend entries keyed so that a composed figure lists each once."""

from __future__ import annotations

import matplotlib
import matplotlib.patheffects as patheffects
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Patch, Rectangle

from compute.critical.search import KINDS
from compute.dynamics.attractors import OTHER_CODES
from compute.figures import style
from compute.figures.panels import MapPanel
from compute.objectives.modes import Ball

TEXT_HALO = [patheffects.withStroke(linewidth=1.6, foreground="white")]
Handles = list[tuple[str, Artist]]
"""Legend entries keyed so that a composed figure lists each once: (key, handle)."""


def small_text() -> float | str:
    """The size of a figure's small text (run tags, mark names, notes): the venue's legend size
    while a figure is drawn (``compose`` sets it, never below ``venues.MIN_POINTS``)."""
    size: float | str = matplotlib.rcParams["legend.fontsize"]
    return size


def cell_extent(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    """(left, right, bottom, top) of an image of samples at x (nx,), y (ny,): cells centred on
    them, as the view's ``_cell_rect``."""
    dx = float(x[1] - x[0]) if len(x) > 1 else 1.0
    dy = float(y[1] - y[0]) if len(y) > 1 else 1.0
    return x[0] - dx / 2, x[-1] + dx / 2, y[0] - dy / 2, y[-1] + dy / 2


def overlay(ax: Axes, rgba: np.ndarray, axes: tuple[np.ndarray, ...], z: float) -> None:
    """An RGBA image (ny, nx, 4) on cells centred at axes = (x (nx,), y (ny,)), at zorder z."""
    if rgba.ndim == 3 and len(axes) == 2:
        extent = cell_extent(np.asarray(axes[0]), np.asarray(axes[1]))
        ax.imshow(
            rgba,
            origin="lower",
            extent=extent,
            aspect="auto",
            interpolation="nearest",  # one colour per cell, as the window draws it
            rasterized=True,
            zorder=z,
        )


def gradient(ax: Axes, panel: MapPanel, width: float) -> None:
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


def constraint(ax: Axes, panel: MapPanel) -> Handles:
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


def place(panel: MapPanel, w: np.ndarray, f: np.ndarray | None) -> np.ndarray:
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


def critical(ax: Axes, panel: MapPanel) -> Handles:
    points = panel.critical
    for p in points:
        if len(p.members) > 1:
            m = np.asarray(p.members, dtype=float)
            y = place(panel, m[:, 0], None) if panel.dim == 1 else m[:, 1]
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
        y = place(panel, x, np.array([p.loss])) if panel.dim == 1 else np.atleast_1d(p.point[1])
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


def eigenvectors(ax: Axes, panel: MapPanel, bounds: tuple[float, ...]) -> None:
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


def marks(ax: Axes, panel: MapPanel) -> Handles:
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
            fontsize=small_text(),
            path_effects=TEXT_HALO,
            zorder=7.5,
            annotation_clip=True,
        )
    return []


def basins(ax: Axes, panel: MapPanel, prefix: str) -> Handles:
    """Each basin hatched and outlined (``style.BASIN_HATCHES``) over the map, whose colours stay
    those of its colour bar; a legend entry per attractor's basin and per other outcome that
    occurs (diverged, not converged, stationary), each with its share of the cells."""
    basins = panel.basins
    if basins is None or panel.dim != 2:
        return []
    shares = basins.share()
    regions = [
        (k, style.BASIN_HATCHES[k % len(style.BASIN_HATCHES)], f"basin of {a.label}", a.label)
        for k, a in enumerate(basins.attractors)
    ] + [
        (code, style.SPECIAL_BASIN_HATCHES[code], name, name)
        for code, name in OTHER_CODES.items()
        if code in style.SPECIAL_BASIN_HATCHES and shares.get(name, 0.0) > 0
    ]
    x, y = (np.asarray(a, dtype=float) for a in basins.axes)
    labels = np.asarray(basins.labels)
    ink = to_rgba(style.BASIN_LINE_COLOR, style.BASIN_LINE_ALPHA)
    handles: Handles = []
    for code, hatch, words, share in regions:
        inside = (labels == code).astype(float)
        if inside.any() and len(x) > 1 and len(y) > 1:
            region = ax.contourf(
                x, y, inside, [0.5, 1.5], colors="none", hatches=[hatch], zorder=1.1
            )
            region.set_hatchcolor(ink)
            region.set_hatch_linewidth(style.BASIN_LINE_WIDTH)
            ax.contour(
                x, y, inside, [0.5], colors=[ink], linewidths=style.BASIN_LINE_WIDTH, zorder=1.2
            )
        label = f"{prefix}{words} ({100 * shares.get(share, 0.0):.0f}%)"
        patch = Patch(fc="0.55", ec=style.BASIN_LINE_COLOR, hatch=hatch, lw=0.6, label=label)
        handles.append((f"basin:{label}", patch))
    return handles
