"""Basin-of-attraction maps: the attractor an optimizer reaches from every cell of a grid.

The cells are split into tasks of the grid executor seam (``compute.geometry.executors``), in
coarse-to-fine order (``compute.geometry.refinement``): each task is one batched
:func:`compute.dynamics.descent.descend` run from its cells' centres (``run_cells``), so the
map fills in over the whole window from the first tasks on, and a cluster runs many at once.
End points are labelled here, task by task in task order (see ``compute.dynamics.attractors``).
"""

from __future__ import annotations

import time
from collections.abc import Generator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from compute.critical.search import CriticalPoint
from compute.dynamics import optimizers as opt
from compute.dynamics.attractors import (
    DIVERGED,
    NOT_CONVERGED,
    OTHER_CODES,
    RUNNING,
    STATIONARY,
    Attractor,
    FoundEnds,
    Sites,
    attractor_pairs,
)
from compute.dynamics.descent import descend
from compute.errors import LandscapeError
from compute.generators import drain
from compute.geometry.executors import as_grid_executor, stream_tasks
from compute.geometry.grid import Window
from compute.geometry.refinement import coarse_to_fine
from compute.objectives.modes import Modes
from compute.objectives.objective import Objective


@dataclass(frozen=True)
class BasinBlock:
    """Progress: ``labels`` (ny, nx) (1-D: (nx,)) as in BasinMap, RUNNING where a cell's run
    has not finished; ``done_fraction`` is the share of cells whose run has stopped."""

    labels: np.ndarray
    done_fraction: float


@dataclass(frozen=True)
class BasinMap:
    """The finished map.

    Attributes
    ----------
    axes : (nx,) [, (ny,)] the cell centres; row i of a 2-D map is y = axes[1][i]
    labels : (ny, nx) or (nx,) int: index into ``attractors``, or a negative code of OTHER_CODES
    final_points : (ny, nx, n) or (nx, n) where each run stopped
    steps : (ny, nx) or (nx,) the step at which each run stopped
    attractors : those of the critical points, sorted by loss, then those the runs found
    note : how the runs were made and what "not converged" means here, for the legend
    """

    axes: tuple[np.ndarray, ...]
    labels: np.ndarray
    final_points: np.ndarray
    steps: np.ndarray
    attractors: tuple[Attractor, ...]
    note: str = ""

    def share(self) -> dict[str, float]:
        """Fraction of cells per attractor label, then per outcome code name (sums to 1)."""
        counts = np.bincount(self.labels.ravel() - STATIONARY, minlength=len(self.attractors) + 4)
        total = max(1, self.labels.size)
        out = {a.label: counts[i - STATIONARY] / total for i, a in enumerate(self.attractors)}
        for code in (DIVERGED, NOT_CONVERGED, STATIONARY):
            out[OTHER_CODES[code]] = counts[code - STATIONARY] / total
        return {k: float(v) for k, v in out.items()}


def _cell_points(axes: tuple[np.ndarray, ...]) -> np.ndarray:
    """Cell centres (B, n) in row-major order of the (ny, nx) map (x varies fastest)."""
    return np.stack([g.ravel() for g in np.meshgrid(*axes)], axis=-1)


BASIN_FLOPS = 8e10
"""The most arithmetic a basin map's runs may take: ~10 s of this 2-core CPU (5–10 GFLOP/s
measured on batches of a few hundred forward and backward passes of a network slice), so a
built-in network's map is done within about 20 s."""
WANTED_STEPS = 600
"""Steps a network's runs should have at least: the resolution gives way first."""
ARRIVAL_FLOPS = 1e5
"""Objectives costing more per evaluation than this (network slices) stop a run once it is
within its attractor's tolerance (one cell) instead of converging all the way."""
MIN_TASKS = 4
"""Tasks per map in this process (progress, and the latency of Cancel: one task); a cluster
gets two per slot. A step of a batch has a fixed cost (~7 ms on a network slice here), so
fewer, larger batches are faster."""


def _tasks(levels: list[np.ndarray], count: int) -> list[np.ndarray]:
    """The cells (flat indices) of each task: level by level (coarse to fine), each level cut
    into pieces of at most 1/``count`` of the map."""
    total = sum(len(c) for c in levels)
    size = max(1, -(-total // count))
    return [c[i : i + size] for c in levels for i in range(0, len(c), size)]


def basin_budget(
    objective: Objective, requested: int, config: opt.RunConfig
) -> tuple[int, opt.RunConfig]:
    """Cells per axis and run settings of a basin map that stays within BASIN_FLOPS.

    One step of a run costs ~3 evaluations (a forward and a backward pass). Cells per axis:
    at most ``requested`` and 128, at least 12, and few enough that every cell gets
    min(config.steps, WANTED_STEPS) steps; then ``config.steps`` is cut to what the budget
    leaves for that many cells. Exact toys keep both; a network slice gets ~35² cells and
    ~300 steps; an expensive one (digits) 12² cells and fewer steps (the note says so).
    """
    per_step, dim = 3.0 * objective.flops, objective.dim
    wanted = min(config.steps, WANTED_STEPS)
    per_axis = (BASIN_FLOPS / (per_step * wanted)) ** (1.0 / dim)
    resolution = int(max(min(12, requested), min(requested, 128, per_axis)))
    cap = max(1, int(BASIN_FLOPS / (per_step * resolution**dim)))
    return resolution, (config if config.steps <= cap else replace(config, steps=cap))


@dataclass(frozen=True, eq=False)
class BasinWork:
    """What every task of one basin map shares (shipped once to a cluster): the objective and
    modes, the run settings, and on an expensive objective the early stop (None: runs go on
    until they converge): the critical points' ``Sites`` and the cell diagonal h."""

    objective: Objective
    modes: Modes
    config: opt.RunConfig
    arrival: Sites | None
    cell: float = 0.0


SETTLE_STEPS = 50
"""A run on an expensive objective that moves less than h/4 over this many steps has settled."""


class _EarlyStop:
    """Which runs can stop before they converge, at the map's resolution: those within their
    nearest critical point's tolerance (an attracting one: ``Sites.reached``) and those that
    settled, i.e. moved less than a quarter cell over the last SETTLE_STEPS steps (Adam, for
    one, circles a minimum at its step size for long before the strict test holds)."""

    def __init__(self, sites: Sites, cell: float) -> None:
        self.sites, self.cell, self.calls = sites, cell, 0
        self.anchor: np.ndarray | None = None

    def __call__(self, theta: Any) -> Any:
        import torch

        x = theta.detach().cpu().double().numpy()
        stop = self.sites.reached(x)
        if self.calls % SETTLE_STEPS == 0:
            if self.anchor is not None:
                stop |= np.linalg.norm(x - self.anchor, axis=1) <= self.cell / 4
            self.anchor = x
        self.calls += 1
        return torch.from_numpy(stop)


@dataclass(frozen=True)
class CellEnds:
    """One task's runs: end points (P, n), F there (P,), descend's status codes (P,) and the
    steps at which they stopped (P,)."""

    theta: np.ndarray
    value: np.ndarray
    status: np.ndarray
    stopped_at: np.ndarray


def run_cells(work: BasinWork, starts: np.ndarray) -> CellEnds:
    """The runs from ``starts`` (P, n): one batched ``descend`` (a task, wherever it runs)."""
    arrived = None if work.arrival is None else _EarlyStop(work.arrival, work.cell)
    run = descend(
        work.objective,
        work.modes,
        starts,
        work.config,
        yield_every=work.config.steps + 1,
        record=False,
        arrived=arrived,
    )
    final = drain(run)
    return CellEnds(
        np.asarray(final.theta), np.asarray(final.value), final.status, final.stopped_at
    )


def _note(config: opt.RunConfig, resolution: int, cell: float, arrival: bool) -> str:
    stop = (
        f"a run counts once it is within one cell ({cell:.2g}) of an attractor, or has moved "
        f"less than a quarter cell in {SETTLE_STEPS} steps"
        if arrival
        else "a run counts when it has converged"
    )
    return (
        f"{config.describe()}, at most {config.steps} steps from each of "
        f"{resolution} cells per axis; {stop}. Not converged: still moving after "
        f"{config.steps} steps (fewer with a larger step size or a coarser map)"
    )


def basin_map(
    objective: Objective,
    modes: Modes,
    window: Window,
    resolution: int,
    config: opt.RunConfig,
    critical: Sequence[CriticalPoint],
    yield_seconds: float = 0.05,
    executor: object | None = None,
) -> Generator[BasinBlock, None, BasinMap]:
    """Label every cell of a ``resolution``ⁿ grid by where ``config``'s optimizer takes it.

    From every cell centre a run (modes applied there: L2 added, starts projected onto the
    constraint set). Labels: converged → the attractor of a critical point (see
    ``Sites``), STATIONARY at a reported saddle or maximum, or an attractor the runs found
    (``FoundEnds``); diverged → DIVERGED; steps used up → NOT_CONVERGED. ``critical`` must
    be the critical points of the same objective + modes (their losses include the L2 term).
    On an expensive objective (flops ≥ ARRIVAL_FLOPS: a network slice) a run stops as soon as
    it is within its attractor's tolerance, which is all the map can resolve, or once it has
    settled (``_EarlyStop``); a settled run no reported point explains is a found attractor.

    ``executor`` says where the tasks run (None: this process, or the window's cluster); the
    tasks and their order do not depend on it, so neither does the map. Yields a BasinBlock
    when a task finishes, at most every ``yield_seconds``; closing the generator stops at the
    next task. Returns the BasinMap.
    """
    # Long by design: one streaming loop over tasks of cells, labelling them in task order; the
    # loop state is the map.
    if window.dim != objective.dim:
        raise LandscapeError(
            f"{objective.name} has {objective.dim} parameters, window has {window.dim} axes"
        )
    if not yield_seconds > 0:
        raise LandscapeError(f"yield_seconds must be positive, got {yield_seconds:g}")
    axes = window.axes(resolution)
    shape = tuple(len(a) for a in reversed(axes))
    cell = float(np.linalg.norm([a[1] - a[0] for a in axes]))
    pairs = attractor_pairs(critical)
    sites = Sites(critical, [c for c, _ in pairs], cell)
    found = FoundEnds(cell, len(pairs))
    arrival = objective.flops >= ARRIVAL_FLOPS
    work = BasinWork(objective, modes, config, sites if arrival else None, cell)
    starts = _cell_points(axes)
    runner = as_grid_executor(executor)
    cells = _tasks(coarse_to_fine(shape), max(MIN_TASKS, 2 * runner.slots))
    labels = np.full(len(starts), RUNNING, dtype=np.int32)
    ends = np.zeros_like(starts)
    stopped = np.zeros(len(starts), dtype=int)
    waiting: dict[int, CellEnds] = {}
    labelled, last = 0, None
    tasks = (starts[c] for c in cells)
    for out in stream_tasks(runner, run_cells, work, tasks):
        if out is not None:
            waiting[out[0]] = out[1]
        while labelled in waiting:  # in task order: found attractors do not depend on timing
            idx, res = cells[labelled], waiting.pop(labelled)
            ends[idx], stopped[idx] = res.theta, res.stopped_at
            labels[idx] = _labels(res, sites, found)
            labelled += 1
        now = time.perf_counter()
        if labelled == len(cells) or last is None or now - last >= yield_seconds:
            last = now
            yield BasinBlock(labels.reshape(shape).copy(), float(np.mean(labels != RUNNING)))
    return BasinMap(
        axes,
        labels.reshape(shape),
        ends.reshape(*shape, objective.dim),
        stopped.reshape(shape),
        tuple(a for _, a in pairs) + tuple(found.attractors()),
        _note(config, resolution, cell, arrival),
    )


def _labels(res: CellEnds, sites: Sites, found: FoundEnds) -> np.ndarray:
    """Labels of one task's cells from where their runs ended."""
    out = np.full(len(res.status), NOT_CONVERGED, dtype=np.int32)
    out[res.status == opt.DIVERGED] = DIVERGED
    conv = np.flatnonzero(res.status == opt.CONVERGED)
    if len(conv):
        codes, matched = sites.match(res.theta[conv], res.value[conv])
        out[conv] = codes
        alone = conv[~matched]
        if len(alone):
            out[alone] = found.label(res.theta[alone], res.value[alone])
    return out
