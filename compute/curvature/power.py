"""Deflated power iteration with PyHessian's stopping rule: the baseline ``method="power"``.

PyHessian (Yao et al. 2020, ``pyhessian/hessian.py``, ``hessian.eigenvalues``) finds each
eigenvalue by power iteration from a fresh Gaussian vector, orthonormalising against the
eigenvectors found so far before every product, and stops when the Rayleigh quotient changes
by less than ``tol`` relative: |λ_old − λ_new| / (|λ_old| + 1e-6) < tol (tol = 1e-3,
maxIter = 100 per eigenvalue). Re-implemented faithfully here (not imported: PyHessian works on
``nn.Module`` parameters and data loaders, not on an operator). Power iteration converges to the
largest-|λ| end; the bottom end is the top end of −(A − σI), with σ the largest eigenvalue.
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np
import torch

from compute.curvature.lanczos import EigenResult, RitzProgress, check_counts
from compute.curvature.operators import CurvatureOperator

PYHESSIAN_TOL = 1e-3
PYHESSIAN_MAX_ITER = 100

Side = tuple[list[float], list[torch.Tensor], list[float], list[bool]]


def _power_side(
    op: CurvatureOperator,
    k: int,
    sign: float,
    shift: float,
    tol: float,
    max_iter: int,
    gen: torch.Generator,
    phase: str,
    count0: int,
) -> Generator[RitzProgress, None, Side]:
    """k dominant eigenpairs of B = sign·(A − shift·I), reported as eigenvalues of A.

    For each pair the vector kept is the last iterate v (unit, orthogonalised) whose Rayleigh
    quotient λ = vᵀBv stopped the iteration; its residual ‖Bv − λv‖ uses that same product.
    (PyHessian keeps normalise(Bv) instead, whose residual would need one more product.)
    """
    values: list[float] = []
    vectors: list[torch.Tensor] = []
    residuals: list[float] = []
    flags: list[bool] = []
    for _ in range(min(k, op.size)):
        v = torch.randn(op.size, generator=gen, dtype=torch.float64).to(op.device, op.dtype)
        v = v / torch.linalg.vector_norm(v)
        eigenvalue: float | None = None
        stopped = False
        for _ in range(max_iter):
            for u in vectors:  # PyHessian's orthnormal(v, eigenvectors)
                v = v - torch.dot(u, v) * u
            v = v / torch.linalg.vector_norm(v)
            bv = sign * (op.matvec(v) - shift * v)
            current = float(torch.dot(bv, v))
            residual = float(torch.linalg.vector_norm(bv - current * v))
            kept = v
            v = bv / torch.linalg.vector_norm(bv)
            found = [sign * x + shift for x in [*values, current]]
            empty = np.empty(0)
            top, bottom = (np.array(found), empty) if sign > 0 else (empty, np.array(found))
            yield RitzProgress(phase, len(values), top, bottom, empty, empty, op.hvp_count - count0)
            if (
                eigenvalue is not None
                and abs(eigenvalue - current) / (abs(eigenvalue) + 1e-6) < tol
            ):
                eigenvalue, stopped = current, True
                break
            eigenvalue = current
        assert eigenvalue is not None
        values.append(eigenvalue)
        vectors.append(kept)
        residuals.append(residual)
        flags.append(stopped)
    return [sign * x + shift for x in values], vectors, residuals, flags


def power_iteration(
    op: CurvatureOperator,
    top: int = 5,
    bottom: int = 0,
    tol: float = PYHESSIAN_TOL,
    max_iter: int = PYHESSIAN_MAX_ITER,
    seed: int = 0,
) -> Generator[RitzProgress, None, EigenResult]:
    """Top-k (and bottom-k) eigenpairs by deflated power iteration, PyHessian's rule.

    ``converged`` per value means the relative-change rule fired before ``max_iter``; the
    residuals say how good that really is (the rule often stops far from an eigenpair).
    """
    check_counts(op, top, bottom)
    gen = torch.Generator().manual_seed(seed)
    count0 = op.hvp_count
    values: list[float] = []
    vectors: list[torch.Tensor] = []
    residuals: list[float] = []
    flags: list[bool] = []
    n_top = min(top, op.size)
    if n_top:
        side = yield from _power_side(op, n_top, 1.0, 0.0, tol, max_iter, gen, "power top", count0)
        values, vectors, residuals, flags = side
    if bottom:
        sigma = values[0] if values else 0.0
        if not values:  # the largest eigenvalue first, as the shift that makes A − σI ⪯ 0
            shift_side = yield from _power_side(
                op, 1, 1.0, 0.0, tol, max_iter, gen, "power shift", count0
            )
            sigma = shift_side[0][0]
        k = min(bottom, op.size - n_top)
        side = yield from _power_side(
            op, k, -1.0, sigma, tol, max_iter, gen, "power bottom", count0
        )
        values, vectors = values + side[0], vectors + side[1]
        residuals, flags = residuals + side[2], flags + side[3]
    return EigenResult(
        np.array(values),
        torch.stack(vectors, dim=1),
        np.array(residuals),
        np.array(flags, dtype=bool),
        n_top,
        op.hvp_count - count0,
        op.hvp_count - count0,
        "power",
    )
