"""Stochastic trace estimates with error bars: Hutchinson and Hutch++ (Meyer et al. 2021).

Written here rather than taken from a library: curvlinops (``hutchpp_trace``) returns a bare
estimate without an error bar and pulls in backpack, einops and linear_operator;
hessian-eigenthings (1.0.0a5, an alpha) has the same Hutch++ split with a standard error but
its own operator class and backend layer. Both are ~40 lines of arithmetic over products,
which this module writes against ``CurvatureOperator`` (no new dependency).

Error bar: the exact part tr(QᵀAQ) has no variance given Q, so the standard error is that of
the residual Hutchinson mean, ``stderr = s / √l`` with s the sample standard deviation of the
l residual samples gᵢᵀ P A P gᵢ, P = I − QQᵀ (Hutchinson alone: Q = ∅, P = I). For
Rademacher g, Var(gᵀ B g) = 2 Σ_{i≠j} B_ij²: Hutch++ shrinks it by removing the large
eigenvalues from B = PAP. ``estimate ± 2·stderr`` is a ~95 % interval.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import torch

from compute.curvature.krylov import KrylovBasis, random_unit
from compute.curvature.operators import CurvatureOperator
from compute.errors import LandscapeError

SKETCHES = ("krylov", "random")


@dataclass(frozen=True)
class TraceProgress:
    phase: str
    hvp_count: int
    estimate: float  # NaN until residual samples exist


@dataclass(frozen=True)
class TraceResult:
    """tr(A) ≈ ``estimate`` with standard error ``stderr`` from ``hvp_count`` products.

    samples : (l,) the residual Hutchinson samples; exact_part : tr(QᵀAQ) (0 for Hutchinson).
    """

    estimate: float
    stderr: float
    hvp_count: int
    method: str
    exact_part: float
    samples: np.ndarray

    def interval(self, z: float = 2.0) -> tuple[float, float]:
        """``estimate ∓ z·stderr``."""
        return self.estimate - z * self.stderr, self.estimate + z * self.stderr

    def to_json(self) -> dict[str, float | int]:
        return {"estimate": self.estimate, "stderr": self.stderr, "hvp_count": self.hvp_count}


def _rademacher(op: CurvatureOperator, gen: torch.Generator, count: int) -> torch.Tensor:
    """(count, n) of ±1."""
    bits = torch.randint(0, 2, (count, op.size), generator=gen)
    return (2 * bits - 1).to(op.device, op.dtype)


def _residual_samples(
    op: CurvatureOperator, q: torch.Tensor, gen: torch.Generator, count: int, chunk: int = 16
) -> Generator[TraceProgress, None, np.ndarray]:
    """gᵢᵀ P A P gᵢ for ``count`` Rademacher gᵢ, P = I − QᵀQ for orthonormal rows Q (k, n)."""
    out: list[float] = []
    for start in range(0, count, chunk):
        g = _rademacher(op, gen, min(chunk, count - start)).T  # (n, c)
        if len(q):
            g = g - q.T @ (q @ g)
        ag = op.matmat(g)
        out += (g.double() * ag.double()).sum(0).cpu().tolist()
        yield TraceProgress("hutchinson", op.hvp_count, float(np.mean(out)))
    return np.array(out)


def _result(exact: float, samples: np.ndarray, count: int, method: str) -> TraceResult:
    stderr = float(np.std(samples, ddof=1) / np.sqrt(len(samples))) if len(samples) > 1 else np.nan
    return TraceResult(exact + float(np.mean(samples)), stderr, count, method, exact, samples)


def hutchinson(
    op: CurvatureOperator, products: int = 60, seed: int = 0
) -> Generator[TraceProgress, None, TraceResult]:
    """tr(A) ≈ (1/m) Σᵢ gᵢᵀ A gᵢ with m = ``products`` Rademacher vectors gᵢ."""
    if products < 2:
        raise LandscapeError("a trace estimate needs at least 2 products (for its error bar)")
    count0 = op.hvp_count
    gen = torch.Generator().manual_seed(seed)
    empty = torch.empty(0, op.size, dtype=op.dtype, device=op.device)
    samples = yield from _residual_samples(op, empty, gen, products)
    return _result(0.0, samples, op.hvp_count - count0, "hutchinson")


def hutchpp(
    op: CurvatureOperator,
    products: int = 60,
    seed: int = 0,
    sketch: str = "krylov",
    sketch_products: int | None = None,
) -> Generator[TraceProgress, None, TraceResult]:
    """Hutch++: tr(A) = tr(QᵀAQ) + tr(PAP), the first exact, the second by Hutchinson.

    Parameters
    ----------
    products
        m, the total budget of products.
    sketch
        How Q (k orthonormal columns) is found. ``"random"``: Meyer et al.'s Hutch++, Q =
        orth(A S) for a Rademacher S (n, k), then k more products for AQ, and m − 2k residual
        samples (k = m/3). ``"krylov"`` (default): Q = the Lanczos basis of k steps from a
        random start, whose products A Q are already stored, so tr(QᵀAQ) = Σ_j q_jᵀ(A q_j)
        costs nothing more and m − k products remain for the residual (k = m/2); the Krylov
        space also captures the top eigenvectors better than one sketch A S (Chen & Hallman
        2023, "Krylov-aware stochastic trace estimation"). Q is drawn independently of the
        residual vectors, so both variants are unbiased.
    sketch_products
        k, overriding the defaults above.
    """
    if sketch not in SKETCHES:
        raise LandscapeError(f"sketch must be one of {', '.join(SKETCHES)}, got {sketch!r}")
    default = products // 2 if sketch == "krylov" else products // 3
    k = min(default if sketch_products is None else sketch_products, op.size - 1)
    cost = k if sketch == "krylov" else 2 * k
    if k < 1 or products - cost < 2:
        raise LandscapeError(f"Hutch++ needs more products than {products} (at least 6)")
    count0 = op.hvp_count
    gen = torch.Generator().manual_seed(seed)
    if sketch == "krylov":
        basis = KrylovBasis(op, k, random_unit(op, gen))
        while not basis.full:
            basis.step()
            if not basis.full:
                basis.advance(gen)
            yield TraceProgress("hutch++ sketch", op.hvp_count, float("nan"))
        q = basis.q[: basis.m]
        exact = float((q.double() * basis.w[: basis.m].double()).sum())
    else:
        a_s = op.matmat(_rademacher(op, gen, k).T)
        yield TraceProgress("hutch++ sketch", op.hvp_count, float("nan"))
        q = torch.linalg.qr(a_s.double())[0].T.to(op.dtype)
        exact = float((q.double() * op.matmat(q.T).T.double()).sum())
    samples = yield from _residual_samples(op, q, gen, products - (op.hvp_count - count0))
    return _result(exact, samples, op.hvp_count - count0, f"hutch++ ({sketch})")
