"""Forward and backward norms of randomly initialised residual stacks, many trials at once."""

from __future__ import annotations

import math
import time
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field

import numpy as np

from compute.errors import LandscapeError
from compute.initlab.config import NormSweepConfig
from compute.initlab.profile import NormProfile, summarise
from compute.initlab.stack import StackedLayers, propagate_block
from compute.networks.init_schemes import SCHEMES, SchemeScaling, scheme_scaling

YIELD_SECONDS = 0.05


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
