"""Initialization schemes of residual stacks (seed 004): branch weight scales and multipliers."""

from __future__ import annotations

import math
from dataclasses import dataclass

from compute.errors import LandscapeError
from compute.vocabulary import INIT_SCHEMES

SCHEMES = INIT_SCHEMES

ALPHA = 1.0 / math.sqrt(2.0)
"""Seed 004's α-scaling factor: z ← α (z + branch) keeps E‖z‖² constant when the branch
doubles it (Xavier, linear)."""


@dataclass(frozen=True)
class SchemeScaling:
    """How one scheme initialises a residual layer ``z ← α (z + β · branch(z))``.

    ``branch(z) = W φ(z)`` (one matrix) or ``W₂ φ(W₁ z)`` (two); the entries of the k-th branch
    matrix are drawn i.i.d. N(0, stds[k]²). ``alpha`` and ``beta`` are fixed multipliers of the
    forward pass (not weights): a model trained under the scheme must apply them too.
    """

    scheme: str
    stds: tuple[float, ...]
    alpha: float = 1.0
    beta: float = 1.0


def beta_for(depth: int) -> float:
    """Seed 004's β = 1/√(L − 1), where its L counts the activations z¹…z^L of a stack with
    L − 1 residual branches: for our ``depth`` branches, β = 1/√depth."""
    return 1.0 / math.sqrt(max(1, depth))


def scheme_scaling(
    scheme: str, width: int, depth: int, matrices: int = 1, gain: float = 1.0
) -> SchemeScaling:
    """The weight scales and multipliers of ``scheme`` for a stack of ``depth`` residual layers.

    With the base variance σ² = gain / width (gain 1: Xavier N(0, 1/d) as seed 004 calls it;
    gain 2: He, for ReLU):

    - ``xavier``: every branch matrix N(0, σ²); α = β = 1. Linear, one matrix:
      E‖z_l‖² = 2^l ‖x‖² (seed 004's ≈10¹⁴ after 100 layers).
    - ``scaled``: the branch's last matrix N(0, σ²/L), the others N(0, σ²), so a one-matrix
      branch has entries N(0, 1/(dL)) and E‖y‖² = (1 + 1/L)^L ‖x‖² ≤ e‖x‖².
    - ``alpha``: Xavier weights, α = 1/√2: E‖z_l‖² = ‖x‖² (linear, one matrix).
    - ``beta``: Xavier weights, branch × β with β = ``beta_for(depth)``. For a one-matrix branch
      this draws the same initial function as ``scaled`` (β W has entries N(0, σ²/L)); the two
      differ once trained, because β is a fixed multiplier and not part of the weight.
    - ``fixup`` (Zhang et al. 2019): the last matrix of each branch is zero, the other m − 1
      branch matrices N(0, σ²) rescaled by L^(−1/(2m−2)) (m matrices per branch). With a
      one-matrix branch (m = 1) the exponent is undefined but there is nothing to rescale: the
      only matrix is the zeroed last one, so every layer is exactly the identity at
      initialization; the forward and backward plots then show the flat line ‖z_l‖/‖x‖ = 1
      (Fixup's point: perfect signal propagation at the start, the weights' gradients
      ∂ℓ/∂W_l = g_{l+1} φ(z_l)ᵀ are not zero, so training moves away from it). The same flat
      line appears with two matrices (W₂ = 0, W₁ ~ N(0, σ²) · L^(−1/2)).
    """
    if scheme not in SCHEMES:
        raise LandscapeError(f"unknown initialization scheme {scheme!r} (use {', '.join(SCHEMES)})")
    if matrices not in (1, 2):
        raise LandscapeError(f"a residual branch has 1 or 2 matrices, got {matrices}")
    sigma = math.sqrt(gain / width)
    stds = [sigma] * matrices
    if scheme == "scaled":
        stds[-1] = sigma / math.sqrt(depth)
    if scheme == "fixup":
        inner = sigma * depth ** (-1.0 / (2 * matrices - 2)) if matrices > 1 else 0.0
        stds = [inner] * (matrices - 1) + [0.0]
    alpha = ALPHA if scheme == "alpha" else 1.0
    beta = beta_for(depth) if scheme == "beta" else 1.0
    return SchemeScaling(scheme, tuple(stds), alpha, beta)
