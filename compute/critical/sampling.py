"""Classifying a point by sampling F around it, where its curvature tests were inconclusive.

F is evaluated on the feasible part of small spheres (radii h/64, h/16, h/4, see
``compute.critical.classify.sampling_radii``) around each point, with ∇F to bound how much the
point's
location uncertainty can change each difference. Rays along which F is flat and every sample
is critical show that the point lies on a continuum the lattice's Newton runs missed.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import torch
from torch.func import vmap

from compute.critical.classify import Tolerances, sample_directions, sampled_kind, sampling_radii
from compute.critical.newton import TimedBlocks, evaluate_blocks
from compute.critical.roots import Row
from compute.objectives.derivatives import second_order
from compute.objectives.modes import Modes
from compute.objectives.objective import Objective


@dataclass(frozen=True)
class Verdict:
    """What sampling F around a point said: its kind (None: flat in some direction at every
    radius), the nature of the rest, and the rays (k, R, n) of samples that are flat at
    every radius, with the location uncertainty δ they were judged with."""

    kind: str | None
    nature: str
    rays: np.ndarray
    uncertainty: float


def sample_around(
    objective: Objective,
    modes: Modes,
    rows: list[Row],
    uncertainty: list[float],
    tol: Tolerances,
    blocks: TimedBlocks,
) -> Generator[float, None, list[Verdict]]:
    """F and ∇F on the feasible part of spheres around each row's point → verdicts.

    Points p + r·d outside C are projected onto it (they stand for the boundary near p);
    projections that land within r/4 of p are dropped. The margin of a difference is the
    rounding noise plus ‖P∇F(x)‖·δ: how much F(x) − F(p) can change when the point is off
    by its location uncertainty δ along its face (P projects onto the face's tangent space;
    the identity inside).
    """
    if not rows:
        return []
    n = objective.dim
    batches, shapes = [], []
    for row, unc in zip(rows, uncertainty, strict=True):
        radii = np.array(sampling_radii(tol.spacing, unc))
        dirs = sample_directions(n, np.concatenate([row.vecs.T, row.normals]))
        p = objective.as_tensor(row.cand.point)
        pts = modes.project(p + objective.as_tensor(radii[:, None, None] * dirs[None]))
        valid = torch.linalg.vector_norm(pts - p, dim=-1) >= objective.as_tensor(radii / 4)[:, None]
        batches.append(torch.cat([p[None], pts.reshape(-1, n)]))
        shapes.append((len(radii), len(dirs), valid.cpu().numpy()))
    value_and_grad = vmap(torch.func.grad_and_value(objective.loss))

    def evaluate(points: torch.Tensor) -> torch.Tensor:
        g, f = value_and_grad(points)
        return torch.cat([f[:, None], g], dim=1)

    out = yield from evaluate_blocks(evaluate, torch.cat(batches), blocks)
    values = out.detach().cpu().double().numpy()
    points = torch.cat(batches).detach().cpu().double().numpy()
    return _verdicts(values, points, [len(b) for b in batches], shapes, rows, uncertainty, tol)


@np.errstate(all="ignore")  # F and ∇F may overflow far out; such samples count as non-finite
def _verdicts(
    values: np.ndarray,
    points: np.ndarray,
    counts: list[int],
    shapes: list[tuple[int, int, np.ndarray]],
    rows: list[Row],
    uncertainty: list[float],
    tol: Tolerances,
) -> list[Verdict]:
    """Each point's verdict from F, ∇F (P, 1 + n) at its samples (first row: the point)."""
    n = points.shape[1]
    splits = np.cumsum(counts)[:-1]
    verdicts = []
    parts = zip(np.split(values, splits), np.split(points, splits), strict=True)
    for k, (part, where) in enumerate(parts):
        (r, d, valid), row, unc = shapes[k], rows[k], uncertainty[k]
        normals = row.normals
        proj = np.eye(n) - (np.linalg.pinv(normals) @ normals if len(normals) else 0.0)
        slope = np.linalg.norm(part[1:, 1:] @ proj, axis=1).reshape(r, d)
        diff = np.where(valid, part[1:, 0].reshape(r, d) - part[0, 0], np.nan)
        margin = tol.loss_noise(part[0, 0]) + slope * unc
        kind, nature = sampled_kind(diff, margin)
        flat = (valid & (np.abs(diff) <= margin)).all(axis=0)
        rays = where[1:].reshape(r, d, n).transpose(1, 0, 2)[flat]
        verdicts.append(Verdict(kind, nature, rays, unc))
    return verdicts


@np.errstate(all="ignore")
def continuation(
    objective: Objective, rows: list[Row], verdicts: list[Verdict], tol: Tolerances
) -> list[np.ndarray]:
    """Continuum members along the flat rays of each interior flat point (m, n); m = 0 if none.

    A ray is part of the critical set when every sample on it is critical up to the point's
    location uncertainty δ: ‖∇F(x)‖ ≤ tol.root + ‖∇²F(x)‖₂·δ (the gradient at x moves by
    about ∇²F·e when the point moves by e). Newton from the lattice can miss such a set: on
    F = u²v² it contracts every start onto the origin, where two lines of minima cross.
    """
    out = []
    for row, verdict in zip(rows, verdicts, strict=True):
        rays = verdict.rays
        if row.cand.face is not None or verdict.kind is not None or len(rays) == 0:
            out.append(np.zeros((0, objective.dim)))
            continue
        d = second_order(objective.loss, objective.as_tensor(rays.reshape(-1, objective.dim)))
        grad = torch.linalg.vector_norm(d.grad, dim=-1).detach().cpu().double().numpy()
        eig = d.hessian_eigenvalues().detach().cpu().double().numpy()
        bound = tol.root + np.abs(eig).max(axis=1) * verdict.uncertainty
        critical = (grad <= bound).reshape(rays.shape[:2]).all(axis=1)
        out.append(rays[critical].reshape(-1, objective.dim))
    return out
