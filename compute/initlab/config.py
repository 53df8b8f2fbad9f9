"""The settings of a forward/backward norm sweep of random residual stacks, and their bounds
(what one sweep may cost)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from compute.errors import LandscapeError
from compute.networks.init_schemes import SCHEMES, scheme_scaling

ACTIVATIONS = ("linear", "relu")
INPUTS = ("ones", "random")
MAX_WIDTH = 1024
MAX_DEPTH = 10_000
MAX_TRIALS = 10_000
MAX_CURVE_POINTS = 2_000_000
"""trials × (depth + 1): the per-trial curves kept for the quantiles (16 MB per scheme)."""
MAX_DRAWS = 4_000_000_000
"""trials × depth × width² × matrices (× 2 with the backward view, which redraws): measured
9–13 ns each on this 2-core CPU with other work running, so under a minute."""
MAX_LAYER_STEPS = 300_000
"""blocks of trials × depth (× 3 with the backward view): each layer of a block costs about
0.15 ms of per-operation overhead however small, so narrow deep stacks are bounded by this."""
LAYER_DRAWS = 1 << 17
"""Weight entries drawn per layer of a block of trials (about 0.4 ms here): enough that the
per-operation overhead does not dominate, small enough to stream (a block of the default
sweep, 13 trials × 100 layers, takes about 50 ms)."""
BLOCK_FLOATS = 1 << 22
"""Activations a block keeps for the backward pass, (depth + 1) × trials × width × 5 (32 MB)."""


def _bounded(name: str, value: int, most: int) -> None:
    if not 1 <= value <= most:
        raise LandscapeError(f"{name} must be between 1 and {most:,}, got {value}")


@dataclass(frozen=True)
class NormSweepConfig:
    """A sweep: residual stacks ``z ← α (z + β · branch(z))`` of ``depth`` layers of ``width``.

    ``branch(z) = W φ(z)`` (``matrices`` 1) or ``W₂ φ(W₁ z)`` (2), φ = identity (``linear``) or
    ReLU; fresh Gaussian weights per layer and trial, scaled per ``scheme_scaling``. The input
    is the all-ones vector (``ones``) or x ~ N(0, I_d) per trial (``random``). ``normalize``
    feeds the branch z·√d/‖z‖ (unit second moment per coordinate: the batch-normalised setting
    in which seed 004 states Var(z^L[i]) = β²(L − 1) + 1). ``backward`` adds the gradient view.
    """

    schemes: tuple[str, ...] = SCHEMES
    width: int = 100
    depth: int = 100
    trials: int = 200
    activation: str = "linear"
    matrices: int = 1
    input: str = "ones"
    seed: int = 0
    backward: bool = False
    gain: float = 1.0
    normalize: bool = False

    def __post_init__(self) -> None:
        if not self.schemes or len(set(self.schemes)) != len(self.schemes):
            raise LandscapeError("give one or more distinct initialization schemes")
        for name in self.schemes:
            scheme_scaling(name, 1, 1)  # validates the name
        _bounded("width", self.width, MAX_WIDTH)
        _bounded("depth", self.depth, MAX_DEPTH)
        _bounded("trials", self.trials, MAX_TRIALS)
        if self.activation not in ACTIVATIONS:
            raise LandscapeError(f"activation must be {' or '.join(ACTIVATIONS)}")
        if self.input not in INPUTS:
            raise LandscapeError(f"input must be {' or '.join(INPUTS)}, got {self.input!r}")
        if self.matrices not in (1, 2):
            raise LandscapeError(f"a residual branch has 1 or 2 matrices, got {self.matrices}")
        if not 0 <= self.seed < 2**63:
            raise LandscapeError(f"seed must be a whole number ≥ 0, got {self.seed}")
        if not (math.isfinite(self.gain) and 0 < self.gain <= 100):
            raise LandscapeError(f"gain must be in (0, 100], got {self.gain:g}")
        points = self.trials * (self.depth + 1)
        if points > MAX_CURVE_POINTS:
            raise LandscapeError(
                f"trials × (depth + 1) = {points:,} exceeds {MAX_CURVE_POINTS:,}: "
                "lower trials or depth"
            )
        if self.draws > MAX_DRAWS:
            raise LandscapeError(
                f"trials × depth × width² × matrices{' × 2 (backward)' if self.backward else ''}"
                f" = {self.draws:.3g} exceeds {MAX_DRAWS:.0e} (about a minute on this CPU): "
                "lower trials, width or depth"
            )
        if self.layer_steps > MAX_LAYER_STEPS:
            raise LandscapeError(
                f"{self.layer_steps:,} layer passes of {self.block_trials}-trial blocks exceed "
                f"{MAX_LAYER_STEPS:,} (about a minute on this CPU): lower trials or depth"
            )

    @property
    def layer_steps(self) -> int:
        """Blocks × depth (× 3 with backward): how many times a layer runs on a block."""
        blocks = math.ceil(self.trials / self.block_trials)
        return blocks * self.depth * (3 if self.backward else 1)

    @property
    def draws(self) -> int:
        """Gaussian weight entries the sweep draws (shared by all schemes)."""
        once = self.trials * self.depth * self.width**2 * self.matrices
        return once * (2 if self.backward else 1)

    @property
    def block_trials(self) -> int:
        """Trials per block: a function of the shapes only, so that every scheme subset and the
        backward option see the same random draws (the blocks are seeded by their index)."""
        by_draws = LAYER_DRAWS // (self.width**2 * self.matrices)
        by_states = BLOCK_FLOATS // ((self.depth + 1) * self.width * len(SCHEMES))
        return max(1, min(by_draws, by_states))
