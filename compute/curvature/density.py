"""Spectral density by stochastic Lanczos quadrature (SLQ; Ghorbani et al. 2019, PyHessian).

For a random unit v, m Lanczos steps give T_m = S diag(θ) Sᵀ, and vᵀ f(A) v ≈ Σ_k τ_k f(θ_k)
with weights τ_k = S_{0k}² (Gauss quadrature of the spectral measure seen from v). Averaged
over r vectors, the nodes θ and weights τ/r approximate the eigenvalue distribution
(1/n) Σ_i δ(λ − λ_i), and its Gaussian broadening

    φ(t) = (1/r) Σ_runs Σ_k τ_k · exp(−(t − θ_k)² / (2σ²)) / (σ √(2π))

integrates to one (Σ τ_k = 1 per run). Written here (as PyHessian's ``density``) rather than
taken from curvlinops' ``lanczos_approximate_spectrum`` (Papyan 2020): that one rescales to
[−1, 1] with its own kernel width and returns only the curve, while the GUI needs the raw
nodes and weights for log / symlog axes, and curvlinops would add backpack, einops and
linear_operator as dependencies.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import torch

from compute.curvature.krylov import KrylovBasis
from compute.curvature.operators import CurvatureOperator
from compute.errors import LandscapeError


@dataclass(frozen=True)
class DensityProgress:
    phase: str
    run: int  # finished runs
    runs: int
    hvp_count: int


@dataclass(frozen=True)
class SpectralDensity:
    """An SLQ density.

    Attributes
    ----------
    grid : (g,) eigenvalue axis (linear, spanning the nodes ± 5σ)
    values : (g,) φ on the grid (∫ φ ≈ 1)
    nodes : (r, m) Ritz values θ of each run
    weights : (r, m) their quadrature weights τ / r (all sum to one)
    sigma : the Gaussian width
    hvp_count : products used
    """

    grid: np.ndarray
    values: np.ndarray
    nodes: np.ndarray
    weights: np.ndarray
    sigma: float
    hvp_count: int

    def to_json(self) -> dict[str, list[float]]:
        return {"grid": self.grid.tolist(), "values": self.values.tolist()}


def broaden(nodes: np.ndarray, weights: np.ndarray, grid: np.ndarray, sigma: float) -> np.ndarray:
    """Σ_k w_k N(t; θ_k, σ²) at every t of ``grid`` (g,)."""
    t = grid[:, None] - nodes.ravel()[None, :]
    kernel = np.exp(-0.5 * (t / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi))
    return kernel @ weights.ravel()


def slq_density(
    op: CurvatureOperator,
    steps: int = 80,
    runs: int = 1,
    sigma: float | None = None,
    relative_sigma: float = 0.01,
    grid_size: int = 1000,
    seed: int = 0,
) -> Generator[DensityProgress, None, SpectralDensity]:
    """The eigenvalue density of A by SLQ: ``runs`` × ``steps`` products.

    Parameters
    ----------
    steps
        Lanczos steps per run (m ≤ n); the quadrature resolves the extremes first.
    runs
        Independent Rademacher start vectors, averaged.
    sigma
        Gaussian width; default ``relative_sigma`` × (max θ − min θ).
    grid_size
        Points of the linear grid from min θ − 5σ to max θ + 5σ (so ∫ φ = 1 up to ~1e-6).
    """
    if steps < 1 or runs < 1:
        raise LandscapeError("SLQ needs at least one run of at least one Lanczos step")
    count0 = op.hvp_count
    gen = torch.Generator().manual_seed(seed)
    all_nodes, all_weights = [], []
    m = min(steps, op.size)
    for run in range(runs):
        bits = torch.randint(0, 2, (op.size,), generator=gen)
        basis = KrylovBasis(op, m, (2 * bits - 1).to(op.device, op.dtype))
        while True:
            basis.step()
            if basis.full:
                break
            basis.advance(gen)
            yield DensityProgress("slq", run, runs, op.hvp_count - count0)
        values, vectors, _ = basis.ritz()
        all_nodes.append(values)
        all_weights.append(vectors[0] ** 2 / runs)
        yield DensityProgress("slq", run + 1, runs, op.hvp_count - count0)
    nodes, weights = np.array(all_nodes), np.array(all_weights)
    weights = weights / weights.sum()  # Σ S_0k² = 1 up to rounding
    span = float(nodes.max() - nodes.min())
    width = (
        sigma if sigma is not None else relative_sigma * max(span, 1e-12 * abs(nodes).max(), 1e-300)
    )
    grid = np.linspace(nodes.min() - 5 * width, nodes.max() + 5 * width, grid_size)
    values = broaden(nodes, weights, grid, width)
    return SpectralDensity(grid, values, nodes, weights, float(width), op.hvp_count - count0)
