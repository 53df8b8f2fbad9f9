"""Basin-of-attraction maps: the minimum an optimizer reaches from every cell of a grid.

All cells start at once, as one batched :func:`compute.dynamics.descent.descend` run with B = number
of cells; each run is labelled the moment it stops, and the map is streamed as it fills in.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse.csgraph
import scipy.spatial

from compute.critical.search import CriticalPoint
from compute.dynamics import optimizers as opt
from compute.dynamics.descent import descend
from compute.dynamics.run_records import RunChunk
from compute.errors import LandscapeError
from compute.geometry.grid import Window
from compute.objectives.modes import Modes
from compute.objectives.objective import Objective

RUNNING, DIVERGED, NOT_CONVERGED, STATIONARY = -1, -2, -3, -4
OTHER_CODES = {RUNNING: "running", DIVERGED: "diverged", NOT_CONVERGED: "not converged"}
OTHER_CODES[STATIONARY] = "stationary"
"""Labels < 0: not converged = max_steps reached; stationary = converged, but not at a known
attractor (a saddle, a point the critical search did not report)."""
LOSS_RTOL = 1e-6
"""A converged run on a continuum's loss level, nearest to it, belongs to it (see _Sites)."""
_SHORT = {"minimum": "min", "maximum": "max", "saddle": "saddle", "flat": "flat"}


@dataclass(frozen=True)
class Attractor:
    """Where runs can end: a minimum, or a continuum of degenerate critical points.

    ``points`` (m, n) is the point (m = 1) or the continuum's sampled members; ``loss`` is F
    (with the modes' L2 term) there; ``kind`` is ``minimum``, ``degenerate point`` or
    ``<nature> set`` (``minimum set``, ``flat set``, ...).
    """

    label: str
    kind: str
    points: np.ndarray
    loss: float


@dataclass(frozen=True)
class BasinBlock:
    """Progress after ``step`` steps: ``labels`` (ny, nx) (1-D: (nx,)) as in BasinMap, RUNNING
    where a run goes on; ``done_fraction`` is the share of cells whose run has stopped."""

    labels: np.ndarray
    step: int
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
    attractors : sorted by loss
    """

    axes: tuple[np.ndarray, ...]
    labels: np.ndarray
    final_points: np.ndarray
    steps: np.ndarray
    attractors: tuple[Attractor, ...]

    def share(self) -> dict[str, float]:
        """Fraction of cells per attractor label, then per outcome code name (sums to 1)."""
        counts = np.bincount(self.labels.ravel() - STATIONARY, minlength=len(self.attractors) + 4)
        total = max(1, self.labels.size)
        out = {a.label: counts[i - STATIONARY] / total for i, a in enumerate(self.attractors)}
        for code in (DIVERGED, NOT_CONVERGED, STATIONARY):
            out[OTHER_CODES[code]] = counts[code - STATIONARY] / total
        return {k: float(v) for k, v in out.items()}


def _fmt(point: np.ndarray) -> str:
    return "(" + ", ".join(f"{round(float(x), 2) + 0.0:.2f}" for x in point) + ")"


def _attractor_pairs(critical: Sequence[CriticalPoint]) -> list[tuple[CriticalPoint, Attractor]]:
    """Each attracting critical point with its Attractor, sorted by loss, labels made unique.

    Attracting: minima (interior or boundary KKT minima), continua of any nature (a flat ReLU
    region holds every run started on it; a curve of minima catches runs anywhere along it) and
    isolated degenerate points (w⁴ attracts, and so does w³ from one side). Isolated saddles and
    maxima are not: only a measure-zero set of starts (a stable manifold, like factorization's
    anti-diagonal) converges there, so those cells are reported as STATIONARY.
    """
    pairs: list[tuple[CriticalPoint, Attractor]] = []
    seen: dict[str, int] = {}
    for c in sorted(critical, key=lambda p: (p.loss, tuple(p.point))):
        if len(c.members) > 1:
            kind, label = f"{c.nature} set", f"{_SHORT.get(c.nature, c.nature)} set near"
        elif c.kind in ("minimum", "degenerate"):
            kind = c.kind if c.kind == "minimum" else "degenerate point"
            label = ("boundary " if c.on_boundary else "") + _SHORT.get(c.kind, c.kind)
        else:
            continue
        label = f"{label} {_fmt(c.point)}"
        seen[label] = seen.get(label, 0) + 1
        label += f" #{seen[label]}" if seen[label] > 1 else ""
        pairs.append((c, Attractor(label, kind, np.asarray(c.members, float), float(c.loss))))
    return pairs


def attractors_from(critical: Sequence[CriticalPoint]) -> list[Attractor]:
    """The attractors among ``critical`` (minima, degenerate points and continua), by loss."""
    return [a for _, a in _attractor_pairs(critical)]


def _member_gap(members: np.ndarray) -> float:
    """Longest edge of the members' minimum spanning tree: the widest gap in their sampling."""
    dist = scipy.spatial.distance_matrix(members, members)
    tree = scipy.sparse.csgraph.minimum_spanning_tree(dist)
    return float(tree.data.max()) if tree.nnz else 0.0


class _Sites:
    """Assigns converged end points to critical points, vectorised over the points.

    Tolerance of critical point j: ``tol_j = max(h, g_j)``, with h the grid's cell diagonal and
    g_j its members' widest gap (0 for an isolated point). A converged run sits within about
    config.tol/λ of an isolated critical point (more at degenerate ones), far below h, and the
    map cannot resolve detail finer than a cell anyway; on a continuum a run can stop anywhere,
    between sampled members, so within about g_j of one. A point x goes to the critical point
    j* minimising ‖x − P_j‖ / tol_j (the closest in units of its own tolerance, so a point on a
    curve of minima next to a saddle goes to the curve), accepted if that ratio is ≤ 1 or, for a
    continuum, if F(x) is on its loss level (|F(x) − F_j| ≤ LOSS_RTOL·max(1, |F_j|)): a run
    that ends on the curve just outside the window where no member was sampled. Accepted points
    of a non-attractor (a saddle) and rejected points are STATIONARY.
    """

    def __init__(
        self, critical: Sequence[CriticalPoint], attracting: list[CriticalPoint], cell: float
    ) -> None:
        index = {id(c): i for i, c in enumerate(attracting)}
        self.trees = [scipy.spatial.cKDTree(np.asarray(c.members, float)) for c in critical]
        self.tol = np.array([max(cell, _member_gap(np.asarray(c.members))) for c in critical])
        self.code = np.array([index.get(id(c), STATIONARY) for c in critical], dtype=np.int32)
        self.loss = np.array([c.loss for c in critical], dtype=float)
        self.continuum = np.array([len(c.members) > 1 for c in critical], dtype=bool)

    def label(self, points: np.ndarray, losses: np.ndarray) -> np.ndarray:
        """Labels (N,) of converged end points (N, n) with losses F (N,)."""
        if not self.trees:
            return np.full(len(points), STATIONARY, dtype=np.int32)
        dist = np.stack([tree.query(points)[0] for tree in self.trees], axis=1)  # (N, J)
        best = np.argmin(dist / self.tol, axis=1)
        ratio = dist[np.arange(len(points)), best] / self.tol[best]
        level = np.abs(losses - self.loss[best]) <= LOSS_RTOL * np.maximum(1, abs(self.loss[best]))
        ok = (ratio <= 1) | (self.continuum[best] & level)
        return np.where(ok, self.code[best], STATIONARY).astype(np.int32)


def _cell_points(axes: tuple[np.ndarray, ...]) -> np.ndarray:
    """Cell centres (B, n) in row-major order of the (ny, nx) map (x varies fastest)."""
    return np.stack([g.ravel() for g in np.meshgrid(*axes)], axis=-1)


STEP_BUDGET_FLOPS = 4e9
"""About one second of this CPU's arithmetic per optimizer step of a basin map."""


def basin_resolution(objective: Objective, requested: int) -> int:
    """Cells per axis of a basin map of ``objective``: at most ``requested`` and 128, and few
    enough that one step of all runs (a forward and a backward pass each, ~3 evaluations)
    stays within STEP_BUDGET_FLOPS; at least 12. Exact toys get 128; a digits slice ~12."""
    per_axis = (STEP_BUDGET_FLOPS / (3.0 * objective.flops)) ** (1.0 / objective.dim)
    return int(max(min(12, requested), min(requested, 128, per_axis)))


def basin_map(
    objective: Objective,
    modes: Modes,
    window: Window,
    resolution: int,
    config: opt.RunConfig,
    critical: Sequence[CriticalPoint],
    yield_seconds: float = 0.05,
) -> Generator[BasinBlock, None, BasinMap]:
    """Label every cell of a ``resolution``ⁿ grid by where ``config``'s optimizer takes it.

    One ``descend`` run from all B = resolutionⁿ cell centres (modes applied there: L2 added,
    starts projected onto the constraint set). A run that stops is labelled at once: converged
    → its attractor (see _Sites) or STATIONARY; diverged → DIVERGED; max_steps →
    NOT_CONVERGED. ``critical`` must be the critical points of the same objective + modes
    (``critical_points(objective, modes, window)``): their losses include the L2 term, and a
    run ending at a point missing from it (outside the window) counts as STATIONARY.

    Yields a BasinBlock about every ``yield_seconds``; closing the generator stops the runs at
    the next block. Returns the BasinMap.
    """
    # Long by design: one streaming loop over blocks of cells, classifying as they converge; the
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
    pairs = _attractor_pairs(critical)
    sites = _Sites(critical, [c for c, _ in pairs], cell)
    starts = _cell_points(axes)
    labels = np.full(len(starts), RUNNING, dtype=np.int32)
    run = descend(objective, modes, starts, config, yield_seconds=yield_seconds, record=False)
    last_step = -1
    try:
        while True:
            try:
                state = next(run)
            except StopIteration as stop:
                final: RunChunk = stop.value
                break
            new = (state.status != opt.RUNNING) & (labels == RUNNING)
            labels[new & (state.status == opt.DIVERGED)] = DIVERGED
            labels[new & (state.status == opt.MAX_STEPS)] = NOT_CONVERGED
            conv = np.flatnonzero(new & (state.status == opt.CONVERGED))
            if len(conv):
                labels[conv] = sites.label(state.theta[conv], state.value[conv])
            done = float(np.mean(labels != RUNNING))
            if state.step > last_step or done == 1.0:
                last_step = max(last_step, state.step)
                yield BasinBlock(labels.reshape(shape).copy(), state.step, done)
    finally:
        run.close()
    return BasinMap(
        axes,
        labels.reshape(shape),
        final.theta.reshape(*shape, objective.dim),
        final.stopped_at.reshape(shape),
        tuple(a for _, a in pairs),
    )
