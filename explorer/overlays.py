"""The map overlays on screen: one entry per overlay (its check box, what computes it, which
results repaint it, how it is painted on the map, its legend under the map, its drawing
depth), in one table.

The panels build their check boxes from ``OVERLAYS``, the map binding paints every entry, the
controllers ask ``needs`` what to compute; print (compute.figures' ``MAP_OVERLAYS``) keys the
same overlays by the same names. Adding an overlay adds an entry here and one there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.results import (
    BASIN_LABELS,
    BASINS,
    CRITICAL,
    FIELDS,
    FRAME,
    GRADIENT,
    HESSIAN_MAP,
    Result,
)
from explorer.state import AppState
from explorer.views.landscape import LandscapeView
from explorer.views.style import (
    FIG,
    HESSIAN_SHORT,
    basin_legend,
    curvature_image,
    hessian_image,
    label_image,
)

Paint = Callable[[LandscapeView, AppState, bool], None]


@dataclass(frozen=True)
class Overlay:
    """One map overlay on screen.

    key : the session's name for it; label, tip : its check box; needs : what computes it
    ("frame": nothing more than the map, "geometry": the ‖∇F‖ / Hessian rows and the gradient
    field of the landscape controller, "critical", "basins", "hessian": the analysis
    controller's jobs); results : what repaints it when replaced; paint(view, state, on) :
    draw it (or clear it when ``on`` is False); legend(state) : HTML under the map ("" none);
    one_d : why it draws nothing on a one-parameter map ("" when it does draw there).
    """

    key: str
    label: str
    tip: str
    needs: str
    results: tuple[Result[Any], ...]
    paint: Paint
    legend: Callable[[AppState], str] | None = None
    one_d: str = ""


def _isolines(view: LandscapeView, state: AppState, on: bool) -> None:
    view.show_isolines(on)


def _critical(view: LandscapeView, state: AppState, on: bool) -> None:
    view.show_critical(state.results.critical if on else [])


def _gradient(view: LandscapeView, state: AppState, on: bool) -> None:
    view.show_gradient(state.results.gradient if on else None)


def _curvature(view: LandscapeView, state: AppState, on: bool) -> None:
    hess_min = state.results.fields.get("hess_min")
    image = curvature_image(hess_min) if on and hess_min is not None else None
    view.show_overlay_image("curvature", image)


def _basins(view: LandscapeView, state: AppState, on: bool) -> None:
    r = state.results
    labels = r.basin_labels if on else None
    if labels is None or labels.ndim != 2 or len(state.session.window) != 4:
        view.show_overlay_image("basins", None)
        return
    if r.basins is not None:
        axes: tuple[np.ndarray, ...] = tuple(r.basins.axes)
    else:
        w = state.session.window
        ny, nx = labels.shape
        axes = (np.linspace(w[0], w[1], nx), np.linspace(w[2], w[3], ny))
    view.show_overlay_image("basins", label_image(labels), axes)


def _basins_legend(state: AppState) -> str:
    basins = state.results.basins
    return basin_legend(basins) if basins is not None else ""


def _hessian(view: LandscapeView, state: AppState, on: bool) -> None:
    m, field = state.results.hessian_map, state.session.hessian_field
    if not on or m is None or len(state.session.window) != 4:
        view.show_overlay_image("hessian", None)
        view.show_overlay_scale("hessian", None)
        return
    rgba, levels = hessian_image(m.field(field), field)
    view.show_overlay_image("hessian", rgba, (m.a, m.b))
    label = f"{HESSIAN_SHORT[field]} of the full Hessian"
    view.show_overlay_scale("hessian", FIG.HESSIAN_COLORMAPS[field], levels, label)


def _hessian_legend(state: AppState) -> str:
    m, s = state.results.hessian_map, state.session
    if m is None:
        return ""
    lo, hi = FIG.hessian_range(m.field(s.hessian_field), s.hessian_field)
    name = HESSIAN_SHORT[s.hessian_field]
    where = "of the network at θ(a, b)" if s.sliced else "of F"
    cells = f"{len(m.b)}×{len(m.a)} cells" + ("" if m.complete else ", computing…")
    return (
        f"<b>Curvature map</b>: {name} of the full Hessian {where} ({cells}); "
        f"colours span {lo:.3g} … {hi:.3g} ({FIG.HESSIAN_COLORMAPS[s.hessian_field]})"
    )


OVERLAYS: dict[str, Overlay] = {
    o.key: o
    for o in (
        Overlay("isolines", "Isolines", "Contour lines of the map", "frame", (FRAME,), _isolines),
        Overlay(
            "critical",
            "Critical points",
            "Minima ○, saddles ×, maxima △, degenerate sets ◇",
            "critical",
            (CRITICAL,),
            _critical,
        ),
        Overlay(
            "gradient",
            "Gradient field",
            "Arrows along −∇F (the direction gradient descent moves)",
            "geometry",
            (GRADIENT,),
            _gradient,
            one_d="the gradient field is drawn on 2-D maps: on a curve F(w), −F′(w) is its slope",
        ),
        Overlay(
            "curvature",
            "Negative curvature",
            "Red where λ_min(∇²F) < 0: escape directions exist",
            "geometry",
            (FIELDS,),
            _curvature,
            one_d="negative curvature is shaded on 2-D maps: on a curve it is where F″(w) < 0",
        ),
        Overlay(
            "basins",
            "Basins of attraction",
            "Colour every cell by the minimum the current optimizer reaches from it",
            "basins",
            (BASIN_LABELS, BASINS),
            _basins,
            _basins_legend,
            one_d="basins are coloured on 2-D maps: on a curve they are the runs from each side "
            "of a maximum",
        ),
        Overlay(
            "hessian",
            "Full-space curvature map",
            "λ_min, λ_max or |λ_min/λ_max| of the Hessian in θ at every cell (Li et al. 2018's "
            "ratio map): on a slice, of the network itself, not of the 2-D restriction",
            "hessian",
            (HESSIAN_MAP,),
            _hessian,
            _hessian_legend,
            one_d="the curvature map is drawn on 2-D maps: on a curve the Hessian is F″(w)",
        ),
    )
}
"""Every map overlay on screen, by the session's overlay name."""


def needing(what: str) -> frozenset[str]:
    """The overlays computed by ``what`` ("geometry", "basins", ...)."""
    return frozenset(k for k, o in OVERLAYS.items() if o.needs == what)
