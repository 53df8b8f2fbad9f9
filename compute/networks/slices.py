"""Loss (and accuracy) of a network on a plane's (a, b) grid: progressive (coarse to fine),
batched by ``compute.networks.plane_evaluator``, cancellable."""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass

import numpy as np
import torch

from compute.errors import LandscapeError
from compute.geometry.executors import GridExecutor, as_grid_executor, stream_tasks
from compute.geometry.grid import Window, check_resolution
from compute.geometry.planes import Plane, line
from compute.networks.slice_tasks import SliceWork, evaluate_points
from compute.networks.sliced import SlicedProblem, network_of
from compute.objectives.problem import Problem

YIELD_SECONDS = 0.05


@dataclass(frozen=True)
class SliceBlock:
    """Progress of a slice: the image so far.

    ``values[field]`` is (nb, na), row i at b = axes[1][i]; points not evaluated yet show the
    value of the nearest point of the last finished level, so each yield is a full image that
    sharpens in place. ``evaluated`` (nb, na) marks exact values; ``level`` counts from 0
    (coarsest) to ``levels − 1`` (every point); ``done``/``total`` count evaluated points.
    """

    level: int
    levels: int
    done: int
    total: int
    values: dict[str, np.ndarray]
    evaluated: np.ndarray


@dataclass(frozen=True)
class LandscapeSlice:
    """A finished slice.

    Attributes
    ----------
    axes : (a (na,), b (nb,))
    values : field → (nb, na); non-finite where the loss overflows
    plane : the plane that was sliced
    references : name → (a, b, distance from the plane) of the problem's reference points
    seconds : wall time of the evaluation
    """

    axes: tuple[np.ndarray, np.ndarray]
    values: dict[str, np.ndarray]
    plane: Plane
    references: dict[str, tuple[float, float, float]]
    seconds: float


def reference_marks(problem: SlicedProblem, plane: Plane) -> dict[str, tuple[float, float, float]]:
    """The problem's reference points (teacher, init, …) projected onto the plane: (a, b, dist)."""
    names = list(problem.references)
    if not names:
        return {}
    proj = plane.project(torch.stack([problem.references[k] for k in names]))
    return {
        k: (float(proj.coords[i, 0]), float(proj.coords[i, 1]), float(proj.distance[i]))
        for i, k in enumerate(names)
    }


def _levels(n: int, coarse: int) -> list[np.ndarray]:
    """Index sets per level along an axis of n samples: strides s, s/2, …, 1 (powers of two,
    s ≈ (n − 1)/coarse), each including the last index; every set contains the previous one."""
    stride = 1
    while stride * 2 <= max(1, (n - 1) // max(1, coarse)):
        stride *= 2
    out = []
    while stride >= 1:
        out.append(np.union1d(np.arange(0, n, stride), [n - 1]))
        stride //= 2
    return out


def _nearest(indices: np.ndarray, n: int) -> np.ndarray:
    """For every 0 ≤ i < n the nearest element of the sorted, nonempty ``indices``."""
    grid = np.arange(n)
    return indices[np.abs(grid[:, None] - indices[None, :]).argmin(axis=1)]


@dataclass(frozen=True)
class PartialSlice:
    """Cells of a slice computed before (a resumed run): ``values`` field → (nb, na), exact
    where ``evaluated`` (nb, na) is True; evaluate_slice computes only the others."""

    values: dict[str, np.ndarray]
    evaluated: np.ndarray


def _level_sets(na: int, nb: int, coarse: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(ia, ib) index sets per level, both axes padded to the same number of levels."""
    levels_a, levels_b = _levels(na, coarse), _levels(nb, coarse)
    levels = max(len(levels_a), len(levels_b))
    levels_a = [levels_a[0]] * (levels - len(levels_a)) + levels_a
    levels_b = [levels_b[0]] * (levels - len(levels_b)) + levels_b
    return list(zip(levels_a, levels_b, strict=True))


def _start_cells(
    known: PartialSlice | None, fields: tuple[str, ...], shape: tuple[int, int]
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The exact values and the done mask a slice starts from (all NaN / False, or ``known``)."""
    if known is None:
        return {f: np.full(shape, np.nan) for f in fields}, np.zeros(shape, dtype=bool)
    if known.evaluated.shape != shape or set(known.values) != set(fields):
        raise LandscapeError(
            f"the partial slice has {sorted(known.values)} on a {known.evaluated.shape} grid; "
            f"this slice needs {sorted(fields)} on {shape}"
        )
    return {f: np.array(known.values[f], dtype=float) for f in fields}, known.evaluated.copy()


def evaluate_slice(
    problem: SlicedProblem,
    plane: Plane,
    window: Window | tuple[float, ...] | None = None,
    resolution: int | tuple[int, int] = 41,
    include_test: bool = False,
    coarse: int = 10,
    executor: object | None = None,
    known: PartialSlice | None = None,
) -> Generator[SliceBlock, None, LandscapeSlice]:
    """Evaluate the loss (and accuracy, test loss) on a ``resolution`` grid of the plane.

    Progressive: level 0 evaluates every s-th point along each axis (s ≈ (n − 1)/coarse, a
    power of two), each later level halves s and evaluates only the new points, so the total
    work is one evaluation per grid point. Yields a SliceBlock after each level and about
    every 50 ms within a level; closing the generator stops the work at the next yield
    (cancelling the tasks in flight). Returns the LandscapeSlice. Overflowing losses come out
    as inf/NaN, never as an error.

    ``executor`` says where the points are evaluated (``compute.geometry.executors``: None is
    this process; a Dask cluster through ``compute.cluster``): the same chunks of points in the
    same batches, so the values are the same bits. ``known`` cells (a resumed run) are taken
    as they are and not evaluated again.
    """
    # Long by design: one coarse-to-fine loop over levels and tasks; its grid state is what it
    # yields.
    win = window if isinstance(window, Window) else Window(tuple(window or plane.window))
    if win.dim != 2:
        raise LandscapeError("a slice window is AMIN,AMAX,BMIN,BMAX")
    na, nb = (resolution, resolution) if isinstance(resolution, int) else resolution
    check_resolution(na)
    check_resolution(nb)
    t0 = time.perf_counter()
    runner = as_grid_executor(executor)
    work = SliceWork(problem, plane, ("train", "test") if include_test else ("train",))
    fields = work.fields()
    a_axis, b_axis = (
        np.linspace(lo, hi, n) for (lo, hi), n in zip(win.ranges(), (na, nb), strict=True)
    )
    exact, done = _start_cells(known, fields, (nb, na))
    shown = {f: v.copy() for f, v in exact.items()}
    level_sets = _level_sets(na, nb, coarse)
    plan = _TaskPlan(level_sets, done, work.chunk, runner)
    tasks = plan.tasks(a_axis, b_axis)
    complete = -1
    last = time.perf_counter()
    block: SliceBlock | None = None
    for out in stream_tasks(runner, evaluate_points, work, tasks, plan.in_flight):
        if out is None:  # waiting on a cluster: a heartbeat, so a caller can give up
            if block is not None:
                yield block
            continue
        index, result = out
        _, rows, cols = plan.cells[index]
        plan.finished(index, result.seconds)
        for f, values in result.values.items():
            exact[f][rows, cols] = values
            shown[f][rows, cols] = values
        done[rows, cols] = True
        filled = complete
        while complete + 1 < len(level_sets) and plan.left[complete + 1] == 0:
            complete += 1
        if complete > filled:  # a level is complete: show it, block-filled, at full resolution
            ia, ib = level_sets[complete]
            fill = np.ix_(_nearest(ib, nb), _nearest(ia, na))
            shown = {f: np.where(done, exact[f], exact[f][fill]) for f in fields}
        if complete > filled or (complete >= 0 and time.perf_counter() - last >= YIELD_SECONDS):
            last = time.perf_counter()
            block = SliceBlock(
                max(complete, 0),
                len(level_sets),
                int(done.sum()),
                na * nb,
                {f: v.copy() for f, v in shown.items()},
                done.copy(),
            )
            yield block
    return LandscapeSlice(
        (a_axis, b_axis), exact, plane, reference_marks(problem, plane), time.perf_counter() - t0
    )


class _TaskPlan:
    """A slice's tasks, level by level: the new points of each level in chunks of ``chunk``
    (cut at the same places wherever they run), grouped into tasks of about
    ``executor.task_seconds`` of work (measured as results come back; one chunk per task
    in-process) and at least ``slots`` tasks per level (so every worker has work)."""

    def __init__(
        self,
        level_sets: list[tuple[np.ndarray, np.ndarray]],
        done: np.ndarray,
        chunk: int,
        executor: GridExecutor,
    ) -> None:
        self.chunk, self.executor = chunk, executor
        self.in_flight = max(1, executor.slots)
        self.new: list[tuple[np.ndarray, np.ndarray]] = []
        seen = done.copy()
        for ia, ib in level_sets:
            jj, ii = np.meshgrid(ia, ib)
            fresh = ~seen[ii, jj]
            self.new.append((ii[fresh], jj[fresh]))
            seen[ii[fresh], jj[fresh]] = True
        self.left = [len(rows) for rows, _ in self.new]
        self.cells: list[tuple[int, np.ndarray, np.ndarray]] = []
        self.timings: list[float] = []  # seconds per chunk of each finished task

    @property
    def seconds_per_chunk(self) -> float:
        """The median over finished tasks (one task slowed by a busy machine does not shrink
        every later task)."""
        return float(np.median(self.timings)) if self.timings else 0.0

    def finished(self, index: int, seconds: float) -> None:
        level, rows, _ = self.cells[index]
        self.left[level] -= len(rows)
        self.timings.append(seconds / max(1, -(-len(rows) // self.chunk)))

    def _group(self, chunks: int) -> int:
        if self.executor.task_seconds <= 0:
            return 1
        spread = max(1, -(-chunks // self.in_flight))
        if self.seconds_per_chunk <= 0:
            return spread
        return max(
            1, min(spread, int(np.ceil(self.executor.task_seconds / self.seconds_per_chunk)))
        )

    def tasks(self, a_axis: np.ndarray, b_axis: np.ndarray) -> Iterator[np.ndarray]:
        """The coordinates (P, 2) of each task, lazily (a task's size uses the timings so far)."""
        for level, (rows, cols) in enumerate(self.new):
            chunks = -(-len(rows) // self.chunk)
            start = 0
            while start < len(rows):
                stop = start + self._group(chunks) * self.chunk
                r, c = rows[start:stop], cols[start:stop]
                self.cells.append((level, r, c))
                yield np.stack([a_axis[c], b_axis[r]], axis=1)
                start = stop


@dataclass(frozen=True)
class Interpolation:
    """Values along θ(α) = start + α (end − start): alpha (k,), values field → (k,)."""

    alpha: np.ndarray
    values: dict[str, np.ndarray]


def interpolate(
    source: Problem,
    start: torch.Tensor,
    end: torch.Tensor,
    alphas: np.ndarray | None = None,
    include_test: bool = False,
) -> Interpolation:
    """1-D linear interpolation between two points (default α ∈ [−0.25, 1.25], 61 samples)."""
    problem = network_of(source)
    alpha = np.linspace(-0.25, 1.25, 61) if alphas is None else np.asarray(alphas, dtype=float)
    plane = line(problem.as_theta(start), problem.as_theta(end))
    coords = torch.zeros(len(alpha), 2, dtype=problem.dtype, device=problem.device)
    coords[:, 0] = torch.as_tensor(alpha, dtype=problem.dtype)
    splits = ("train", "test") if include_test else ("train",)
    values: dict[str, np.ndarray] = {}
    for split in splits:
        for f, v in problem.plane_evaluator(plane, split)(coords).items():
            values[f] = v.to("cpu", torch.float64).numpy()
    return Interpolation(alpha, values)
