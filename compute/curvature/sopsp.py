"""Seed 001, Definition 1: is a point an ε-second-order partial stationary point (ε-SOPSP)?

For the residual predictor F(w, V, θ) (Shamir 2018), with F_θ(w, V) the loss as a function of
the output layer w and the residual weights V (θ = (U, c) fixed), a point is an ε-SOPSP on an
open set M where ∇²F_θ(w, V) is μ₂-Lipschitz if

    ‖∇F_θ(w, V)‖ ≤ ε   and   λ_min(∇²F_θ(w, V)) ≥ −√(μ₂ ε).

The seed leaves μ₂ as a constant of the problem on M. ``estimate_mu2`` measures it on a ball
M = {‖(w, V) − (w₀, V₀)‖ < r}: μ₂ ≥ ‖∇²F_θ(x + δ) − ∇²F_θ(x)‖₂ / ‖δ‖ for every δ, so the
largest such ratio over random directions δ with ‖δ‖ = r is a lower estimate of the Lipschitz
constant on M (the spectral norm of each difference by dense LAPACK on the block). Pass
``mu2`` to use a known constant instead.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import torch
from torch.func import grad

from compute.curvature.dense import dense_matrix
from compute.curvature.lanczos import EigenResult, RitzProgress, lanczos
from compute.curvature.operators import block_indices
from compute.curvature.problems import network_curvature
from compute.errors import LandscapeError
from compute.generators import mapped
from compute.networks.sliced import SlicedProblem

MAX_DENSE_BLOCK = 2000


@dataclass(frozen=True)
class SopspReport:
    """The two conditions of Definition 1 at one point.

    Attributes
    ----------
    grad_norm : ‖∇_{(w,V)} F‖
    lambda_min : λ_min of the (w, V) block Hessian, with its Lanczos ``residual``
    eps, mu2 : ε and μ₂ (``mu2_estimated``: measured by ``estimate_mu2``, else given)
    threshold : −√(μ₂ ε), the bound λ_min must reach
    blocks : the block names of (w, V) (``("w", "v")`` for the skip variant)
    """

    grad_norm: float
    lambda_min: float
    residual: float
    eps: float
    mu2: float
    mu2_estimated: bool
    threshold: float
    blocks: tuple[str, ...]

    @property
    def gradient_ok(self) -> bool:
        return self.grad_norm <= self.eps

    @property
    def curvature_ok(self) -> bool:
        return self.lambda_min >= self.threshold

    @property
    def is_sopsp(self) -> bool:
        return self.gradient_ok and self.curvature_ok

    def to_json(self) -> dict[str, object]:
        return {
            "grad_norm": self.grad_norm,
            "lambda_min": self.lambda_min,
            "residual": self.residual,
            "eps": self.eps,
            "mu2": self.mu2,
            "mu2_estimated": self.mu2_estimated,
            "threshold": self.threshold,
            "blocks": list(self.blocks),
            "is_sopsp": self.is_sopsp,
        }


def default_blocks(problem: SlicedProblem) -> tuple[str, ...]:
    """The blocks the problem declares for the test (``sopsp_blocks``: (w, V) of the residual
    predictor, (w, v) of its skip variant)."""
    if not problem.capabilities.sopsp_blocks:
        names = ", ".join(problem.layout.names)
        raise LandscapeError(
            f"{problem.id} declares no (w, V) blocks for ε-SOPSP (it has {names}): "
            "name the blocks explicitly"
        )
    return problem.capabilities.sopsp_blocks


@dataclass(frozen=True)
class SopspProgress:
    """``phase`` ("gradient", "λ_min", "μ₂ probe i/k") and products used so far."""

    phase: str
    hvp_count: int


def _block_hessian(
    problem: SlicedProblem, theta: torch.Tensor, blocks: tuple[str, ...], phase: str
) -> Generator[SopspProgress, None, np.ndarray]:
    op = network_curvature(problem, theta, blocks=blocks)
    if op.size > MAX_DENSE_BLOCK:
        raise LandscapeError(
            f"the block has {op.size} coordinates (> {MAX_DENSE_BLOCK}) for estimating μ₂: "
            "pass mu2 explicitly"
        )
    return (yield from mapped(dense_matrix(op), lambda s: SopspProgress(phase, s.hvp_count)))


def _progress(
    gen: Generator[RitzProgress, None, EigenResult],
) -> Generator[SopspProgress, None, EigenResult]:
    return mapped(gen, lambda step: SopspProgress("λ_min", step.hvp_count))


def estimate_mu2(
    problem: SlicedProblem,
    theta: torch.Tensor,
    blocks: tuple[str, ...] | None = None,
    radius: float | None = None,
    probes: int = 8,
    seed: int = 0,
) -> Generator[SopspProgress, None, float]:
    """max_i ‖∇²F_θ(x + δ_i) − ∇²F_θ(x)‖₂ / r over ``probes`` random δ_i in the block with
    ‖δ_i‖ = r (default r = 0.1 · max(1, ‖x‖), x the block's coordinates); float64.
    A generator (``probes`` + 1 dense block Hessians): drain it for the value."""
    blocks = blocks or default_blocks(problem)
    problem = problem.to(dtype=torch.float64)
    theta = problem.as_theta(torch.as_tensor(theta).detach())
    idx = block_indices(problem.layout, blocks).to(theta.device)
    r = radius if radius is not None else 0.1 * max(1.0, float(theta[idx].norm()))
    if r <= 0:
        raise LandscapeError(f"the radius of M must be positive, got {r}")
    base = yield from _block_hessian(problem, theta, blocks, "μ₂ at the point")
    gen = torch.Generator().manual_seed(seed)
    ratios = []
    for i in range(probes):
        delta = torch.randn(len(idx), generator=gen, dtype=torch.float64).to(theta.device)
        moved = theta.clone()
        moved[idx] += r * delta / delta.norm()
        moved_h = yield from _block_hessian(problem, moved, blocks, f"μ₂ probe {i + 1}/{probes}")
        diff = moved_h - base
        ratios.append(float(np.linalg.norm(diff, ord=2)) / r)
    return max(ratios)


def sopsp(
    problem: SlicedProblem,
    theta: torch.Tensor,
    eps: float,
    mu2: float | None = None,
    blocks: tuple[str, ...] | None = None,
    radius: float | None = None,
    probes: int = 8,
    seed: int = 0,
) -> Generator[SopspProgress, None, SopspReport]:
    """Definition 1 at θ: ‖∇_{(w,V)}F‖ ≤ ε and λ_min(∇²_{(w,V)}F) ≥ −√(μ₂ ε).

    Computed in float64 on the training loss. ``mu2`` None: estimated by ``estimate_mu2``
    on the ball of ``radius`` around the point (see there; about 4 s for the default
    residual-predictor, 0.1 s with ``mu2`` given). Yields progress; returns the report.
    """
    if not eps >= 0:
        raise LandscapeError(f"ε must be ≥ 0, got {eps}")
    blocks = blocks or default_blocks(problem)
    p64 = problem.to(dtype=torch.float64)
    theta64 = p64.as_theta(torch.as_tensor(theta).detach())
    idx = block_indices(p64.layout, blocks).to(theta64.device)
    g = grad(p64.objective().loss)(theta64)[idx]
    yield SopspProgress("gradient", 0)
    op = network_curvature(p64, theta64, blocks=blocks)
    eig = yield from _progress(lanczos(op, top=0, bottom=1, tol=1e-8, max_iter=op.size))
    estimated = mu2 is None
    if mu2 is None:
        mu = yield from estimate_mu2(p64, theta64, blocks, radius, probes, seed)
    else:
        mu = mu2
    if mu < 0:
        raise LandscapeError(f"μ₂ must be ≥ 0, got {mu}")
    return SopspReport(
        float(g.norm()),
        float(eig.bottom[0]),
        float(eig.bottom_residuals[0]),
        float(eps),
        float(mu),
        estimated,
        -float(np.sqrt(mu * eps)),
        tuple(blocks),
    )
