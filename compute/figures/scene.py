"""A session's scene, computed headlessly with the window's own compute functions.

``scene_from_session`` builds the problem, the landscape (a network's slice on the session's
plane), the map frame (``compute.landscapes.frames``), the overlays that are on (geometry for
gradient and
curvature, critical points, the basin map, the full-space curvature map), every visible run
(``compute.sessions.runs.track_run``), a slice's named points and, when asked, the Hessian spectrum
at the end of the first run. Same session, same arrays: nothing here depends on time, threads
or the order of work.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from compute.critical.search import CriticalPoint, critical_points
from compute.dynamics.basins import BasinMap, basin_budget, basin_map
from compute.figures.assemble import (
    curves_panel_of,
    map_panel_of,
    profile_panel_of,
    run_label,
    spectrum_panel_of,
)
from compute.figures.panels import Scene
from compute.figures.provenance import provenance_of
from compute.figures.run_trace import RunTrace
from compute.figures.words import plain_text
from compute.generators import mapped
from compute.geometry.grid import LandscapeGrid, Window
from compute.landscapes.frames import GradientField, MapFrame, landscape_geometry, map_frames
from compute.landscapes.landscape import Landscape, build_landscape, hessian_map, search_starts
from compute.networks.sliced import network_of
from compute.objectives.problem import Problem
from compute.scenarios import scenario
from compute.sessions.file import check_fits, load
from compute.sessions.runs import resolve_starts, track_run
from compute.sessions.session import RunSettings, Session
from compute.vocabulary import STATUS_NAMES

if TYPE_CHECKING:
    from compute.curvature import CurvatureMap
    from compute.landscapes.spectrum_types import PointSpectrum

T = TypeVar("T")
STAGES = {  # stage: (start, end) of the overall fraction
    "problem": (0.0, 0.05),
    "map": (0.05, 0.3),
    "geometry": (0.3, 0.4),
    "critical points": (0.4, 0.55),
    "basins": (0.55, 0.7),
    "curvature map": (0.7, 0.8),
    "runs": (0.8, 0.95),
    "spectrum": (0.95, 1.0),
}


@dataclass(frozen=True)
class SceneProgress:
    """What ``scene_from_session`` is doing: ``stage`` (STAGES) and the overall ``fraction``."""

    stage: str
    fraction: float


def _stage(
    gen: Generator[Any, None, T], stage: str, part: float = 0.5
) -> Generator[SceneProgress, None, T]:
    """Re-yield a progress generator as SceneProgress within ``stage``'s share of the work;
    items with a ``fraction`` (or ``done_fraction``) place the progress inside the share."""
    lo, hi = STAGES[stage]

    def progress(item: Any) -> SceneProgress:
        f = getattr(item, "fraction", getattr(item, "done_fraction", part))
        f = min(1.0, max(0.0, float(f))) if isinstance(f, int | float) else part
        return SceneProgress(stage, lo + (hi - lo) * f)

    return mapped(gen, progress)


def _geometry(
    landscape: Landscape, window: Window, resolution: int
) -> Generator[SceneProgress, None, tuple[GradientField | None, LandscapeGrid]]:
    found: list[GradientField] = []

    def keep(item: Any) -> Any:
        if isinstance(item, GradientField):
            found.append(item)
        return item

    gen = mapped(landscape_geometry(landscape, window, resolution), keep)
    grid: LandscapeGrid = yield from _stage(gen, "geometry")
    return (found[0] if found else None), grid


def _curvature_map(
    landscape: Landscape, window: Window
) -> Generator[SceneProgress, None, CurvatureMap]:
    """The full-space curvature map of the window as the window computes it (its default
    grid: 64 × 64 cells for a toy, 21 × 21 for a slice); progress by cells done."""
    lo, hi = STAGES["curvature map"]
    result: CurvatureMap = yield from mapped(
        hessian_map(landscape, window),
        lambda cells: SceneProgress(
            "curvature map", lo + (hi - lo) * cells.done / max(cells.total, 1)
        ),
    )
    return result


def trace_run(
    landscape: Landscape, run: RunSettings, constrained: bool
) -> Generator[Any, None, RunTrace]:
    """Run ``run`` on ``landscape`` (``track_run``) and gather its records into a RunTrace:
    label in words, path on the map, F, ‖∇F‖, projected gradient (when a constraint acts on
    it), metrics, θ snapshots and their distance from the plane (networks)."""
    parts: dict[str, list[np.ndarray]] = {}

    def add(name: str, values: np.ndarray) -> None:
        parts.setdefault(name, []).append(np.asarray(values))

    def record(update: Any) -> Any:
        c = update.chunk
        add("steps", c.steps)
        add("loss", c.loss[:, 0])
        add("grad_norm", c.grad_norm[:, 0])
        add("projected", c.projected[:, 0])
        for key, values in c.metrics.items():
            add("metric:" + key, values[:, 0])
        add("path_steps", c.theta_steps)
        add("coords", update.coords)
        add("thetas", update.thetas)
        add("distance", update.distance)
        return c

    final = yield from mapped(track_run(landscape, run), record)

    def get(name: str, empty: tuple[int, ...] = (0,)) -> np.ndarray:
        return np.concatenate(parts[name]) if parts.get(name) else np.zeros(empty)

    dim = landscape.map_objective.dim
    network = landscape.problem.capabilities.sliced
    return RunTrace(
        run_label(run),
        run.color,
        get("coords", (0, dim)).reshape(-1, dim),
        get("loss"),
        get("grad_norm"),
        STATUS_NAMES[int(final.status[0])],
        steps=get("steps"),
        path_steps=get("path_steps"),
        thetas=get("thetas").reshape(len(get("path_steps")), -1) if network else None,
        distance=get("distance") if network else None,
        metrics={k[len("metric:") :]: get(k) for k in parts if k.startswith("metric:")},
        projected=get("projected") if constrained and not run.in_plane else None,
    )


def _spectrum(
    landscape: Landscape, runs: tuple[RunTrace, ...], window: Window
) -> Generator[Any, None, PointSpectrum]:
    """The Hessian spectrum (extremes, SLQ density, every eigenvalue up to n = 2000) at the
    end of run 1, or at the window's centre without runs."""
    from compute.landscapes.point_spectrum import spectrum_at
    from compute.landscapes.spectrum_types import SpectrumRequest

    if runs and runs[0].thetas is not None and len(runs[0].thetas):
        point, where = runs[0].thetas[-1], "the end of run 1"
    elif runs and len(runs[0].path):
        point, where = runs[0].path[-1], "the end of run 1"
    else:
        point = np.array([0.5 * (lo + hi) for lo, hi in window.ranges()])
        where = "the window's centre"
    request = SpectrumRequest(top=5, bottom=5, density=True, histogram=True)
    return (yield from spectrum_at(landscape, point, request, where))


def scene_from_session(
    session: Session,
    source: str | Path | None = None,
    spectrum: bool = False,
    max_steps: int | None = None,
    device: str = "cpu",
) -> Generator[SceneProgress, None, Scene]:
    """Compute what the window shows for ``session``, headlessly.

    Parameters
    ----------
    session : the session (its overlays decide what is computed: geometry for ``gradient`` /
        ``curvature``, critical points for ``critical`` / ``basins``, the basin map for
        ``basins`` with the session's optimizer, the full-space curvature map
        (``compute.landscapes.landscape.hessian_map``) for ``hessian``); source : the session
        file (named and hashed in the provenance); spectrum : also the Hessian spectrum at the
        end of run 1 (θ₀ / the window's centre without runs); max_steps : cap on every run's
        steps (the gallery's reduced runs; recorded); device : where networks compute

    Yields SceneProgress about every 50 ms; returns the Scene (map, curves when there are
    visible runs, spectrum when asked) with its provenance.
    """
    # Long by design: the stages of a scene (problem, map, critical points, basins, curvature, runs,
    # spectrum) run in order and stream their progress from one generator.
    s, spec = session, scenario(session.scenario)
    stream: Generator[str, None, Problem] = spec.problem_stream(s.params, device)
    problem = yield from _stage(stream, "problem")
    check_fits(s, problem)
    modes = s.modes()
    landscape = build_landscape(problem, modes, s.plane if s.sliced else None)
    window = Window(tuple(float(b) for b in s.window))
    overlays = set(s.overlays)
    frame: MapFrame = yield from _stage(
        map_frames(landscape.map_objective, window, s.resolution, s.log_scale), "map"
    )
    gradient, curvature = None, None
    if overlays & {"gradient", "curvature"}:
        field, grid = yield from _geometry(landscape, window, s.resolution)
        gradient = field if "gradient" in overlays else None
        curvature = (
            grid.values.get("hess_min") if "curvature" in overlays and window.dim == 2 else None
        )
    critical: list[CriticalPoint] = []
    basins: BasinMap | None = None
    objective, map_modes = landscape.map_objective, landscape.map_modes
    if overlays & {"critical", "basins"}:
        starts = search_starts(landscape, frame.axes, frame.loss, window)
        critical = yield from _stage(
            critical_points(objective, map_modes, window, starts), "critical points"
        )
    basin_cells = 0
    if "basins" in overlays and window.dim == 2:
        basin_cells, basin_config = basin_budget(objective, s.resolution, s.optimizer)
        gen = basin_map(objective, map_modes, window, basin_cells, basin_config, critical)
        basins = yield from _stage(gen, "basins")
    full_curvature: CurvatureMap | None = None
    if "hessian" in overlays and window.dim == 2:
        full_curvature = yield from _curvature_map(landscape, window)
    settings = tuple(r for r in s.runs if r.visible)
    if problem.capabilities.sliced:
        settings = resolve_starts(network_of(problem), settings, s.plane)
    if max_steps is not None:
        settings = tuple(
            replace(r, optimizer=replace(r.optimizer, steps=min(r.optimizer.steps, max_steps)))
            for r in settings
        )
    runs: list[RunTrace] = []
    constrained = modes.constraint is not None
    for i, run in enumerate(settings):
        lo, hi = STAGES["runs"]
        trace = yield from _stage(
            trace_run(landscape, run, constrained), "runs", (i + 0.5) / len(settings)
        )
        runs.append(trace)
        yield SceneProgress("runs", lo + (hi - lo) * (i + 1) / len(settings))
    map_panel = map_panel_of(
        s,
        landscape,
        frame,
        critical=critical,
        basins=basins,
        hess_min=curvature,
        gradient=gradient,
        runs=runs,
        hessian=full_curvature,
    )
    curves = curves_panel_of(s, landscape, runs)
    spectrum_panel = None
    if spectrum:
        result = yield from _stage(_spectrum(landscape, tuple(runs), window), "spectrum")
        spectrum_panel = spectrum_panel_of(s, result)
    record = provenance_of(s, source, landscape, max_steps)
    record["computed"] = {
        "critical_points": len(critical),
        "basin_cells_per_axis": basin_cells,
        "curvature_map_cells": (
            list(full_curvature.lam_min.shape) if full_curvature is not None else []
        ),
        "runs": [
            {
                "label": plain_text(r.label),
                "status": r.status,
                "steps": int(r.step_axis()[-1]) if len(r.step_axis()) else 0,
            }
            for r in runs
        ],
    }
    return Scene(map_panel, curves, spectrum_panel, record, profile_panel_of(session))


def scene_from_file(
    path: str | Path, spectrum: bool = False, max_steps: int | None = None, device: str = "cpu"
) -> Generator[SceneProgress, None, Scene]:
    """``scene_from_session`` of the session file ``path`` (read strictly: a newer version or
    an unknown field is refused by name)."""
    session = load(path)
    return (yield from scene_from_session(session, path, spectrum, max_steps, device))
