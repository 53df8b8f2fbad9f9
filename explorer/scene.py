"""The exportable picture of the window: its map, curves and spectrum as compute panels (the
same ``compute.figures`` assembly the headless ``render`` command uses) with their provenance
(Qt-free)."""

from __future__ import annotations

from typing import Any

from compute import (
    BasinMap,
    LandscapeError,
    RunTrace,
    Scene,
    curves_panel_of,
    map_panel_of,
    profile_panel_of,
    provenance_of,
    run_label,
    spectrum_panel_of,
)
from explorer.state import AppState


def provenance(state: AppState) -> dict[str, Any]:
    """The session (scenario, parameters, modes, seeds, plane, runs) behind what is shown."""
    return provenance_of(state.session, None, state.results.landscape, None)


def scene_of(state: AppState) -> Scene:
    """What the window shows, ready to draw; LandscapeError while the map is being computed.

    Visible runs are numbered 1…N in the figure in the order of the run table; the basins are
    drawn only once the whole map is known.
    """
    r, s = state.results, state.session
    frame = r.frame
    if frame is None or not frame.complete or r.landscape is None:
        raise LandscapeError("the map is still being computed: export it when it is drawn")
    traces = [_trace(run, bool(s.constraint)) for run in state.runs.values()]
    runs = tuple(t for t in traces if t is not None)
    # overflowing cells of λ_min are transparent in the figure as on screen; a curvature map
    # still being computed is left out (its colour range would be of the cells done so far)
    hess_min = r.fields.get("hess_min")
    hessian = r.hessian_map if r.hessian_map is not None and r.hessian_map.complete else None
    map_panel = map_panel_of(
        s,
        r.landscape,
        frame,
        critical=r.critical,
        selected=r.selected,
        basins=r.basins if isinstance(r.basins, BasinMap) else None,
        hess_min=hess_min,
        gradient=r.gradient,
        runs=runs,
        hessian=hessian,
    )
    curves = curves_panel_of(s, r.landscape, runs)
    spectrum = spectrum_panel_of(s, r.spectrum) if r.spectrum is not None else None
    return Scene(map_panel, curves, spectrum, provenance(state), profile_panel_of(state.session))


def _trace(run: Any, constrained: bool) -> RunTrace | None:
    """A visible run with at least one recorded step as drawn (None otherwise)."""
    d, settings = run.data, run.settings
    if not settings.visible or not d.steps.size:
        return None
    network = d.distance.size and settings.plane is not None
    projected = d.projected if constrained and not settings.in_plane else None
    return RunTrace(
        run_label(settings),
        settings.color,
        run.path(),
        d.loss,
        d.grad_norm,
        run.status,
        steps=d.steps,
        path_steps=d.array("theta_steps"),
        thetas=d.thetas if network else None,
        distance=d.distance if network else None,
        metrics={k: d.metric(k) for k in d.metric_keys()},
        projected=projected if projected is not None and projected.size else None,
    )
