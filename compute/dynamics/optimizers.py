"""Run settings and update rules shared by every scenario: one configuration, one vocabulary."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

import torch

from compute.errors import LandscapeError
from compute.objectives.derivatives import second_order
from compute.objectives.objective import LossFn
from compute.vocabulary import ALIASES, DEFAULT_LR, OPTIMIZERS

"""Step sizes of the exact toys; network scenarios bring their own (see NetworkSpec)."""

RUNNING, CONVERGED, MAX_STEPS, DIVERGED = 0, 1, 2, 3
"""Status codes: indices into STATUS_NAMES."""
MAX_RUN_STEPS = 1_000_000
NEWTON_MAX_DIM = 256
"""Saddle-free Newton eigendecomposes the full n × n Hessian each step."""


@dataclass(frozen=True)
class RunConfig:
    """Settings of one optimizer run, for toys and networks alike.

    Update rules with g = ∇F(θ) (of the step's minibatch when ``batch_size`` > 0):

    - ``gd``: θ ← θ − η g
    - ``momentum`` (heavy ball, PyTorch's form): v ← β v + g, θ ← θ − η v
    - ``nesterov``: v ← β v + g, θ ← θ − η (g + β v)
    - ``adam``: m ← β m + (1 − β) g, s ← β₂ s + (1 − β₂) g², θ ← θ − η m̂ / (√ŝ + 10⁻⁸),
      β₂ = 0.999, with bias corrections m̂, ŝ
    - ``newton``: saddle-free damped Newton (see ``newton_direction``); η is the fraction of
      the step taken

    ``momentum`` is β (β₁ for Adam). ``batch_size`` 0 means full batch; otherwise each step
    draws the next minibatch of a seeded random permutation of the training samples (epochs
    without replacement, the last partial batch of an epoch included); ``seed`` fixes that
    order. A full-batch run converges when the projected gradient ‖θ − P(θ − ∇F)‖ and the last
    step are below ``tol`` (None: the objective's own tolerance); minibatch runs go to
    ``steps``. ``eval_every`` (0: every step in full batch, once an epoch on minibatches) is how
    often the full loss and the metrics are recorded; ``record_every`` (0: every step for
    n ≤ 16, else about 200 snapshots per run) how often θ is kept for the path;
    ``curvature_every`` (0: never) how often λ_max and λ_min of the full-data Hessian (with the
    L2 term) are measured along the run (Lanczos, warm-started from the previous measurement):
    for gradient descent λ_max against 2/η shows the edge of stability.
    """

    optimizer: str = "gd"
    lr: float = DEFAULT_LR["gd"]
    momentum: float = 0.9
    steps: int = 1000
    batch_size: int = 0
    seed: int = 0
    tol: float | None = None
    damping: float = 1e-3
    eval_every: int = 0
    record_every: int = 0
    curvature_every: int = 0

    def __post_init__(self) -> None:
        name = ALIASES.get(self.optimizer, self.optimizer)
        object.__setattr__(self, "optimizer", name)
        if name not in OPTIMIZERS:
            raise LandscapeError(f"unknown optimizer {name!r} (use {', '.join(OPTIMIZERS)})")
        _check(math.isfinite(self.lr) and self.lr > 0, f"learning rate must be > 0, got {self.lr}")
        _check(0 <= self.momentum < 1, f"momentum must be in [0, 1), got {self.momentum}")
        _check(
            1 <= self.steps <= MAX_RUN_STEPS,
            f"steps must be between 1 and {MAX_RUN_STEPS}, got {self.steps}",
        )
        _check(
            self.batch_size >= 0, f"batch size must be ≥ 0 (0: full batch), got {self.batch_size}"
        )
        _check(0 <= self.seed < 2**63, f"seed must be a whole number ≥ 0, got {self.seed}")
        _check(
            self.tol is None or (math.isfinite(self.tol) and self.tol >= 0),
            f"tolerance must be a number ≥ 0, got {self.tol}",
        )
        _check(
            math.isfinite(self.damping) and self.damping > 0,
            f"Newton damping must be > 0, got {self.damping}",
        )
        _check(self.eval_every >= 0 and self.record_every >= 0, "eval_every, record_every ≥ 0")
        _check(
            0 <= self.curvature_every <= MAX_RUN_STEPS,
            f"curvature every N steps needs N ≥ 0 (0: off), got {self.curvature_every}",
        )

    @classmethod
    def for_optimizer(
        cls, name: str, defaults: Mapping[str, float] | None = None, **overrides: object
    ) -> RunConfig:
        """The settings of optimizer ``name`` with its default step size (from ``defaults``,
        the scenario's table, else DEFAULT_LR), then ``overrides`` (None values ignored)."""
        name = ALIASES.get(name, name)
        table = DEFAULT_LR if defaults is None else defaults
        base = cls(optimizer=name, lr=table.get(name, DEFAULT_LR.get(name, 0.1)))
        return replace(base, **{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]

    def describe(self) -> str:
        """``adam lr=0.05`` (+ ``β=…`` where it applies, ``batch 32`` on minibatches)."""
        text = f"{self.optimizer} lr={self.lr:g}"
        if self.optimizer in ("momentum", "nesterov", "adam") and self.momentum != 0.9:
            text += f" β={self.momentum:g}"
        return text + (f" batch {self.batch_size}" if self.batch_size else "")


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise LandscapeError(message)


def torch_optimizer(config: RunConfig, param: torch.Tensor) -> torch.optim.Optimizer:
    """The torch optimizer implementing ``config``'s rule on ``param`` (B, n): elementwise, so
    B rows are B independent runs. Not for ``newton`` (see ``newton_direction``)."""
    if config.optimizer == "adam":
        return torch.optim.Adam([param], lr=config.lr, betas=(config.momentum, 0.999))
    momentum = 0.0 if config.optimizer == "gd" else config.momentum
    nesterov = config.optimizer == "nesterov"
    return torch.optim.SGD([param], lr=config.lr, momentum=momentum, nesterov=nesterov)


def newton_direction(loss: LossFn, theta: torch.Tensor, damping: float) -> torch.Tensor:
    """Saddle-free Newton step per run: ``−V diag(1 / max(|λ|, δ)) Vᵀ ∇F``, length ≤ 1.

    With ∇²F = V diag(λ) Vᵀ, using |λ| makes every step a descent direction (plain Newton is
    attracted by saddles); δ = damping · max(1, max|λ|) bounds the step along flat directions,
    and the unit trust radius keeps a step near a degenerate point from leaving the region.
    theta (B, n) → step (B, n); n ≤ NEWTON_MAX_DIM (``descend`` refuses larger ones).
    """
    d = second_order(loss, theta)
    hess = torch.nan_to_num(d.hessian, nan=0.0, posinf=0.0, neginf=0.0)
    lam, vec = torch.linalg.eigh(hess)
    floor = damping * torch.clamp(lam.abs().amax(dim=-1, keepdim=True), min=1.0)
    coef = (vec.transpose(-1, -2) @ d.grad.unsqueeze(-1)).squeeze(-1) / torch.maximum(
        lam.abs(), floor
    )
    step = -(vec @ coef.unsqueeze(-1)).squeeze(-1)
    length = torch.linalg.vector_norm(step, dim=-1, keepdim=True)
    return step * torch.clamp(1.0 / length.clamp_min(1e-300), max=1.0)


class Minibatches:
    """Sample indices of successive minibatches: seeded permutations of the N samples, cut
    into batches of ``size`` (the last batch of an epoch may be smaller), or None for full
    batch (``size`` 0 or ≥ N)."""

    def __init__(self, n: int, size: int, seed: int, device: torch.device) -> None:
        self.n, self.size, self.device = n, size, device
        self.gen = torch.Generator().manual_seed(int(seed))
        self.order = torch.empty(0, dtype=torch.long)
        self.pos = 0

    @property
    def full(self) -> bool:
        return self.size == 0 or self.size >= self.n

    @property
    def per_epoch(self) -> int:
        return 1 if self.full else -(-self.n // self.size)

    def next(self) -> torch.Tensor | None:
        if self.full:
            return None
        if self.pos >= len(self.order):
            self.order, self.pos = torch.randperm(self.n, generator=self.gen), 0
        index = self.order[self.pos : self.pos + self.size]
        self.pos += self.size
        return index.to(self.device)
