"""Where runs end: attractors (minima, degenerate points, continua) and the assignment of a
run's end point to one of them, for basin maps.

Attractors come from two places: the critical-point search (``attractors_from``) and the runs
themselves (``FoundEnds``: converged runs that no reported critical point explains, merged by
distance).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse.csgraph
import scipy.spatial

from compute.critical.search import CriticalPoint

RUNNING, DIVERGED, NOT_CONVERGED, STATIONARY = -1, -2, -3, -4
OTHER_CODES = {RUNNING: "running", DIVERGED: "diverged", NOT_CONVERGED: "not converged"}
OTHER_CODES[STATIONARY] = "stationary"
"""Labels < 0: not converged = still moving when the step budget ran out; stationary =
converged at a reported critical point that does not attract (a saddle, a maximum)."""
LOSS_RTOL = 1e-6
"""A converged run on a continuum's loss level, nearest to it, belongs to it (see Sites)."""
_SHORT = {"minimum": "min", "maximum": "max", "saddle": "saddle", "flat": "flat"}


@dataclass(frozen=True)
class Attractor:
    """Where runs can end: a minimum, or a continuum of degenerate critical points.

    ``points`` (m, n) is the point (m = 1) or the continuum's sampled members; ``loss`` is F
    (with the modes' L2 term) there; ``kind`` is ``minimum``, ``degenerate point``,
    ``<nature> set`` (``minimum set``, ``flat set``, ...) or ``run end`` (found by the runs,
    not by the critical-point search: ``FoundEnds``).
    """

    label: str
    kind: str
    points: np.ndarray
    loss: float


def _fmt(point: np.ndarray) -> str:
    return "(" + ", ".join(f"{round(float(x), 2) + 0.0:.2f}" for x in point) + ")"


def attractor_pairs(critical: Sequence[CriticalPoint]) -> list[tuple[CriticalPoint, Attractor]]:
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
    return [a for _, a in attractor_pairs(critical)]


def _member_gap(members: np.ndarray) -> float:
    """Longest edge of the members' minimum spanning tree: the widest gap in their sampling."""
    dist = scipy.spatial.distance_matrix(members, members)
    tree = scipy.sparse.csgraph.minimum_spanning_tree(dist)
    return float(tree.data.max()) if tree.nnz else 0.0


class Sites:
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

    def _nearest(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The critical point j* of each point (N,) and its distance in units of tol_j* (N,)."""
        dist = np.stack([tree.query(points)[0] for tree in self.trees], axis=1)  # (N, J)
        best = np.argmin(dist / self.tol, axis=1)
        return best, dist[np.arange(len(points)), best] / self.tol[best]

    def match(self, points: np.ndarray, losses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Labels (N,) of converged end points (N, n) with losses F (N,), and whether each
        was matched to a critical point at all (False: no reported point explains it)."""
        if not self.trees:
            return np.full(len(points), STATIONARY, dtype=np.int32), np.zeros(len(points), bool)
        best, ratio = self._nearest(points)
        level = np.abs(losses - self.loss[best]) <= LOSS_RTOL * np.maximum(1, abs(self.loss[best]))
        ok = (ratio <= 1) | (self.continuum[best] & level)
        return np.where(ok, self.code[best], STATIONARY).astype(np.int32), ok

    def label(self, points: np.ndarray, losses: np.ndarray) -> np.ndarray:
        """Labels (N,) of converged end points (N, n) with losses F (N,)."""
        return self.match(points, losses)[0]

    def reached(self, points: np.ndarray) -> np.ndarray:
        """(N,) bool: the point is within its nearest critical point's tolerance, and that
        point attracts (a run there has arrived, at the map's resolution)."""
        if not self.trees:
            return np.zeros(len(points), dtype=bool)
        best, ratio = self._nearest(points)
        return (ratio <= 1) & (self.code[best] >= 0)


class FoundEnds:
    """Attractors found by the runs: converged end points that no reported critical point
    explains (outside the search's window, or missed by it), merged by distance.

    An end point within ``cell`` (the map's cell diagonal) of a member of a found attractor
    joins the nearest one; otherwise it starts a new attractor (single linkage, in the order
    the points come; basin maps hand them over in task order, so the result does not depend
    on where tasks ran). Members closer than cell/2 to one already kept are not stored. Labels
    count from ``first`` (after the critical points' attractors).
    """

    def __init__(self, cell: float, first: int) -> None:
        self.cell, self.first = cell, first
        self.members: list[list[np.ndarray]] = []
        self.losses: list[float] = []

    def label(self, points: np.ndarray, losses: np.ndarray) -> np.ndarray:
        out = np.empty(len(points), dtype=np.int32)
        for i, (x, f) in enumerate(zip(points, losses, strict=True)):
            gaps = [min(float(np.linalg.norm(x - m)) for m in ms) for ms in self.members]
            k = int(np.argmin(gaps)) if gaps else -1
            if k < 0 or gaps[k] > self.cell:
                self.members.append([x])
                self.losses.append(float(f))
                k = len(self.members) - 1
            elif gaps[k] > self.cell / 2:
                self.members[k].append(x)
            self.losses[k] = min(self.losses[k], float(f))
            out[i] = self.first + k
        return out

    def attractors(self) -> list[Attractor]:
        """What was found, in the order found: ``run end near (a, b)`` (the first end point)."""
        return [
            Attractor(f"run end near {_fmt(ms[0])}", "run end", np.array(ms), loss)
            for ms, loss in zip(self.members, self.losses, strict=True)
        ]
