"""The settings of a depth sweep (``near_identity.depth_sweep``), their bounds (what one sweep
may cost) and the named presets.

One residual net per depth m is trained with step lr (or lr/m with ``lr_over_depth``, which
keeps the end-to-end map's step the same at every depth), and max_i ‖h_i − Id‖ of its layers is
measured: seed 003 predicts ~1/m for the linear nets, seed 002 O(log(m)/m) for the ReLU ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from compute.errors import LandscapeError

KINDS = ("linear", "relu")
OPTIMIZERS = ("gd", "adam")
MAX_DEPTH = 64
MAX_STEPS = 20_000
MAX_WORK = 1_500_000_000
"""Σ depths × steps × samples × width (hidden units for relu, d for linear): measured about
4·10⁻⁸ s per unit for the ReLU nets on this 2-core machine under load, so a minute at most;
the presets are 3·10⁸ (relu) and 10⁹ (linear, which converges in a fifth of its steps)."""
MAX_LAYER_STEPS = 1_500_000
"""Σ depths × steps: each layer of each step costs ≳ 30 µs of per-operation overhead."""


@dataclass(frozen=True)
class DepthSweepConfig:
    """Train one residual net per depth m and measure how far its layers are from the identity.

    ``kind`` ``linear``: the ``linear-residual`` scenario (Hardt & Ma, seed 003),
    (I + A_m)…(I + A_1) fitting Y = RX + ξ with R = exp(M) (det R > 0), every ‖A_i‖_F =
    ``init_norm`` at the start. ``relu``: m units x + V σ(Ux + b) fitting the time-1 flow of
    ``residual_flow.flow_field`` (a smooth invertible map, seed 002), ‖V_i‖_F = ``init_norm``.
    ``optimizer`` ``gd`` is plain full-batch gradient descent (no momentum), ``adam`` full-batch
    Adam (β = 0.9, 0.999). With ``lr_over_depth`` the step at depth m is lr/m, which keeps the
    end-to-end map's step the same at every depth (each of the m layers moves it).
    """

    kind: str = "linear"
    depths: tuple[int, ...] = (2, 4, 8, 16, 32, 64)
    optimizer: str = "gd"
    lr: float = 0.4
    lr_over_depth: bool = True
    steps: int = 2000
    tol: float = 1e-5
    init_norm: float = 0.001
    dim: int = 4
    hidden: int = 16
    samples: int = 1024
    strength: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise LandscapeError(f"kind must be {' or '.join(KINDS)}, got {self.kind!r}")
        if self.optimizer not in OPTIMIZERS:
            raise LandscapeError(f"optimizer must be {' or '.join(OPTIMIZERS)}")
        if not self.depths or any(not 2 <= m <= MAX_DEPTH for m in self.depths):
            raise LandscapeError(
                f"depths must be between 2 and {MAX_DEPTH} (log(m)/m needs m ≥ 2), "
                f"got {list(self.depths)}"
            )
        if not 1 <= self.steps <= MAX_STEPS:
            raise LandscapeError(f"steps must be between 1 and {MAX_STEPS}, got {self.steps}")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise LandscapeError(f"learning rate must be > 0, got {self.lr:g}")
        if not (math.isfinite(self.init_norm) and 0 <= self.init_norm <= 10):
            raise LandscapeError(f"init_norm must be in [0, 10], got {self.init_norm:g}")
        for name, value, most in (("dim", self.dim, 16), ("hidden", self.hidden, 128)):
            if not 1 <= value <= most:
                raise LandscapeError(f"{name} must be between 1 and {most}, got {value}")
        if not 0 <= self.seed < 2**31:
            raise LandscapeError(f"seed must be between 0 and 2³¹ − 1, got {self.seed}")
        if not 8 <= self.samples <= 4096:
            raise LandscapeError(f"samples must be between 8 and 4096, got {self.samples}")
        layer_steps = sum(self.depths) * self.steps
        if layer_steps > MAX_LAYER_STEPS:
            raise LandscapeError(
                f"Σ depths × steps = {layer_steps:,} exceeds {MAX_LAYER_STEPS:,} (about a minute "
                "on this CPU): fewer or smaller depths, or fewer steps"
            )
        if self.work > MAX_WORK:
            raise LandscapeError(
                f"Σ depths × steps × samples × width = {self.work:.3g} exceeds {MAX_WORK:.0e} "
                "(about a minute on this CPU): fewer or smaller depths, steps or samples"
            )

    @property
    def work(self) -> int:
        width = self.hidden if self.kind == "relu" else self.dim
        return sum(self.depths) * self.steps * self.samples * width

    def lr_at(self, depth: int) -> float:
        return self.lr / depth if self.lr_over_depth else self.lr

    @property
    def label(self) -> str:
        """What produced the curve, for the plot's legend: optimizer, step, steps, start."""
        opt = "GD" if self.optimizer == "gd" else "Adam"
        lr = f"{self.lr:g}/m" if self.lr_over_depth else f"{self.lr:g}"
        size = "‖A_i‖_F" if self.kind == "linear" else "‖V_i‖_F"
        return (
            f"{self.kind}: {opt}, lr {lr}, {self.steps} steps, {size} = {self.init_norm:g} at start"
        )


PRESETS = {
    "linear-gd": DepthSweepConfig(),
    "linear-adam": DepthSweepConfig(optimizer="adam", lr=0.01, lr_over_depth=False, init_norm=0.05),
    "relu-gd": DepthSweepConfig(
        kind="relu", lr=0.02, steps=600, dim=2, hidden=16, samples=256, tol=1e-6
    ),
    "relu-adam": DepthSweepConfig(
        kind="relu",
        optimizer="adam",
        lr=0.01,
        lr_over_depth=False,
        steps=600,
        dim=2,
        hidden=16,
        samples=256,
        tol=1e-6,
    ),
}
"""``linear-gd`` / ``relu-gd``: plain GD from a tiny start, under which the seeds' statements
show (m · max‖A_i‖ stays ≈ ‖log R‖₂); ``linear-adam``: the linear-residual scenario's own
defaults (Adam, init_norm 0.05), whose m · max grows with m; ``relu-adam`` its ReLU twin.
The ReLU presets use 600 steps on 256 samples (reduced from 1000 on 512, which gives the same
m · max within 10 % at a third of the time: about 15–20 s here instead of a minute)."""


def preset(name: str) -> DepthSweepConfig:
    try:
        return PRESETS[name]
    except KeyError:
        raise LandscapeError(f"unknown preset {name!r} (known: {', '.join(PRESETS)})") from None
