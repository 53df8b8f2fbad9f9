"""The exportable picture of the state: the computed map and fields, runs, critical points and
the metadata that traces it back to its settings (Qt-free)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import numpy as np

from compute import LandscapeError, LandscapeGrid, RunTrace, Scene, session_to_json
from explorer.state import AppState


def metadata(state: AppState) -> dict[str, Any]:
    """Scenario, parameters, modes, plane and runs: enough to trace a file to its settings."""
    data: dict[str, Any] = {
        "session": session_to_json(state.session),
        "exported": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    landscape = state.results.landscape
    if landscape is not None and landscape.plane_spec is not None:
        data["plane"] = landscape.plane_spec.describe()
        data["note"] = "critical points and fields are those of the slice F(a, b)"
    return data


def title(state: AppState) -> str:
    s = state.session
    params = ", ".join(
        f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in s.params.items()
    )
    modes = [f"L2 λ={s.l2:g}"] if s.l2 else []
    modes += [s.constraint] if s.constraint else []
    return f"{s.scenario} ({params})" + (f" · {' · '.join(modes)}" if modes else "")


def scene_of(state: AppState) -> Scene:
    """The scene of what the window shows; LandscapeError while the map is being computed."""
    r, s = state.results, state.session
    frame = r.frame
    if frame is None or not frame.complete or r.landscape is None:
        raise LandscapeError("the map is still being computed: export it when it is drawn")
    values: dict[str, np.ndarray] = {"loss": frame.loss, **frame.extra}
    values |= {k: v for k, v in r.fields.items() if np.isfinite(v).all()}
    grid = LandscapeGrid(frame.axes, values)
    runs = tuple(
        _trace(run) for run in state.runs.values() if run.settings.visible and run.data.steps.size
    )
    plane = {}
    if r.landscape.plane is not None:
        p = r.landscape.plane
        plane = {k: getattr(p, k).detach().cpu().numpy() for k in ("origin", "d1", "d2")}
    return Scene(
        state.axis_names(),
        grid,
        s.log_scale,
        None,
        s.modes().constraint if not s.is_network else None,
        runs,
        tuple(r.critical),
        metadata(state),
        title=title(state),
        plane=plane,
    )


def _trace(run: Any) -> RunTrace:
    d = run.data
    network = d.distance.size and run.settings.plane is not None
    return RunTrace(
        f"run {run.id} · {run.settings.optimizer.describe()}",
        run.settings.color,
        run.path(),
        d.loss,
        d.grad_norm,
        run.status,
        steps=d.steps,
        path_steps=d.array("theta_steps"),
        thetas=d.thetas if network else None,
        distance=d.distance if network else None,
        metrics={k: d.metric(k) for k in d.metric_keys()},
    )
