"""The initialization schemes of seed 004 for the digits residual MLP (``models.residual_mlp``)."""

from __future__ import annotations

import torch

from compute.networks.init_schemes import scheme_scaling
from compute.objectives.layout import ParamLayout


def forward_multipliers(scheme: str, blocks: int) -> tuple[float, float]:
    """(α, β) of ``scheme``: the residual MLP must compute
    ``h_k = α · (h_{k−1} + β · (W_k2 ReLU(W_k1 h_{k−1} + b_k1) + b_k2))``.

    (1, 1) except ``alpha`` (α = 1/√2) and ``beta`` (β = 1/√blocks, seed 004's 1/√(L − 1)
    with L − 1 = blocks). They are constants of the architecture, not weights: without them an
    α/β-initialised net is the Xavier net.
    """
    s = scheme_scaling(scheme, 1, max(1, blocks), 2)
    return s.alpha, s.beta


def residual_mlp_init(
    layout: ParamLayout, blocks: int, scheme: str, generator: torch.Generator, gain: float = 1.0
) -> torch.Tensor:
    """θ₀ (n,) float32 for ``models.residual_mlp`` (weights (out, in) as ``nn.Linear``) under
    ``scheme``, drawn from ``generator``; every bias is zero.

    With σ²(fan_in) = gain / fan_in (gain 1: seed 004's Xavier N(0, 1/d); gain 2: He):

    - W_in ~ N(0, σ²(inputs)); W_out ~ N(0, 1/width) (no ReLU follows it);
    - block k (m = 2 matrices per branch, L = blocks) per ``init_schemes.scheme_scaling``:
      ``xavier``/``alpha``/``beta``: W_k1, W_k2 ~ N(0, σ²(width)); ``scaled``: W_k2 ~
      N(0, σ²(width)/L); ``fixup``: W_k2 = 0 and W_k1 ~ N(0, σ²(width)) · L^(−1/2), and also
      W_out = 0 (Zhang et al. zero the classification layer too; they use He, gain 2, and add
      scalar biases and multipliers, which the per-unit biases b_k1, b_k2 already cover).
    - ``alpha`` and ``beta`` also need the forward multipliers of ``forward_multipliers``.
    """
    width, inputs = layout.block("W_in").shape
    scaling = scheme_scaling(scheme, width, max(1, blocks), 2, gain)
    fixup = scheme == "fixup"

    def normal(shape: tuple[int, ...], std: float) -> torch.Tensor:
        draw = torch.randn(shape, generator=generator, dtype=torch.float64)
        return draw * std  # drawn even for std 0, so every scheme consumes the same stream

    parts: dict[str, torch.Tensor] = {}
    for block in layout.blocks:
        if block.kind == "bias":
            parts[block.name] = torch.zeros(block.shape, dtype=torch.float64)
        elif block.name == "W_in":
            parts[block.name] = normal(block.shape, (gain / inputs) ** 0.5)
        elif block.name == "W_out":
            parts[block.name] = normal(block.shape, 0.0 if fixup else (1.0 / width) ** 0.5)
        else:  # W{k}1 or W{k}2
            parts[block.name] = normal(block.shape, scaling.stds[int(block.name[-1]) - 1])
    return layout.flatten(parts).to(torch.float32)
