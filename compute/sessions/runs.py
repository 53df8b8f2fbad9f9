"""Runs of a session on a landscape: where they start, what they descend, and where their
path lies on the map (snapshots lifted to θ and projected onto the chart)."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, replace

import numpy as np
import torch

from compute.dynamics.descent import descend
from compute.dynamics.run_records import RunChunk
from compute.errors import LandscapeError
from compute.geometry.planes import Plane
from compute.landscapes.landscape import Landscape, network_plane_objective
from compute.landscapes.plane_choice import PlaneSpec, build_plane, theta_bytes, theta_from
from compute.networks.sliced import network_of
from compute.objectives.modes import Modes
from compute.objectives.problem import Problem
from compute.sessions.session import RunSettings


def start_theta(landscape: Landscape, coords: tuple[float, ...]) -> bytes:
    """θ(a, b) of a click on a slice, as the exact float32 bytes a run keeps (b"" for toys,
    whose start is θ itself)."""
    if landscape.plane is None:
        return b""
    return theta_bytes(
        landscape.plane.point(torch.tensor(coords, dtype=landscape.plane.origin.dtype))
    )


def resolve_starts(
    source: Problem, runs: tuple[RunSettings, ...], fallback: PlaneSpec
) -> tuple[RunSettings, ...]:
    """Network runs whose θ start is missing or no longer fits ``problem`` (its size changed)
    re-expressed: θ = θ(a, b) on the plane they were given on, rebuilt for the new problem,
    or on ``fallback`` where that plane cannot be rebuilt (a PCA plane of the old size); the
    run's ``note`` says so. Runs that start at θ₀, and runs whose θ fits, are kept as they are
    (they restart from the same weights)."""
    problem = network_of(source)
    out = []
    for run in runs:
        if run.at == "init" or (run.theta and len(run.theta) // 4 == problem.dim):
            out.append(run)
            continue
        spec, note = run.plane or fallback, ""
        try:
            plane = build_plane(problem, spec)
        except LandscapeError:
            plane, note = (
                build_plane(problem, fallback),
                (
                    f"start re-expressed at {tuple(round(v, 3) for v in run.start)} on "
                    f"{fallback.describe()}: the plane it was set on no longer fits {problem.id}"
                ),
            )
            spec = fallback
        point = plane.point(torch.tensor(run.start, dtype=plane.origin.dtype))
        out.append(replace(run, theta=theta_bytes(point), plane=spec, note=note or run.note))
    return tuple(out)


@dataclass(frozen=True)
class RunUpdate:
    """A chunk of one run (B = 1) with its path on the landscape's map.

    chunk : the RunChunk (its arrays have a run axis of length 1); thetas : (k, n) the
    chunk's snapshots in θ (in-plane runs lifted from (a, b)); coords : (k, d) their map
    coordinates; distance : (k,) their distance from the map's plane (0 for toys and for
    runs in the shown plane)
    """

    chunk: RunChunk
    thetas: np.ndarray
    coords: np.ndarray
    distance: np.ndarray


def run_plane(landscape: Landscape, run: RunSettings) -> Plane:
    """The plane an in-plane run descends in: the shown one when it is the same spec."""
    assert landscape.plane is not None
    if run.plane is None or run.plane == landscape.plane_spec:
        return landscape.plane
    return build_plane(network_of(landscape.problem), run.plane)


def track_run(landscape: Landscape, run: RunSettings) -> Generator[RunUpdate, None, RunChunk]:
    """Descend as ``run`` says and stream its path on ``landscape``'s map.

    Toys: ``descend`` on the objective with the session's modes from θ = start. Networks, in
    full space: from θ₀ (``at == "init"``) or the run's θ bytes, with the modes (projected
    steps onto a constraint set); within a plane: on F(a, b) of the run's own plane from
    (a, b) = start, L2 of θ included. Every chunk's snapshots are lifted to θ and projected
    onto the landscape's chart (in a worker: never on the GUI thread).
    """
    problem, config = landscape.problem, run.optimizer
    own: Plane | None = None
    if not problem.capabilities.sliced:
        objective, modes = landscape.objective, landscape.modes
        start = objective.as_tensor([run.start])
    elif run.in_plane:
        own = run_plane(landscape, run)
        objective = network_plane_objective(network_of(problem), own, landscape.modes)
        modes, start = Modes(), objective.as_tensor([run.start])
    else:
        objective, modes = landscape.objective, landscape.modes
        init = problem.init
        assert init is not None
        theta = init if run.at == "init" else theta_from(run.theta)
        if theta.numel() != problem.dim:
            raise LandscapeError(
                f"the run's θ start has {theta.numel()} values, {problem.id} has {problem.dim}"
            )
        start = objective.as_tensor(theta[None, :])
    gen = descend(objective, modes, start, config)
    while True:
        try:
            chunk = next(gen)
        except StopIteration as stop:
            final: RunChunk = stop.value
            return final
        snaps = chunk.thetas[:, 0, :]
        if own is not None and len(snaps):
            snaps = own.point(torch.as_tensor(snaps, dtype=own.origin.dtype)).cpu().double().numpy()
        proj = landscape.project(snaps) if len(snaps) else None
        coords = proj.coords if proj is not None else np.zeros((0, landscape.map_objective.dim))
        dist = proj.distance if proj is not None else np.zeros(0)
        yield RunUpdate(chunk, snaps, coords, dist)
