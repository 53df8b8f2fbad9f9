"""The layer map of residual stacks under several schemes at once, and its forward/backward pass."""

from __future__ import annotations

import math
import time
from collections.abc import Generator, Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch

from compute.initlab.profile import OVERFLOW_RATIO, overflow_masked
from compute.networks.init_schemes import SchemeScaling

if TYPE_CHECKING:
    from compute.initlab.config import NormSweepConfig

YIELD_SECONDS = 0.05


def block_generator(seed: int, block: int, stream: int) -> torch.Generator:
    """The generator of one block of trials: stream 0 draws the weights, stream 1 the inputs
    and readouts (so neither depends on the other's options)."""
    state = np.random.SeedSequence([seed, block, stream]).generate_state(1)[0]
    return torch.Generator().manual_seed(int(state))


def norms(z: torch.Tensor) -> torch.Tensor:
    """‖z‖₂ over dim −2, scaled by max |z_i| so the squares cannot overflow: (T, d, S) → (T, S)."""
    scale = z.abs().amax(dim=-2)
    safe = torch.where(scale > 0, scale, torch.ones_like(scale))
    return torch.linalg.vector_norm(z / safe.unsqueeze(-2), dim=-2) * scale


class StackedLayers:
    """The stacked layer map of all schemes at once: z (T, d, S), one weight draw per layer
    shared by the S schemes (common random numbers), scaled per scheme after the product."""

    def __init__(self, config: NormSweepConfig, scalings: Sequence[SchemeScaling]) -> None:
        def per_scheme(values: Sequence[float]) -> torch.Tensor:
            return torch.tensor(values, dtype=torch.float64)

        self.stds = [per_scheme([s.stds[k] for s in scalings]) for k in range(config.matrices)]
        self.alpha = per_scheme([s.alpha for s in scalings])
        self.beta = per_scheme([s.beta for s in scalings])
        self.relu = config.activation == "relu"
        self.normalize = config.normalize
        self.width = config.width

    def draw(self, gen: torch.Generator, trials: int) -> list[torch.Tensor]:
        """One layer's N(0, 1) matrices (trials, d, d), drawn in float32 (≈3× faster here than
        float64 draws) and used in float64."""
        shape = (trials, self.width, self.width)
        return [torch.randn(shape, generator=gen).double() for _ in self.stds]

    def layer(self, z: torch.Tensor, weights: list[torch.Tensor]) -> torch.Tensor:
        """z (T, d, S) ↦ α (z + β σ_last W_last φ(σ₁ W₁ u)) per scheme column (the W₁ factor
        only with two matrices), u = z, or z·√d/‖z‖ with ``normalize``; weights N(0, 1)."""
        u = z * (math.sqrt(self.width) / norms(z).unsqueeze(-2)) if self.normalize else z
        if len(weights) == 2:
            u = (weights[0] @ u) * self.stds[0]
        act = torch.relu(u) if self.relu else u
        branch = (weights[-1] @ act) * self.stds[-1]
        return self.alpha * (z + self.beta * branch)


def propagate_block(
    config: NormSweepConfig, stack: StackedLayers, block: int, trials: int
) -> Generator[float, None, tuple[torch.Tensor, torch.Tensor | None]]:
    """One block of trials: yields the share of its work done (≈ every 50 ms); returns the
    forward ratios (S, T, L + 1) and the backward ratios (or None), both overflow-masked."""
    d, n_schemes, depth = config.width, len(config.schemes), config.depth
    gen_w, gen_x = block_generator(config.seed, block, 0), block_generator(config.seed, block, 1)
    x = torch.randn(trials, d, generator=gen_x, dtype=torch.float64)  # drawn either way, so
    if config.input == "ones":  # the readout below is the same for both inputs
        x = torch.ones(trials, d, dtype=torch.float64)
    readout = torch.randn(trials, d, generator=gen_x, dtype=torch.float64)
    z = x.unsqueeze(-1).expand(trials, d, n_schemes).clone()
    norm0 = norms(z)
    fwd = torch.empty(trials, n_schemes, depth + 1, dtype=torch.float64)
    fwd[..., 0] = 1.0
    states, zs, last = [], [z], time.perf_counter()
    passes = 2 * depth if config.backward else depth
    with torch.no_grad():
        for layer in range(1, depth + 1):
            if config.backward:
                states.append(gen_w.get_state())
            z = stack.layer(z, stack.draw(gen_w, trials))
            fwd[..., layer] = norms(z) / norm0
            if config.backward:
                zs.append(z)
            if time.perf_counter() - last > YIELD_SECONDS:
                last = time.perf_counter()
                yield layer / passes
    fwd = overflow_masked(fwd).permute(1, 0, 2)
    if not config.backward:
        return fwd, None
    g = (readout / torch.linalg.vector_norm(readout, dim=-1, keepdim=True)).unsqueeze(-1)
    g = g.expand(trials, d, n_schemes)
    bwd = torch.empty(trials, n_schemes, depth + 1, dtype=torch.float64)
    bwd[..., depth] = 1.0
    for layer in range(depth, 0, -1):
        # reverse mode, recomputing each layer from its re-drawn weights (checkpointing:
        # keeping every layer's (T, d, d) weights instead would grow with depth: 64 MB per
        # block at the defaults, and redrawing costs one more draw per layer)
        gen_w.set_state(states[layer - 1])
        weights = stack.draw(gen_w, trials)
        with torch.enable_grad():
            z_in = zs[layer - 1].detach().requires_grad_(True)
            (g,) = torch.autograd.grad(stack.layer(z_in, weights), z_in, g)
        bwd[..., layer - 1] = norms(g)
        if time.perf_counter() - last > YIELD_SECONDS:
            last = time.perf_counter()
            yield (2 * depth - layer) / passes
    blown = fwd[..., -1].permute(1, 0) > OVERFLOW_RATIO  # a blown-up forward pass has no gradient
    bwd[..., :depth] = torch.where(blown.unsqueeze(-1), math.inf, bwd[..., :depth])
    return fwd, overflow_masked(bwd.flip(-1)).flip(-1).permute(1, 0, 2)
