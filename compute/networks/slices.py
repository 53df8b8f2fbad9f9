"""Loss (and accuracy) of a network on a plane's (a, b) grid: progressive (coarse to fine),
batched by ``compute.networks.plane_evaluator``, cancellable."""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import torch

from compute.errors import LandscapeError
from compute.geometry.grid import Window, check_resolution
from compute.geometry.planes import Plane, line
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


def evaluate_slice(
    problem: SlicedProblem,
    plane: Plane,
    window: Window | tuple[float, ...] | None = None,
    resolution: int | tuple[int, int] = 41,
    include_test: bool = False,
    coarse: int = 10,
) -> Generator[SliceBlock, None, LandscapeSlice]:
    """Evaluate the loss (and accuracy, test loss) on a ``resolution`` grid of the plane.

    Progressive: level 0 evaluates every s-th point along each axis (s ≈ (n − 1)/coarse, a
    power of two), each later level halves s and evaluates only the new points, so the total
    work is one evaluation per grid point. Yields a SliceBlock after each level and about
    every 50 ms within a level; closing the generator stops the work at the next yield.
    Returns the LandscapeSlice. Overflowing losses come out as inf/NaN, never as an error.
    """
    win = window if isinstance(window, Window) else Window(tuple(window or plane.window))
    if win.dim != 2:
        raise LandscapeError("a slice window is AMIN,AMAX,BMIN,BMAX")
    na, nb = (resolution, resolution) if isinstance(resolution, int) else resolution
    check_resolution(na)
    check_resolution(nb)
    t0 = time.perf_counter()
    evaluators = [problem.plane_evaluator(plane, "train")]
    if include_test:
        evaluators.append(problem.plane_evaluator(plane, "test"))
    fields = [f for e in evaluators for f in e.fields()]
    a_axis, b_axis = (
        np.linspace(lo, hi, n) for (lo, hi), n in zip(win.ranges(), (na, nb), strict=True)
    )
    exact = {f: np.full((nb, na), np.nan) for f in fields}
    shown = {f: np.full((nb, na), np.nan) for f in fields}
    done = np.zeros((nb, na), dtype=bool)
    levels_a, levels_b = _levels(na, coarse), _levels(nb, coarse)
    levels = max(len(levels_a), len(levels_b))
    levels_a = [levels_a[0]] * (levels - len(levels_a)) + levels_a
    levels_b = [levels_b[0]] * (levels - len(levels_b)) + levels_b
    chunk = min(e.chunk for e in evaluators)
    last = time.perf_counter()
    for level, (ia, ib) in enumerate(zip(levels_a, levels_b, strict=True)):
        jj, ii = np.meshgrid(ia, ib)
        new = ~done[ii, jj]
        rows, cols = ii[new], jj[new]
        for start in range(0, len(rows), chunk):
            r, c = rows[start : start + chunk], cols[start : start + chunk]
            coords = torch.tensor(
                np.stack([a_axis[c], b_axis[r]], axis=1), dtype=problem.dtype, device=problem.device
            )
            for e in evaluators:
                for f, v in e(coords).items():
                    values = v.to("cpu", torch.float64).numpy()
                    exact[f][r, c] = values
                    shown[f][r, c] = values
            done[r, c] = True
            finished = start + chunk >= len(rows)
            if finished:  # the level is complete: show it, block-filled, at full resolution
                fill = np.ix_(_nearest(ib, nb), _nearest(ia, na))
                shown = {f: exact[f][fill] for f in fields}
            if finished or (level > 0 and time.perf_counter() - last >= YIELD_SECONDS):
                last = time.perf_counter()
                yield SliceBlock(
                    level,
                    levels,
                    int(done.sum()),
                    na * nb,
                    {f: v.copy() for f, v in shown.items()},
                    done.copy(),
                )
    return LandscapeSlice(
        (a_axis, b_axis), exact, plane, reference_marks(problem, plane), time.perf_counter() - t0
    )


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
