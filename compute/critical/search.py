"""Critical points of F on a window (and on a constraint set): find, group, classify.

Interior points are roots of ∇F found by batched multi-start Newton (pseudo-inverse steps, so
non-isolated roots are reached too); boundary points are KKT points of each face {c(θ) = 0}
of the constraint set, roots of ``[∇F + Jcᵀμ; c] = 0`` by the same Newton. Roots are merged
into points, degenerate ones into isolated degenerate points or continua
(``compute.critical.continua``)
and classified by curvature, KKT conditions or sampling (``compute.critical.classify``). Tolerances
are
relative to the objective's scales and dtype (``compute.critical.classify.Tolerances``).
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TypeVar

import numpy as np
import torch
from torch.func import jacrev, vmap

from compute.critical.classify import Tolerances
from compute.critical.groups import describe_all
from compute.critical.newton import TimedBlocks, evaluate_blocks
from compute.critical.point import KINDS, METHODS, CriticalPoint, CriticalProgress, CriticalSearch
from compute.critical.roots import Candidate, gradient_residual, kkt_residual, run_newton
from compute.critical.starts import check_starts, grid_candidates, lattice, spacing
from compute.critical.unresolved import Landings, unresolved_note
from compute.errors import LandscapeError
from compute.generators import mapped
from compute.geometry.grid import Window
from compute.objectives.derivatives import second_order
from compute.objectives.modes import ActiveFace, Modes
from compute.objectives.objective import Objective

__all__ = [
    "KINDS",
    "METHODS",
    "CriticalPoint",
    "CriticalProgress",
    "CriticalSearch",
    "critical_points",
    "critical_search",
    "grid_candidates",
]


T = TypeVar("T")


def _scaled(
    gen: Generator[float, None, T], stage: str, lo: float, hi: float
) -> Generator[CriticalProgress, None, T]:
    """Re-yield a fraction-yielding generator as CriticalProgress in [lo, hi] of the search."""
    return mapped(gen, lambda f: CriticalProgress(stage, lo + (hi - lo) * min(1.0, max(0.0, f))))


def _check_window(window: Window, objective: Objective) -> float:
    """The window's diagonal L, refusing windows it cannot represent in the objective's dtype."""
    if window.dim != objective.dim:
        raise LandscapeError(
            f"{objective.name} has {objective.dim} parameters, window has {window.dim} axes"
        )
    info = torch.finfo(objective.dtype)
    spans = [hi - lo for lo, hi in window.ranges()]
    bounds = [abs(b) for b in window.bounds]
    diag = math.hypot(*spans) if all(math.isfinite(s) for s in spans) else math.inf
    if not (diag < math.sqrt(info.max) and max(bounds) < math.sqrt(info.max)):
        dtype = str(objective.dtype).removeprefix("torch.")
        raise LandscapeError(
            f"window {window.bounds} is too large to search for critical points in {dtype} "
            f"(keep |bounds| < {math.sqrt(info.max):.0e})"
        )
    return diag


def _measure(
    objective: Objective, starts: torch.Tensor, length: float, h: float, blocks: TimedBlocks
) -> Generator[float, None, Tolerances]:
    """F, ‖∇F‖ and ‖∇²F‖₂ at the starts → the search's Tolerances."""

    def scales(points: torch.Tensor) -> torch.Tensor:
        d = second_order(objective.loss, points)
        hess = torch.nan_to_num(d.hessian, nan=torch.inf)
        finite = torch.isfinite(hess).all((-2, -1))
        eig = torch.linalg.eigvalsh(torch.where(finite[:, None, None], hess, 0.0))
        spectral = torch.where(finite, eig.abs().amax(-1), torch.nan)
        return torch.stack([d.loss, torch.linalg.vector_norm(d.grad, dim=-1), spectral], -1)

    values = yield from evaluate_blocks(scales, starts, blocks)
    return Tolerances.measure(objective.dtype, length, h, tuple(values.detach().T))


def _face_starts(objective: Objective, face: ActiveFace, starts: torch.Tensor) -> torch.Tensor:
    theta0 = torch.unique(face.snap(starts), dim=0)
    jc0 = vmap(jacrev(face.residual))(theta0)
    g0 = vmap(torch.func.grad(objective.loss))(theta0)
    mu0 = -(torch.linalg.pinv(jc0.transpose(-1, -2)) @ g0.unsqueeze(-1)).squeeze(-1)
    return torch.cat([theta0, torch.nan_to_num(mu0)], dim=-1)


def _candidates(
    z: np.ndarray,
    res: np.ndarray,
    step: np.ndarray,
    ok: np.ndarray,
    n: int,
    face: ActiveFace | None,
) -> list[Candidate]:
    """The accepted roots as candidates (θ = z[:n], μ = z[n:])."""
    return [
        Candidate(z[i, :n], z[i], z[i, n:], float(res[i]), float(step[i]), face)
        for i in np.flatnonzero(ok)
    ]


@np.errstate(all="ignore")
def _admissible(
    roots: list[Candidate], window: Window, modes: Modes, tol: Tolerances
) -> list[Candidate]:
    """Roots inside the window and the constraint set; interior roots on a face are left to
    that face's search."""
    keep = [r for r in roots if np.isfinite(r.z).all() and window.contains(r.point)]
    constraint = modes.constraint
    if constraint is None or not keep:
        return keep
    pts = torch.from_numpy(np.stack([r.point for r in keep]))
    inside = constraint.contains(pts, tol=math.sqrt(tol.eps)).tolist()
    faces = constraint.faces(pts.shape[1])

    def on_surface(p: torch.Tensor) -> bool:
        return any(bool((f.residual(p).abs() <= tol.feasibility).all()) for f in faces)

    return [
        r
        for r, ok, p in zip(keep, inside, pts, strict=True)
        if ok and (r.face is not None or not on_surface(p))
    ]


def critical_points(
    objective: Objective, modes: Modes, window: Window, starts: np.ndarray | None = None
) -> Generator[CriticalProgress, None, list[CriticalPoint]]:
    """Every critical point of F + (λ/2)‖θ‖² in ``window`` ∩ C, grouped and classified: the
    points of ``critical_search`` (see there), as a list sorted by loss."""
    found = yield from critical_search(objective, modes, window, starts)
    return list(found.points)


def critical_search(
    objective: Objective, modes: Modes, window: Window, starts: np.ndarray | None = None
) -> Generator[CriticalProgress, None, CriticalSearch]:
    """Every critical point of F + (λ/2)‖θ‖² in ``window`` ∩ C, and what could not be resolved.

    Critical points of F on C: roots of ∇F inside C, and on each face of C's boundary every
    point where F restricted to the face is stationary (∇F + Jcᵀμ = 0, c = 0) - KKT points of
    min F (μ ≥ 0), of max F (μ ≤ 0), or neither (μ of both signs at an edge or corner). Each
    is a ``minimum``, ``maximum`` or ``saddle`` of F on C's feasible points near it (see
    CriticalPoint.kind), or ``degenerate`` (a continuum with its members, or a point flat in
    some direction at every scale probed). Tolerances follow
    ``compute.critical.classify.Tolerances``.

    ``starts`` (M, n): where Newton starts (default: a 32 × 32 lattice of the window, 241
    points in 1-D); pass a few dozen chosen points (``grid_candidates`` of a computed map plus
    a coarse lattice) for an objective whose evaluations are expensive. The search resolves
    features down to the start spacing h (√n × the median distance between neighbouring
    starts). Yields a CriticalProgress after every block of starts of every Newton iteration
    (about every 50 ms of work); closing the generator stops the search there, with no side
    effects. Returns the points sorted by loss, with a note on the places where Newton came
    near a root it could not resolve, or on why there is no point at all
    (``compute.critical.unresolved``). Windows the objective's dtype cannot span (|bounds| ≥
    √(largest float)) raise LandscapeError.
    """
    objective = modes.apply(objective)
    length = _check_window(window, objective)
    pts = lattice(window) if starts is None else check_starts(starts, objective.dim)
    h = spacing(pts, window)
    start_t = objective.as_tensor(pts)
    blocks = TimedBlocks()
    tol = yield from _scaled(_measure(objective, start_t, length, h, blocks), "scales", 0, 0.05)
    faces = [] if modes.constraint is None else modes.constraint.faces(objective.dim)
    # progress: interior Newton up to 0.5 (0.85 without faces), the faces share up to 0.85
    bounds = [0.05, *np.linspace(0.5 if faces else 0.85, 0.85, len(faces) + 1)]
    n = objective.dim
    found = yield from _scaled(
        run_newton(gradient_residual(objective), start_t, window, tol, blocks),
        "interior",
        bounds[0],
        bounds[1],
    )
    roots = _candidates(*found, n, None)
    landings = [Landings.of(found, n)]
    for i, face in enumerate(faces):
        z0 = _face_starts(objective, face, start_t)
        found = yield from _scaled(
            run_newton(kkt_residual(objective, face, tol), z0, window, tol, blocks),
            f"boundary {face.label}",
            bounds[i + 1],
            bounds[i + 2],
        )
        roots += _candidates(*found, n, face)
        landings.append(Landings.of(found, n))
    roots = _admissible(roots, window, modes, tol)
    points = yield from _scaled(
        describe_all(objective, modes, window, roots, tol, blocks), "classify", 0.85, 1.0
    )
    points = sorted(points, key=lambda p: (p.loss, tuple(p.point)))
    note = unresolved_note(Landings.join(landings), points, window, tol)
    return CriticalSearch(tuple(points), note)
