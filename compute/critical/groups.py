"""Degenerate roots made into points: isolated degenerate points (blobs) and true continua.

Roots whose own classification was inconclusive (a zero eigenvalue or multiplier) are linked
by single linkage at 2h, per face. A cluster narrower than ``continua.BLOB``·h is a blob: the
scattered landings of Newton around one isolated degenerate point (it converges only
linearly there), classified by sampling F on the feasible part of small spheres around it. A
wider cluster is a continuum only where every link of its spanning tree runs through
degenerate critical points: Newton from the link's midpoint must land within a quarter of the
link's length, at a critical point that its own tests leave undecided; it is split elsewhere.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace
from typing import TypeVar

import numpy as np

from compute.critical import continua
from compute.critical.classify import (
    Tolerances,
)
from compute.critical.newton import TimedBlocks
from compute.critical.point import CriticalPoint
from compute.critical.roots import (
    Candidate,
    Row,
    describe_roots,
    gradient_residual,
    kkt_residual,
    merged,
    run_newton,
)
from compute.critical.sampling import continuation, sample_around
from compute.generators import mapped
from compute.geometry.grid import Window
from compute.objectives.modes import Modes
from compute.objectives.objective import Objective

T = TypeVar("T")


def _within(gen: Generator[float, None, T], lo: float, hi: float) -> Generator[float, None, T]:
    """Re-yield a fraction-yielding generator's fractions mapped into [lo, hi]."""
    return mapped(gen, lambda f: lo + (hi - lo) * f)


@np.errstate(all="ignore")
def _clusters(rows: list[Row], tol: Tolerances) -> list[list[int]]:
    """Indices of undecided rows, grouped per face by single linkage at 2h."""
    out: list[list[int]] = []
    faces = {id(r.cand.face): r.cand.face for r in rows}
    for key in faces:
        idx = [i for i, r in enumerate(rows) if r.kind is None and id(r.cand.face) == key]
        if not idx:
            continue
        labels = continua.link_clusters(
            np.stack([rows[i].cand.point for i in idx]), 2 * tol.spacing
        )
        out += [[idx[j] for j in np.flatnonzero(labels == lab)] for lab in np.unique(labels)]
    return out


@np.errstate(all="ignore")
def _width(rows: list[Row], members: list[int]) -> float:
    pts = np.stack([rows[i].cand.point for i in members])
    return continua.extent(pts) + max(rows[i].cand.uncertainty for i in members)


def _verify(
    objective: Objective,
    window: Window,
    rows: list[Row],
    wide: list[list[int]],
    tol: Tolerances,
    blocks: TimedBlocks,
) -> Generator[float, None, list[list[int]]]:
    """Split each wide cluster where a spanning-tree link does not run through critical points."""
    out: list[list[int]] = []
    for c, members in enumerate(wide):
        pts = np.stack([rows[i].cand.point for i in members])
        edges = continua.spanning_edges(pts)
        z = np.stack([rows[i].cand.z for i in members])
        mid = 0.5 * (z[edges[:, 0]] + z[edges[:, 1]])
        face = rows[members[0]].cand.face
        residual = (
            gradient_residual(objective) if face is None else kkt_residual(objective, face, tol)
        )
        lo, hi = c / len(wide), (c + 1) / len(wide)
        snapped, res, _, ok = yield from _within(
            run_newton(residual, objective.as_tensor(mid), window, tol, blocks), lo, (lo + hi) / 2
        )
        n = objective.dim
        length = np.linalg.norm(pts[edges[:, 0]] - pts[edges[:, 1]], axis=1)
        moved = np.linalg.norm(snapped[:, :n] - mid[:, :n], axis=1)
        keep = ok & (moved <= length / 4)
        if keep.any():
            cands = [
                Candidate(z[:n], z, z[n:], float(r), 0.0, face)
                for z, r in zip(snapped[keep], res[keep], strict=True)
            ]
            checked = yield from _within(
                describe_roots(objective, cands, tol, blocks), (lo + hi) / 2, hi
            )
            keep[np.flatnonzero(keep)] = [row.kind is None for row in checked]
        labels = continua.split_by_edges(len(members), edges, keep)
        out += [[members[j] for j in np.flatnonzero(labels == lab)] for lab in np.unique(labels)]
    return out


def _point(row: Row, kind: str, method: str, nature: str | None = None) -> CriticalPoint:
    c = row.cand
    return CriticalPoint(
        c.point,
        float(row.loss),
        row.grad_norm,
        row.eig,
        kind,
        c.face is not None,
        nature or kind,
        c.point[None, :],
        c.multipliers,
        row.tangent,
        row.vecs,
        method,
    )


@np.errstate(all="ignore")
def _continuum(rows: list[Row], members: list[int], tol: Tolerances) -> CriticalPoint:
    pts = np.stack([rows[i].cand.point for i in members])
    rep = rows[members[int(np.argmin(np.linalg.norm(pts - pts.mean(0), axis=1)))]]
    tol_eig = max(tol.eigenvalue(rows[i].cand.residual) for i in members)
    eig = np.stack([rows[i].eig for i in members])
    if rep.cand.face is None:
        nature = continua.continuum_nature(eig, tol_eig)
    else:
        mu = np.concatenate([rows[i].cand.multipliers for i in members])
        tangent = np.concatenate([rows[i].tangent for i in members])
        nature = continua.boundary_continuum_nature(mu, tangent, eig, tol.multiplier, tol_eig)
    point = _point(rep, "degenerate", "continuum", nature)
    return replace(point, grad_norm=max(rows[i].grad_norm for i in members), members=pts)


@np.errstate(all="ignore")
def _outside_blobs(
    rows: list[Row], decided: list[int], blobs: list[list[int]], tol: Tolerances
) -> list[int]:
    """Decided rows that do not lie inside a blob of the same face (those are the blob's
    point, found to within its scatter, and are reported once, with the blob)."""
    keep = []
    for i in decided:
        row = rows[i]
        inside = False
        for blob in blobs:
            if rows[blob[0]].cand.face is not row.cand.face:
                continue
            pts = np.stack([rows[j].cand.point for j in blob])
            gap = float(np.min(np.linalg.norm(pts - row.cand.point, axis=1)))
            inside |= gap <= _width(rows, blob) + row.cand.uncertainty + tol.same_point
        if not inside:
            keep.append(i)
    return keep


@np.errstate(all="ignore")
def _absorbed(points: list[CriticalPoint], tol: Tolerances) -> list[CriticalPoint]:
    """Drop boundary points with μ = 0 lying on an interior continuum (reported already)."""
    sets = [p.members for p in points if len(p.members) > 1 and not p.on_boundary]
    if not sets:
        return points
    members = np.concatenate(sets)
    return [
        p
        for p in points
        if not p.on_boundary
        or len(p.members) > 1
        or np.any(np.abs(p.multipliers) > tol.multiplier)
        or float(np.min(np.linalg.norm(members - p.point, axis=1))) > 2 * tol.spacing
    ]


def describe_all(
    objective: Objective,
    modes: Modes,
    window: Window,
    roots: list[Candidate],
    tol: Tolerances,
    blocks: TimedBlocks,
) -> Generator[float, None, list[CriticalPoint]]:
    """The critical points made of the accepted roots (see the module docstring)."""
    if not roots:
        return []
    rows = yield from _within(describe_roots(objective, merged(roots, tol), tol, blocks), 0, 0.3)
    limit = continua.BLOB * tol.spacing

    def is_wide(c: list[int]) -> bool:
        return len(c) > 1 and _width(rows, c) > limit

    clusters = _clusters(rows, tol)
    pieces = yield from _within(
        _verify(objective, window, rows, [c for c in clusters if is_wide(c)], tol, blocks), 0.3, 0.6
    )
    sets = [c for c in pieces if is_wide(c)]
    blobs = [c for c in clusters + pieces if not is_wide(c)]
    decided = _outside_blobs(rows, [i for i, r in enumerate(rows) if r.kind], blobs, tol)
    reps = [min(c, key=lambda i: rows[i].cand.residual) for c in blobs]
    rep_rows = [rows[i] for i in reps]
    widths = [_width(rows, c) for c in blobs]
    verdicts = yield from _within(
        sample_around(objective, modes, rep_rows, widths, tol, blocks), 0.6, 1
    )
    extra = continuation(objective, rep_rows, verdicts, tol)
    points = [_point(rows[i], str(rows[i].kind), rows[i].method) for i in decided]
    for row, verdict, more in zip(rep_rows, verdicts, extra, strict=True):
        if len(more):
            members = np.concatenate([row.cand.point[None], more])
            point = _point(row, "degenerate", "continuum", verdict.nature)
            points.append(replace(point, members=members))
        else:
            points.append(_point(row, verdict.kind or "degenerate", "sampling", verdict.nature))
    points += [_continuum(rows, c, tol) for c in sets]
    return _absorbed(points, tol)
