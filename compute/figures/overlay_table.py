"""The map overlays in print: one entry per overlay (how it is drawn on a matplotlib Axes, its
legend entries, the arrays it adds to a data export), in drawing order.

``draw_map`` and the NPZ export loop over ``MAP_OVERLAYS``; an overlay's drawing code lives in
its own module (``map_overlays``, ``hessian_overlay``) and enters here once. The window's side
of the same overlays (what computes them, how they are painted on screen) is the explorer's
``explorer/overlays.py`` table, keyed by the same names (``compute.sessions.session.OVERLAYS``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from compute.figures import style
from compute.figures.hessian_overlay import hessian
from compute.figures.map_overlays import Handles, basins, critical, gradient, overlay
from compute.figures.panels import MapPanel

CURVATURE_HEX = "#{:02x}{:02x}{:02x}".format(*style.CURVATURE_RGB)
Arrays = dict[str, np.ndarray]


@dataclass(frozen=True)
class PrintOverlay:
    """One overlay in print.

    key : the session's overlay name; draw(ax, panel, prefix) -> legend entries (prefix keeps
    several panels' entries apart in one legend); arrays(panel) -> what a data export (NPZ)
    adds for it (empty when the overlay is off or has nothing).
    """

    key: str
    draw: Callable[[Axes, MapPanel, str], Handles]
    arrays: Callable[[MapPanel], Arrays]


def _curvature(ax: Axes, panel: MapPanel, prefix: str) -> Handles:
    if panel.curvature is None or panel.dim != 2:
        return []
    overlay(ax, style.curvature_rgba(panel.curvature), panel.frame.axes, 1.0)
    label = r"$\lambda_{\min}(\nabla^2 F) < 0$"
    return [("curvature", Patch(fc=CURVATURE_HEX, alpha=style.CURVATURE_ALPHA, label=label))]


def _curvature_arrays(panel: MapPanel) -> Arrays:
    return {} if panel.curvature is None else {"hess_min": np.asarray(panel.curvature)}


def _basin_arrays(panel: MapPanel) -> Arrays:
    b = panel.basins
    if b is None:
        return {}
    return {"basin_labels": b.labels} | {f"basin_axis{i}": a for i, a in enumerate(b.axes)}


def _hessian_arrays(panel: MapPanel) -> Arrays:
    h = panel.hessian
    if h is None:
        return {}
    return {"hessian_a": h.a, "hessian_b": h.b, f"hessian_{h.field}": h.values}


def _isolines(ax: Axes, panel: MapPanel, prefix: str) -> Handles:
    if not panel.isolines or panel.dim != 2:
        return []
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
    return []


def _isoline_arrays(panel: MapPanel) -> Arrays:
    return {f"isoline{i}": line for i, line in enumerate(panel.frame.lines)}


def _gradient(ax: Axes, panel: MapPanel, prefix: str) -> Handles:
    if panel.dim == 2:
        bounds = panel.bounds()
        gradient(ax, panel, bounds[1] - bounds[0])
    return []


def _gradient_arrays(panel: MapPanel) -> Arrays:
    g = panel.gradient
    return {} if g is None else {"gradient_points": g.points, "gradient_descent": g.descent}


def _critical(ax: Axes, panel: MapPanel, prefix: str) -> Handles:
    return critical(ax, panel)


def _critical_arrays(panel: MapPanel) -> Arrays:
    if not panel.critical:
        return {}
    return {
        "critical_points": np.array([c.point for c in panel.critical], dtype=float),
        "critical_loss": np.array([c.loss for c in panel.critical], dtype=float),
        "critical_kind": np.array([c.kind for c in panel.critical]),
    }


MAP_OVERLAYS: dict[str, PrintOverlay] = {
    o.key: o
    for o in (
        # in drawing order: images first (under the isolines), then lines, then markers
        PrintOverlay("curvature", _curvature, _curvature_arrays),
        PrintOverlay("basins", lambda ax, p, prefix: basins(ax, p, prefix), _basin_arrays),
        PrintOverlay("hessian", lambda ax, p, prefix: hessian(ax, p, prefix), _hessian_arrays),
        PrintOverlay("isolines", _isolines, _isoline_arrays),
        PrintOverlay("gradient", _gradient, _gradient_arrays),
        PrintOverlay("critical", _critical, _critical_arrays),
    )
}
"""Every map overlay in print, by the session's overlay name, in drawing order."""


def draw_overlays(ax: Axes, panel: MapPanel, prefix: str = "") -> Handles:
    """Draw every overlay of ``panel`` (each draws nothing when off) and return their legend
    entries."""
    handles: Handles = []
    for entry in MAP_OVERLAYS.values():
        handles += entry.draw(ax, panel, prefix)
    return handles


def overlay_arrays(panel: MapPanel) -> Arrays:
    """What the overlays add to a data export of ``panel``."""
    out: Arrays = {}
    for entry in MAP_OVERLAYS.values():
        out |= entry.arrays(panel)
    return out
