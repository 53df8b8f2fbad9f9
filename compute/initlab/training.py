"""The initialization lab's compute side for the window: re-exported sweeps, and one training
run per initialization scheme of ``digits-resnet``, stepped in turn."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, replace

from compute.dynamics.descent import descend
from compute.dynamics.optimizers import RunConfig
from compute.dynamics.run_records import RunChunk
from compute.errors import LandscapeError
from compute.initlab.config import MAX_DEPTH, MAX_TRIALS, MAX_WIDTH, NormSweepConfig
from compute.initlab.near_identity import DepthSweepProgress, DepthSweepResult, depth_sweep
from compute.initlab.near_identity_config import PRESETS as DEPTH_PRESETS
from compute.initlab.near_identity_config import DepthSweepConfig
from compute.initlab.profile import NormProfile
from compute.initlab.sweep import PRESETS as NORM_PRESETS
from compute.initlab.sweep import (
    NormSweepProgress,
    NormSweepResult,
    SchemeNorms,
    norm_sweep,
)
from compute.networks.init_schemes import SCHEMES as INIT_SCHEMES
from compute.networks.sliced import network_of
from compute.objectives.modes import Modes
from compute.scenarios import build_problem
from compute.scenarios import scenario as network
from compute.vocabulary import STATUS_NAMES

__all__ = [
    "DEPTH_PRESETS",
    "INIT_SCHEMES",
    "NORM_LIMITS",
    "NORM_PRESETS",
    "TRAIN_INITS",
    "TRAIN_SCENARIO",
    "DepthSweepConfig",
    "DepthSweepProgress",
    "DepthSweepResult",
    "NormProfile",
    "NormSweepConfig",
    "NormSweepProgress",
    "NormSweepResult",
    "SchemeNorms",
    "SchemeRunChunk",
    "SchemeTrainingConfig",
    "depth_sweep",
    "norm_sweep",
    "train_schemes",
]

NORM_LIMITS = {"width": MAX_WIDTH, "depth": MAX_DEPTH, "trials": MAX_TRIALS}
"""The largest width, depth and trials a norm sweep accepts (their products are bounded too)."""
TRAIN_SCENARIO = "digits-resnet"
TRAIN_INITS = ("default", *INIT_SCHEMES)
"""The initializations a training comparison offers: the scenario's own ("default",
nn.Linear's U(±1/√fan_in)) and the schemes of seed 004."""
RECORDED_METRIC = "test_accuracy"
"""The one metric the comparison records besides the loss (each metric costs a forward pass
per step in full batch)."""


@dataclass(frozen=True)
class SchemeTrainingConfig:
    """One full-batch run per initialization ``schemes`` of the ``digits-resnet`` scenario with
    ``blocks`` residual blocks of ``width`` units (no normalisation), all with ``run``'s
    optimizer, step size and steps. Blocks and width are checked against the scenario's limits.
    """

    schemes: tuple[str, ...]
    blocks: int
    width: int
    run: RunConfig
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.schemes or len(set(self.schemes)) != len(self.schemes):
            raise LandscapeError("choose one or more distinct initialization schemes")
        unknown = [s for s in self.schemes if s not in TRAIN_INITS]
        if unknown:
            raise LandscapeError(
                f"unknown initialization {unknown[0]!r} (use {', '.join(TRAIN_INITS)})"
            )
        spec = network(TRAIN_SCENARIO)
        spec.resolve({"blocks": self.blocks, "width": self.width, "seed": self.seed})


@dataclass(frozen=True)
class SchemeRunChunk:
    """What the run of ``scheme`` did since its previous chunk (``chunk``: B = 1 run), or why
    it could not start (``error``, ``chunk`` None). ``status`` is the run's state name."""

    scheme: str
    chunk: RunChunk | None
    error: str = ""

    @property
    def status(self) -> str:
        if self.chunk is None:
            return "error"
        return STATUS_NAMES[int(self.chunk.status[0])]


def _overrides(config: SchemeTrainingConfig, scheme: str) -> dict[str, object]:
    values: dict[str, object] = {"blocks": config.blocks, "width": config.width}
    values["seed"] = config.seed
    values["init"] = scheme
    return values


def train_schemes(
    config: SchemeTrainingConfig,
) -> Generator[SchemeRunChunk, None, dict[str, SchemeRunChunk]]:
    """Train one network per scheme, a slice of about 50 ms of each in turn (round-robin), so
    that every curve grows at the same pace; closing the generator stops them all.

    Each run is ``descend`` from the scheme's initialization (B = 1), recording the loss F,
    ‖∇F‖ and the test accuracy. A scheme whose network cannot be built (a scenario without
    the parameter) yields one chunk with its ``error`` and is left out. Returns each scheme's
    last chunk.
    """
    runs: dict[str, Generator[RunChunk, None, RunChunk]] = {}
    last: dict[str, SchemeRunChunk] = {}
    try:
        for scheme in config.schemes:
            try:
                problem = network_of(build_problem(TRAIN_SCENARIO, _overrides(config, scheme)))
            except LandscapeError as exc:
                last[scheme] = SchemeRunChunk(scheme, None, str(exc))
                yield last[scheme]
                continue
            objective = problem.objective()
            kept = tuple(m for m in objective.metrics if m.key == RECORDED_METRIC)
            objective = replace(objective, metrics=kept)
            start = problem.init[None, :]
            runs[scheme] = descend(objective, Modes(), start, config.run, yield_seconds=0.05)
        while runs:
            for scheme, run in list(runs.items()):
                try:
                    chunk = next(run)
                except StopIteration:
                    del runs[scheme]
                    continue
                last[scheme] = SchemeRunChunk(scheme, chunk)
                yield last[scheme]
    finally:
        for run in runs.values():
            run.close()
    return last
