"""Roots of the critical-point search: Newton residuals, merging duplicates, derivatives, and
the classification each root gets on its own (Hessian signs inside, KKT conditions on a face;
None where those are inconclusive, left to ``compute.critical.groups``)."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, replace

import numpy as np
import scipy.linalg
import torch
from torch.func import jacrev

from compute.critical import continua
from compute.critical.classify import Tolerances, curvature_kind, kkt_kind
from compute.critical.newton import Residual, TimedBlocks, evaluate_blocks, newton_roots
from compute.geometry.grid import Window
from compute.objectives.derivatives import second_order
from compute.objectives.modes import ActiveFace
from compute.objectives.objective import Objective


@dataclass(frozen=True)
class Candidate:
    """A root of the search: θ (n,), the Newton variable z = (θ, μ) (m,), μ (k,), the residual
    ‖G(z)‖, the location uncertainty (length of the last Newton step, or the extent of the
    merged roots) and the face it lies on (None: interior)."""

    point: np.ndarray
    z: np.ndarray
    multipliers: np.ndarray
    residual: float
    uncertainty: float
    face: ActiveFace | None


def gradient_residual(objective: Objective) -> Residual:
    """G(θ) = ∇F(θ) for one θ (n,)."""
    return torch.func.grad(objective.loss)


def kkt_residual(objective: Objective, face: ActiveFace, tol: Tolerances) -> Residual:
    """G(θ, μ) = [∇F + Jcᵀμ; (G/L)·c] for z = (θ, μ): c is scaled to gradient units so that
    one norm measures both parts (Newton's steps do not depend on that row scaling)."""
    n, grad_f = objective.dim, torch.func.grad(objective.loss)
    unit = tol.grad / tol.length

    def kkt(z: torch.Tensor) -> torch.Tensor:
        theta, mu = z[:n], z[n:]
        jc = jacrev(face.residual)(theta)
        return torch.cat([grad_f(theta) + jc.T @ mu, unit * face.residual(theta)])

    return kkt


def run_newton(
    residual: Residual, starts: torch.Tensor, window: Window, tol: Tolerances, blocks: TimedBlocks
) -> Generator[float, None, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Newton from ``starts`` with the search's tolerances → z (B, m), residuals, step lengths
    and whether each is accepted as a root (``Tolerances.accepts``)."""
    centre = starts.new_tensor([(lo + hi) / 2 for lo, hi in window.ranges()])
    result = yield from newton_roots(
        residual,
        starts,
        stop_norm=tol.newton_stop,
        max_step=0.25 * tol.length,
        rtol=tol.pinv_rtol,
        settle=tol.settle,
        escape=(centre, 2 * tol.length, window.dim),
        blocks=blocks,
    )
    z, res, step = (
        t.detach().cpu().double().numpy() for t in (result.z, result.residual, result.step)
    )
    ok = tol.accepts(res, step, result.located.cpu().numpy())
    return z, res, step, ok


@dataclass
class Row:
    """A merged root with its derivatives and, where decided, its kind (working record)."""

    cand: Candidate
    loss: float
    grad_norm: float
    eig: np.ndarray
    vecs: np.ndarray
    tangent: np.ndarray
    normals: np.ndarray
    kind: str | None
    method: str


@np.errstate(all="ignore")
def _merge(group: list[Candidate], tol: Tolerances, best: str) -> list[Candidate]:
    pts = np.stack([r.point for r in group])
    labels = continua.merge_same(pts, np.array([r.uncertainty for r in group]), tol.same_point)
    out = []
    for lab in np.unique(labels):
        idx = np.flatnonzero(labels == lab)
        if best == "residual":
            pick = min(idx, key=lambda i: group[i].residual)
        else:  # the most specific face: a corner before its edges, then the smallest residual
            pick = min(idx, key=lambda i: (-len(group[i].multipliers), group[i].residual))
        spread = max(continua.extent(pts[idx]), group[pick].uncertainty)
        out.append(replace(group[pick], uncertainty=spread if np.isfinite(spread) else 0.0))
    return out


def merged(roots: list[Candidate], tol: Tolerances) -> list[Candidate]:
    """One candidate per point: the smallest residual among roots that may be the same (within
    ``tol.same_point`` plus their uncertainties), per face; then one per point across faces
    (a point with zero multipliers at a box corner is found on the corner and on its edges)."""
    faces = {id(r.face): r.face for r in roots}
    out = []
    for key in faces:
        out += _merge([r for r in roots if id(r.face) == key], tol, "residual")
    inside = [r for r in out if r.face is None]
    boundary = [r for r in out if r.face is not None]
    return inside + (_merge(boundary, tol, "face") if boundary else [])


def _derivatives(
    objective: Objective, points: np.ndarray, blocks: TimedBlocks
) -> Generator[float, None, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    n = objective.dim

    def packed(p: torch.Tensor) -> torch.Tensor:
        d = second_order(objective.loss, p)
        return torch.cat([d.loss[:, None], d.grad, d.hessian.reshape(len(p), n * n)], dim=1)

    out = yield from evaluate_blocks(packed, objective.as_tensor(points), blocks)
    arr = out.detach().cpu().double().numpy()
    return arr[:, 0], arr[:, 1 : 1 + n], arr[:, 1 + n :].reshape(-1, n, n)


@np.errstate(all="ignore")
def _face_geometry(
    objective: Objective, cand: Candidate, hess: np.ndarray, grad: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """Tangent eigenvalues of Zᵀ(∇²F + Σμₖ∇²cₖ)Z, the normals Jc (k, n), ‖∇F + Jcᵀμ‖."""
    face = cand.face
    assert face is not None
    theta = objective.as_tensor(cand.point)
    mu = objective.as_tensor(cand.multipliers)
    jc = jacrev(face.residual)(theta).detach().cpu().double().numpy()
    curv = jacrev(jacrev(lambda t: face.residual(t) @ mu))(theta).detach().cpu().double().numpy()
    basis = scipy.linalg.null_space(jc)
    lagr = np.nan_to_num(hess) + curv
    tangent = np.linalg.eigvalsh(basis.T @ lagr @ basis) if basis.shape[1] else np.zeros(0)
    return tangent, jc, float(np.linalg.norm(grad + jc.T @ cand.multipliers))


def describe_roots(
    objective: Objective, cands: list[Candidate], tol: Tolerances, blocks: TimedBlocks
) -> Generator[float, None, list[Row]]:
    loss, grad, hess = yield from _derivatives(
        objective, np.stack([c.point for c in cands]), blocks
    )
    rows = []
    for i, c in enumerate(cands):
        finite = np.isfinite(hess[i]).all()
        eig, vecs = (
            np.linalg.eigh(hess[i])
            if finite
            else (np.full(objective.dim, np.nan), np.eye(objective.dim))
        )
        tol_eig = tol.eigenvalue(c.residual)
        if c.face is None:
            kind = curvature_kind(eig, tol_eig) if finite else None
            rows.append(
                Row(
                    c,
                    loss[i],
                    float(np.linalg.norm(grad[i])),
                    eig,
                    vecs,
                    np.zeros(0),
                    np.zeros((0, objective.dim)),
                    kind,
                    "hessian",
                )
            )
            continue
        tangent, normals, gnorm = _face_geometry(objective, c, hess[i], grad[i])
        kind = kkt_kind(c.multipliers, tangent, eig, tol.multiplier, tol_eig) if finite else None
        rows.append(Row(c, loss[i], gnorm, eig, vecs, tangent, normals, kind, "kkt"))
    return rows
