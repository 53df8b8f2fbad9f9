"""Extreme eigenpairs of a curvature operator: Lanczos (streamed) and scipy's ARPACK ``eigsh``.

Both return an ``EigenResult`` whose residuals ‖A v − λ v‖ are computed from real products.
``lanczos`` is the default: it yields its Ritz values every product (the GUI shows them
converge, closing the generator stops it) and it needed fewer products than ``eigsh`` at the
same accuracy on the trained digits network (see ``benchmarks/hessian_bench.py``): ARPACK
fills ncv = max(2k + 1, 20) vectors before it first tests convergence and then spends k more
products for honest residuals, while Lanczos tests after every product. Not taken from
pytorch-hessian-eigenthings either: its Lanczos defaults to 10 iterations and turns
reorthogonalisation off above 50 (then returning copies of λ_max marked converged), and its
residuals come from the recurrence rather than from products.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import scipy.sparse.linalg as sla
import torch

from compute.curvature.krylov import KrylovBasis, random_unit
from compute.curvature.operators import CurvatureOperator
from compute.errors import LandscapeError

DEFAULT_MAX_ITER = 300


@dataclass(frozen=True)
class RitzProgress:
    """Current estimates while an eigensolver runs (what a Spectrum panel draws live).

    top : (≤k,) descending; bottom : (≤k,) ascending; the residual estimates beside them.
    """

    phase: str
    iteration: int
    top: np.ndarray
    bottom: np.ndarray
    top_residuals: np.ndarray
    bottom_residuals: np.ndarray
    hvp_count: int


@dataclass(frozen=True, eq=False)
class EigenResult:
    """Extreme eigenpairs of a symmetric operator.

    Attributes
    ----------
    eigenvalues : (k,)
        The ``n_top`` largest, descending, then the smallest, ascending.
    eigenvectors : (n, k) tensor
        Unit columns in the same order.
    residuals : (k,)
        ‖A v − λ v‖ from actual products (not from the recurrence).
    converged : (k,) bool
        residual ≤ max(tol·|λ|, atol) (plus rounding of the products).
    n_top, hvp_count, iterations, method
    resolved : (k,) bool or None
        The bottom value is the i-th smallest eigenvalue to the stated accuracy: its residual
        meets the relative tolerance tol·|λ|. A residual within an absolute tolerance only
        (``atol``, the default near 0) says λ lies within atol of *some* eigenvalue: where
        thousands crowd within atol of 0 (the bottom of a trained network) it may be any of
        them and is far from the i-th smallest; such a value is *not resolved*, and never
        reported as converged. Top values converge from the outside of a sparse end and are
        resolved when converged. A Krylov space with no Ritz value beyond those asked for
        cannot tell the ends apart: its bottom values are not resolved. None: as
        ``converged`` (dense and exact methods).
    """

    eigenvalues: np.ndarray
    eigenvectors: torch.Tensor
    residuals: np.ndarray
    converged: np.ndarray
    n_top: int
    hvp_count: int
    iterations: int
    method: str
    resolved: np.ndarray | None = None

    @property
    def is_resolved(self) -> np.ndarray:
        """(k,) bool: ``resolved`` where known, else ``converged``."""
        return self.converged if self.resolved is None else self.resolved & self.converged

    @property
    def top(self) -> np.ndarray:
        return self.eigenvalues[: self.n_top]

    @property
    def bottom(self) -> np.ndarray:
        return self.eigenvalues[self.n_top :]

    @property
    def top_residuals(self) -> np.ndarray:
        return self.residuals[: self.n_top]

    @property
    def bottom_residuals(self) -> np.ndarray:
        return self.residuals[self.n_top :]

    @property
    def all_converged(self) -> bool:
        """Every value converged and resolved (see ``resolved``)."""
        return bool(np.all(self.is_resolved))


def wanted(m: int, top: int, bottom: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the top (descending) and bottom (ascending) of m ascending values."""
    k_top = min(top, m)
    k_bottom = min(bottom, m - k_top)
    return np.arange(m - 1, m - 1 - k_top, -1), np.arange(k_bottom)


def check_counts(op: CurvatureOperator, top: int, bottom: int) -> None:
    if top < 0 or bottom < 0 or top + bottom == 0:
        raise LandscapeError("ask for at least one eigenvalue (top ≥ 1 or bottom ≥ 1)")
    if op.size == 0:
        raise LandscapeError("the operator is empty (no parameters selected)")


def _threshold(values: np.ndarray, tol: float, atol: float) -> np.ndarray:
    return np.maximum(tol * np.abs(values), atol)


def lanczos(
    op: CurvatureOperator,
    top: int = 5,
    bottom: int = 0,
    tol: float = 1e-6,
    atol: float = 0.0,
    max_iter: int | None = None,
    seed: int = 0,
    start: torch.Tensor | None = None,
    verify: bool = False,
) -> Generator[RitzProgress, None, EigenResult]:
    """Top-k / bottom-k eigenpairs by Lanczos with full reorthogonalisation.

    Parameters
    ----------
    op
        Symmetric A (n × n).
    top, bottom
        How many of the largest / smallest eigenvalues.
    tol, atol
        Stop once every wanted Ritz pair has its residual estimate |β_m s_{m,i}| (plus dropped
        couplings) ≤ max(tol·|θ_i|, atol). The eigenvalue error is then ≤ residual and, away
        from other eigenvalues, ≤ residual² / gap.
    max_iter
        At most this many products (default min(n, 300)); m = n is exact.
    seed, start
        The start vector: ``start`` or a Gaussian one from ``seed``.
    verify
        Once converged, restart from a random vector orthogonal to the basis and iterate to
        convergence again: this finds further copies of a repeated eigenvalue, which a single
        Krylov sequence cannot see (it holds one vector per eigenspace).

    Yields a ``RitzProgress`` after every product; returns an ``EigenResult`` from a final
    Rayleigh–Ritz step on the exact projection Qᵀ(AQ) with residuals from stored products.
    """
    # Long by design: Lanczos with full reorthogonalisation and its stopping test are one loop over
    # one Krylov basis.
    check_counts(op, top, bottom)
    gen = torch.Generator().manual_seed(seed)
    cap = min(op.size, DEFAULT_MAX_ITER if max_iter is None else max(1, max_iter))
    v0 = random_unit(op, gen) if start is None else start.to(op.device, op.dtype)
    basis = KrylovBasis(op, cap, v0)
    count0 = op.hvp_count
    restarted_at = 0  # with verify: the step where the checking Krylov sequence began
    while True:
        basis.step()
        values, _, estimates = basis.ritz()
        i_top, i_bottom = wanted(basis.m, top, bottom)
        chosen = np.concatenate([i_top, i_bottom])
        done = bool(np.all(estimates[chosen] <= _threshold(values[chosen], tol, atol)))
        if done and restarted_at:  # the new sequence's own extremes must have settled too
            new_values, _, new_estimates = basis.ritz(restarted_at)
            ends = [i for i, k in ((-1, top), (0, bottom)) if k]
            done = bool(np.all(new_estimates[ends] <= _threshold(new_values[ends], tol, atol)))
        yield RitzProgress(
            "lanczos",
            basis.m,
            values[i_top],
            values[i_bottom],
            estimates[i_top],
            estimates[i_bottom],
            op.hvp_count - count0,
        )
        if basis.full:
            break
        if done and verify and not restarted_at:
            restarted_at = basis.m
            basis.restart(gen)
            continue
        if done:
            break
        basis.advance(gen)
    return _finish(basis, top, bottom, tol, atol, op.hvp_count - count0, "lanczos")


def _finish(
    basis: KrylovBasis, top: int, bottom: int, tol: float, atol: float, count: int, method: str
) -> EigenResult:
    i_top, i_bottom = wanted(basis.m, top, bottom)
    chosen = np.concatenate([i_top, i_bottom])
    values, vectors, residuals = basis.rayleigh_ritz(chosen)
    lam = values[chosen]
    rounding = 10 * torch.finfo(basis.op.dtype).eps * np.sqrt(basis.m) * np.abs(values).max()
    converged = residuals <= _threshold(lam, tol, atol) + rounding
    exact = basis.m == basis.op.size
    if exact:  # the whole space: Rayleigh–Ritz is exact
        converged = residuals <= np.maximum(_threshold(lam, tol, atol), 1e3 * rounding)
    resolved = np.ones(len(lam), dtype=bool)
    if not exact:  # the bottom end: pinned relative to itself, not just within atol
        low = slice(len(i_top), None)
        resolved[low] = residuals[low] <= tol * np.abs(lam[low]) + rounding
        if basis.m <= len(chosen):  # no Ritz value between the ends: a bottom one may be a top
            resolved[low] = False
    return EigenResult(
        lam, vectors, residuals, converged, len(i_top), count, basis.m, method, resolved
    )


def eigsh(
    op: CurvatureOperator,
    top: int = 5,
    bottom: int = 0,
    tol: float = 1e-6,
    seed: int = 0,
    ncv: int | None = None,
) -> Generator[RitzProgress, None, EigenResult]:
    """The same pairs from ``scipy.sparse.linalg.eigsh`` (ARPACK, implicitly restarted).

    One ``which="LA"`` and one ``"SA"`` call over a ``LinearOperator`` of the products; ARPACK
    stops at ‖r_i‖ ≤ tol·|θ_i|. It cannot be interrupted inside a call: this generator yields
    only between the calls. Residuals cost one extra product per pair (counted).
    """
    check_counts(op, top, bottom)
    n = op.size
    if top + bottom >= n - 1:
        raise LandscapeError(f"eigsh needs top + bottom < n − 1 = {n - 1}; use method dense")
    count0 = op.hvp_count
    rng = np.random.default_rng(seed)

    def mv(x: np.ndarray) -> np.ndarray:
        v = torch.as_tensor(np.ascontiguousarray(x).ravel(), device=op.device).to(op.dtype)
        return op.matvec(v).double().cpu().numpy()

    lin = sla.LinearOperator((n, n), matvec=mv, dtype=np.float64)
    values, vectors = [], []
    for which, k in (("LA", top), ("SA", bottom)):
        if k == 0:
            continue
        empty = np.empty(0)
        yield RitzProgress(f"eigsh {which}", 0, empty, empty, empty, empty, op.hvp_count - count0)
        w, v = sla.eigsh(lin, k=k, which=which, tol=tol, ncv=ncv, v0=rng.standard_normal(n))
        order = np.argsort(w)[::-1] if which == "LA" else np.argsort(w)
        values.append(w[order])
        vectors.append(v[:, order])
    lam = np.concatenate(values)
    vecs = torch.as_tensor(np.concatenate(vectors, axis=1), device=op.device).to(op.dtype)
    av = op.matmat(vecs).double()
    residuals = torch.linalg.vector_norm(av - vecs.double() * torch.as_tensor(lam).to(av), dim=0)
    res = residuals.cpu().numpy()
    rounding = 10 * torch.finfo(op.dtype).eps * np.abs(lam).max()
    converged = res <= tol * np.abs(lam) + rounding
    count = op.hvp_count - count0
    return EigenResult(lam, vecs, res, converged, min(top, n), count, count, "eigsh")
