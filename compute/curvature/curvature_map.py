"""Curvature over a slice: λ_min, λ_max of the full-space Hessian at every grid point.

Li et al. (2018) colour a slice by |λ_min / λ_max|. Each grid point θ(a, b) = θ₀ + a·d₁ + b·d₂
is its own n × n eigenproblem; they are solved together, a chunk of P points at a time, by one
Lanczos iteration batched over the points (``batched_extremes``):

- products for all P points come from one reverse-over-reverse pass of the *batched* loss:
  with G(Θ) = ∇_Θ Σ_p F(Θ_p) (P, n), the vjp of G at Θ maps V (P, n) to (H_p V_p)_p, because
  the points do not interact (the Hessian of Σ_p F(Θ_p) is block diagonal);
- reorthogonalisation and the small tridiagonal eigenproblems are batched tensor operations
  (``einsum``, batched ``eigh``), so Python runs once per Lanczos step, not once per point.

Points are visited coarse to fine (every 4th row and column first, then every 2nd, then the
rest: ``compute.geometry.refinement``), so a map appears early and sharpens. Each chunk is one
task of the grid executor seam (``solve_cells``), so a cluster solves a level's chunks at once.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, replace

import numpy as np
import torch
from torch.func import grad

from compute.curvature.operators import linearize
from compute.errors import LandscapeError
from compute.geometry.executors import as_grid_executor, stream_tasks
from compute.geometry.refinement import coarse_to_fine, coarser_cell

BatchedLoss = Callable[[torch.Tensor], torch.Tensor]
DEFAULT_MAX_ITER = 80


@dataclass(frozen=True, eq=False)
class Extremes:
    """Extreme eigenvalues of P Hessians: lam_min, lam_max, residual estimates of each (P,),
    converged (P,) bool, iterations (Lanczos steps = products per point), and the Ritz
    vectors (P, 2, n) of λ_min and λ_max (unit; warm starts for neighbouring points)."""

    lam_min: np.ndarray
    lam_max: np.ndarray
    res_min: np.ndarray
    res_max: np.ndarray
    converged: np.ndarray
    iterations: int
    vectors: torch.Tensor | None = None


def batched_extremes(
    loss: BatchedLoss,
    points: torch.Tensor,
    tol: float = 1e-4,
    max_iter: int | None = None,
    seed: int = 0,
    start: torch.Tensor | None = None,
    check_every: int = 3,
) -> Extremes:
    """λ_min and λ_max of ∇²F at each of ``points`` (P, n) by batched Lanczos.

    A point has converged when both extreme Ritz pairs have residual estimates
    |β_m s_{m,i}| ≤ tol · max(|θ_min|, |θ_max|) (relative to the spectral radius, since
    λ_min of a map is often near zero); the iteration stops when all P have, or at
    ``max_iter`` (default min(n, 80); with m = n every pair is exact). The basis takes
    P · max_iter · n floats. ``start`` (P, n) are start vectors
    (default Gaussian); from u_min + u_max of a nearby point Lanczos needs far fewer steps.
    Convergence is tested every ``check_every`` steps (a batched eigh costs more than a
    batched product here).
    """
    # Long by design: one batched Lanczos iteration over many points; splitting it would pass its
    # per-point state around.
    pts = points.detach()
    p_count, n = pts.shape
    cap = min(n, DEFAULT_MAX_ITER if max_iter is None else max(1, max_iter))

    def total(theta: torch.Tensor) -> torch.Tensor:
        return loss(theta).sum()

    _, hvp = linearize(grad(total), pts)
    gen = torch.Generator().manual_seed(seed)
    q = torch.empty(p_count, cap, n, dtype=pts.dtype, device=pts.device)
    v = torch.randn(p_count, n, generator=gen, dtype=torch.float64).to(pts)
    if start is not None:
        v = start.to(pts) + 1e-3 * v / np.sqrt(n)
    v = v / torch.linalg.vector_norm(v, dim=1, keepdim=True)
    alpha = torch.zeros(p_count, cap, dtype=torch.float64)
    beta = torch.zeros(p_count, cap, dtype=torch.float64)
    for j in range(cap):
        q[:, j] = v
        w = hvp(v)
        basis = q[:, : j + 1]
        h = torch.einsum("pmn,pn->pm", basis, w)
        w = w - torch.einsum("pm,pmn->pn", h, basis)
        h2 = torch.einsum("pmn,pn->pm", basis, w)
        w = w - torch.einsum("pm,pmn->pn", h2, basis)
        alpha[:, j] = (h[:, j] + h2[:, j]).double().cpu()
        b = torch.linalg.vector_norm(w, dim=1)
        beta[:, j] = b.double().cpu()
        if j + 1 == cap or (j + 1) % check_every == 0:
            out, s_ext = _ritz_extremes(alpha[:, : j + 1], beta[:, : j + 1], tol, j + 1)
            if bool(out.converged.all()) or j + 1 == cap:
                vectors = torch.einsum("pmk,pmn->pkn", s_ext.to(pts), q[:, : j + 1])
                return replace(out, vectors=vectors)
        tiny = 100 * torch.finfo(pts.dtype).eps * (alpha[:, : j + 1].abs().amax(1) + 1e-300)
        broken = (b.double().cpu() <= tiny).nonzero().ravel().tolist()
        v = w / b.clamp_min(1e-300)[:, None]
        for i in broken:  # an invariant subspace: continue from a fresh orthogonal vector
            beta[i, j] = 0.0
            fresh = torch.randn(n, generator=gen, dtype=torch.float64).to(pts)
            for _ in range(2):
                fresh = fresh - basis[i].T @ (basis[i] @ fresh)
            v[i] = fresh / torch.linalg.vector_norm(fresh)
    raise AssertionError("unreachable: the last step always returns")


def _ritz_extremes(
    alpha: torch.Tensor, beta: torch.Tensor, tol: float, m: int
) -> tuple[Extremes, torch.Tensor]:
    """Extreme Ritz values of the P tridiagonal T_m (batched eigh), their residuals, and the
    two extreme eigenvectors of each T_m (P, m, 2)."""
    t = torch.diag_embed(alpha)
    if m > 1:
        off = beta[:, : m - 1]
        t = t + torch.diag_embed(off, 1) + torch.diag_embed(off, -1)
    values, vectors = torch.linalg.eigh(t)
    last = beta[:, m - 1]
    res_min = (last * vectors[:, -1, 0]).abs()
    res_max = (last * vectors[:, -1, -1]).abs()
    lo, hi = values[:, 0], values[:, -1]
    scale = torch.maximum(lo.abs(), hi.abs())
    converged = (res_min <= tol * scale) & (res_max <= tol * scale)
    ext = Extremes(lo.numpy(), hi.numpy(), res_min.numpy(), res_max.numpy(), converged.numpy(), m)
    return ext, vectors[:, :, [0, -1]]


@dataclass(frozen=True)
class CurvatureCells:
    """Finished grid cells: row indices ib (P,), column indices ia (P,), their λ_min, λ_max
    (P,), how many of the ``total`` cells are done, and the grid's ``shape`` (nb, na)."""

    ib: np.ndarray
    ia: np.ndarray
    lam_min: np.ndarray
    lam_max: np.ndarray
    done: int
    total: int
    shape: tuple[int, int]


@dataclass(frozen=True)
class CurvatureMap:
    """λ_min, λ_max (nb, na) of the full-space Hessian over the grid ``b`` (nb,) × ``a`` (na,).

    ``ratio`` = |λ_min / λ_max| (Li et al. 2018; NaN where λ_max = 0); ``residuals`` (2, nb,
    na) the Lanczos residual estimates of λ_min and λ_max; ``converged`` (nb, na);
    ``hvp_count`` products over all points.
    """

    a: np.ndarray
    b: np.ndarray
    lam_min: np.ndarray
    lam_max: np.ndarray
    residuals: np.ndarray
    converged: np.ndarray
    hvp_count: int

    @property
    def ratio(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.abs(self.lam_min / np.where(self.lam_max == 0, np.nan, self.lam_max))


WARM_START_BYTES = 1 << 28


@dataclass(frozen=True, eq=False)
class CurvatureWork:
    """What every chunk of one curvature map shares (shipped once to a cluster): the batched
    loss, the plane θ₀ + a·d₁ + b·d₂, the Lanczos settings, and whether the Ritz vectors
    come back (warm starts of the next level)."""

    loss: BatchedLoss
    origin: torch.Tensor
    d1: torch.Tensor
    d2: torch.Tensor
    tol: float
    max_iter: int | None
    keep_vectors: bool


@dataclass(frozen=True, eq=False)
class CurvatureTask:
    """One chunk: cells (ib, ia) at coordinates (a, b), start vectors (P, n) or None, seed."""

    ib: np.ndarray
    ia: np.ndarray
    a: np.ndarray
    b: np.ndarray
    start: torch.Tensor | None
    seed: int


def solve_cells(work: CurvatureWork, task: CurvatureTask) -> Extremes:
    """λ_min, λ_max of the Hessians at one chunk's points (a task, wherever it runs)."""
    ca = torch.as_tensor(task.a).to(work.origin)[:, None]
    cb = torch.as_tensor(task.b).to(work.origin)[:, None]
    points = work.origin + ca * work.d1 + cb * work.d2
    ext = batched_extremes(work.loss, points, work.tol, work.max_iter, task.seed, task.start)
    return ext if work.keep_vectors else replace(ext, vectors=None)


def curvature_map(
    loss: BatchedLoss,
    origin: torch.Tensor,
    d1: torch.Tensor,
    d2: torch.Tensor,
    window: tuple[float, float, float, float] = (-1.0, 1.0, -1.0, 1.0),
    shape: tuple[int, int] = (21, 21),
    tol: float = 1e-4,
    chunk: int | None = None,
    max_iter: int | None = None,
    seed: int = 0,
    warm: bool = True,
    axes: tuple[np.ndarray, np.ndarray] | None = None,
    executor: object | None = None,
) -> Generator[CurvatureCells, None, CurvatureMap]:
    """λ_min, λ_max of ∇²F at θ₀ + a·d₁ + b·d₂ over an (nb, na) = ``shape`` grid.

    Parameters
    ----------
    loss
        A batched loss ``F(θ[..., n]) -> [...]`` (a network's: ``Objective.loss``).
    origin, d1, d2 : (n,)
        The plane (e.g. ``compute.geometry.planes.random_plane(...)``'s origin, d1, d2).
    window, shape
        (amin, amax, bmin, bmax) and (nb, na): a spans columns, b rows, evenly.
    axes
        Explicit (a (na,), b (nb,)) coordinates instead of ``window`` and ``shape``.
    chunk
        Points per batched solve (default 64; a network's ``Objective.chunk_points``).
    warm
        Start each finer-level cell from u_min + u_max of its nearest coarser cell (skipped
        when keeping those vectors would take more than 256 MiB).
    tol, max_iter, seed
        As ``batched_extremes``.
    executor
        Where the chunks are solved (``compute.geometry.executors``; None: this process, or
        the window's cluster). Each level's chunks run in parallel there; a level starts when
        the one before is complete (its vectors are the next one's warm starts). The chunks,
        their seeds and their start vectors do not depend on where they run, so neither do
        the values.

    Yields ``CurvatureCells`` after each chunk (coarse to fine); returns the ``CurvatureMap``.
    """
    # Long by design: one coarse-to-fine loop with warm starts from the parent cells; the loop owns
    # the grid state it yields.
    if axes is not None:
        a, b = (np.asarray(x, dtype=np.float64).ravel() for x in axes)
        shape = (len(b), len(a))
    else:
        a = np.linspace(window[0], window[1], shape[1])
        b = np.linspace(window[2], window[3], shape[0])
    nb, na = shape
    if nb < 1 or na < 1:
        raise LandscapeError(f"a curvature map needs a grid of at least 1×1, got {nb}×{na}")
    step = chunk or 64
    n = origin.shape[-1]
    warm = warm and nb * na * 2 * n * origin.element_size() <= WARM_START_BYTES
    vectors = torch.zeros(nb, na, 2, n, dtype=origin.dtype, device=origin.device) if warm else None
    lam_min, lam_max = np.full((nb, na), np.nan), np.full((nb, na), np.nan)
    residuals = np.full((2, nb, na), np.nan)
    converged = np.zeros((nb, na), dtype=bool)
    work = CurvatureWork(loss, origin, d1, d2, tol, max_iter, warm)
    runner = as_grid_executor(executor)
    products = done = 0
    for lev, cells in enumerate(coarse_to_fine((nb, na))):
        ib_all, ia_all = np.divmod(cells, na)
        tasks, offset = [], done
        for start in range(0, len(cells), step):  # seeds by position: the same on any executor
            ib, ia = ib_all[start : start + step], ia_all[start : start + step]
            v0 = None
            if vectors is not None and lev > 0:
                pb, pa = coarser_cell(np.stack([ib, ia], axis=1), lev).T
                v0 = vectors[pb, pa].sum(1)
            tasks.append(CurvatureTask(ib, ia, a[ia], b[ib], v0, seed + offset + start))
        for out in stream_tasks(runner, solve_cells, work, tasks):
            if out is None:  # waiting on a cluster: nothing new to show
                continue
            task, ext = tasks[out[0]], out[1]
            ib, ia = task.ib, task.ia
            if vectors is not None and ext.vectors is not None:
                vectors[ib, ia] = ext.vectors.to(vectors)
            lam_min[ib, ia], lam_max[ib, ia] = ext.lam_min, ext.lam_max
            residuals[0, ib, ia], residuals[1, ib, ia] = ext.res_min, ext.res_max
            converged[ib, ia] = ext.converged
            products += ext.iterations * len(ib)
            done += len(ib)
            yield CurvatureCells(ib, ia, ext.lam_min, ext.lam_max, done, nb * na, (nb, na))
    return CurvatureMap(a, b, lam_min, lam_max, residuals, converged, products)
