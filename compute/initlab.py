"""Forward and backward norms of randomly initialised residual stacks, many trials at once."""

from __future__ import annotations

import math
import time
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field

import numpy as np

from compute.errors import LandscapeError
from compute.init_schemes import SCHEMES, SchemeScaling, scheme_scaling
from compute.norm_profile import NormProfile, summarise
from compute.residual_stack import StackedLayers, propagate_block

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
YIELD_SECONDS = 0.05


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


def _bounded(name: str, value: int, most: int) -> None:
    if not 1 <= value <= most:
        raise LandscapeError(f"{name} must be between 1 and {most:,}, got {value}")


@dataclass(frozen=True)
class SchemeNorms:
    """One scheme's result. ``forward``: r_l = ‖z_l‖/‖x‖ for l = 0…L (z₀ = x). ``backward``
    (if asked): r_l = ‖∂ℓ/∂z_l‖ / ‖∂ℓ/∂z_L‖ for the loss ℓ = ⟨u, z_L⟩ with a readout u uniform on
    the unit sphere per trial (so the denominator is 1; for the linear stack
    E‖∂ℓ/∂z_l‖² = (1 + c)^(L − l), the seed's "variance of the gradient at z^ℓ")."""

    scheme: str
    scaling: SchemeScaling
    forward: NormProfile
    backward: NormProfile | None = None


@dataclass(frozen=True)
class NormSweepProgress:
    """Progress of a sweep: ``trials_done`` of ``config.trials`` (every scheme advances
    together), ``fraction`` of the work, and ``partial`` summaries over the trials done (None
    when no new block has finished since the previous yield)."""

    trials_done: int
    fraction: float
    partial: tuple[SchemeNorms, ...] | None = None


@dataclass(frozen=True)
class NormSweepResult:
    config: NormSweepConfig
    schemes: tuple[SchemeNorms, ...]
    seconds: float = 0.0
    marks: tuple[int, ...] = field(default_factory=tuple)

    def scheme(self, name: str) -> SchemeNorms:
        for s in self.schemes:
            if s.scheme == name:
                return s
        raise LandscapeError(f"scheme {name!r} is not in this sweep")


def _summaries(
    config: NormSweepConfig, scalings: Sequence[SchemeScaling], parts: list[tuple[np.ndarray, ...]]
) -> tuple[SchemeNorms, ...]:
    fwd = np.concatenate([p[0] for p in parts], axis=1)
    bwd = np.concatenate([p[1] for p in parts], axis=1) if config.backward else None
    return tuple(
        SchemeNorms(s.scheme, s, summarise(fwd[i]), None if bwd is None else summarise(bwd[i]))
        for i, s in enumerate(scalings)
    )


def norm_sweep(
    config: NormSweepConfig, marks: tuple[int, ...] = ()
) -> Generator[NormSweepProgress, None, NormSweepResult]:
    """Propagate ``config.trials`` random trials through every scheme's stack, block by block.

    Vectorised over trials (weights (T_b, d, d) per layer) and schemes (z (T_b, d, S)); one
    weight draw per layer serves all schemes. Yields a NormSweepProgress about every 50 ms,
    with partial summaries after each finished block; closing the generator stops the work.
    Returns the NormSweepResult (``marks``: layers a plot should mark, e.g. a preset's).
    """
    start = time.perf_counter()
    scalings = [
        scheme_scaling(s, config.width, config.depth, config.matrices, config.gain)
        for s in config.schemes
    ]
    stack = StackedLayers(config, scalings)
    per_block = config.block_trials
    parts: list[tuple[np.ndarray, ...]] = []
    done, last_partial, summary_cost = 0, -math.inf, 0.0
    yield NormSweepProgress(0, 0.0)
    for block in range(math.ceil(config.trials / per_block)):
        trials = min(per_block, config.trials - done)
        blk = propagate_block(config, stack, block, trials)
        try:
            while True:
                try:
                    share = next(blk)
                except StopIteration as stop:
                    fwd, bwd = stop.value
                    break
                yield NormSweepProgress(done, (done + share * trials) / config.trials)
        finally:
            blk.close()
        parts.append(tuple(t.numpy() for t in (fwd, bwd) if t is not None))
        done += trials
        now = time.perf_counter()
        partial = None
        if now - last_partial > max(YIELD_SECONDS, 4 * summary_cost) and done < config.trials:
            partial = _summaries(config, scalings, parts)
            summary_cost, last_partial = time.perf_counter() - now, time.perf_counter()
        yield NormSweepProgress(done, done / config.trials, partial)
    result = _summaries(config, scalings, parts)
    return NormSweepResult(config, result, time.perf_counter() - start, marks)


@dataclass(frozen=True)
class NormPreset:
    """A named sweep with the layers a plot should mark."""

    name: str
    description: str
    config: NormSweepConfig
    marks: tuple[int, ...] = ()


PRESETS = {
    p.name: p
    for p in (
        NormPreset(
            "matlab",
            "seed 004's MATLAB loop: L = 10, d = 100, x = ones(d, 1), maxit = 10 passes of L "
            "fresh layers x = W*x + x with W = randn(d, d)/sqrt(d), x never reset: 100 Xavier "
            "layers in all; the loop prints rato = ‖x‖/‖x₀‖ after each pass (the marks) and "
            "ends near 10¹⁴. Every scheme at the same depth 100, for comparison",
            NormSweepConfig(SCHEMES, width=100, depth=100, trials=200),
            tuple(range(10, 101, 10)),
        ),
        NormPreset(
            "batchnorm-beta",
            "seed 004's β-scaling setting: branches read a normalised input (unit second "
            "moment per coordinate, as batch normalisation gives), so each adds β² to the "
            "variance: E‖z_L‖²/‖x‖² = β²·L + 1 = 2 for β = 1/√L (the seed's 1/√(L − 1), "
            "counting z¹…z^L), against Xavier's L + 1",
            NormSweepConfig(("xavier", "beta"), width=100, depth=100, trials=200, normalize=True),
        ),
    )
}


def preset(name: str) -> NormPreset:
    try:
        return PRESETS[name]
    except KeyError:
        raise LandscapeError(f"unknown preset {name!r} (known: {', '.join(PRESETS)})") from None
