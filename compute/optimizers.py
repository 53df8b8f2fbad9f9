"""Optimizers as step generators over a batch of independent runs, with projection."""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass, replace

import numpy as np
import torch

from compute.derivatives import gradient, second_order
from compute.errors import LandscapeError
from compute.modes import Modes
from compute.objective import Objective

OPTIMIZERS = ("gd", "momentum", "nesterov", "adam", "newton")
DEFAULT_LR = {"gd": 0.1, "momentum": 0.05, "nesterov": 0.05, "adam": 0.05, "newton": 1.0}

RUNNING, CONVERGED, MAX_STEPS, DIVERGED = 0, 1, 2, 3
STATUS_NAMES = ("running", "converged", "max_steps", "diverged")

EXPLOSION = 1e12
"""A run diverges when F or ‖θ‖ grows past this (or turns non-finite)."""


def check_choice_and_steps(
    name: str, known: tuple[str, ...], lr: float, momentum: float, steps: int, max_steps: int
) -> None:
    """The checks every optimizer setting shares (toys and networks): a known optimizer name,
    lr > 0 and finite, 0 ≤ momentum < 1, 1 ≤ steps ≤ max_steps; else LandscapeError."""
    if name not in known:
        raise LandscapeError(f"unknown optimizer {name!r} (use {', '.join(known)})")
    if not (math.isfinite(lr) and lr > 0):
        raise LandscapeError(f"learning rate must be a positive number, got {lr:g}")
    if not 0 <= momentum < 1:
        raise LandscapeError(f"momentum must be in [0, 1), got {momentum:g}")
    if not 1 <= steps <= max_steps:
        raise LandscapeError(f"steps must be between 1 and {max_steps}, got {steps}")


@dataclass(frozen=True)
class OptimizerConfig:
    """Settings of one optimizer run.

    ``lr`` is the step size (Newton: the fraction of the Newton step taken); ``momentum`` is β
    for heavy-ball / Nesterov and β₁ for Adam; ``damping`` is Newton's relative eigenvalue
    floor (see ``_newton_direction``). A run converges when the projected
    gradient ``‖θ − P(θ − ∇F)‖`` and the last step are both below ``tol``.
    """

    name: str = "gd"
    lr: float = DEFAULT_LR["gd"]
    momentum: float = 0.9
    steps: int = 1000
    tol: float = 1e-8
    damping: float = 1e-3

    def __post_init__(self) -> None:
        check_choice_and_steps(self.name, OPTIMIZERS, self.lr, self.momentum, self.steps, 1_000_000)
        if not (math.isfinite(self.tol) and self.tol > 0):
            raise LandscapeError(f"tolerance must be a positive number, got {self.tol:g}")
        if not (math.isfinite(self.damping) and self.damping > 0):
            raise LandscapeError(f"Newton damping must be a positive number, got {self.damping:g}")

    @classmethod
    def for_optimizer(cls, name: str, **overrides: object) -> OptimizerConfig:
        """The defaults of optimizer ``name`` (its own learning rate), with overrides."""
        base = cls(name=name, lr=DEFAULT_LR.get(name, DEFAULT_LR["gd"]))
        given = {k: v for k, v in overrides.items() if v is not None}
        return replace(base, **given)  # type: ignore[arg-type]


@dataclass(frozen=True)
class DescentStep:
    """The state of B runs after ``step`` steps (step 0 is the start).

    theta (B, n); loss (B,); grad_norm (B,) of the projected gradient; status (B,) codes
    into STATUS_NAMES (RUNNING until a run stops); stopped_at (B,) the step a run stopped.
    """

    step: int
    theta: np.ndarray
    loss: np.ndarray
    grad_norm: np.ndarray
    status: np.ndarray
    stopped_at: np.ndarray


def _torch_optimizer(config: OptimizerConfig, param: torch.Tensor) -> torch.optim.Optimizer:
    if config.name == "adam":
        return torch.optim.Adam([param], lr=config.lr, betas=(config.momentum, 0.999))
    momentum = 0.0 if config.name == "gd" else config.momentum
    return torch.optim.SGD(
        [param], lr=config.lr, momentum=momentum, nesterov=config.name == "nesterov"
    )


def _newton_direction(objective: Objective, theta: torch.Tensor, damping: float) -> torch.Tensor:
    """Saddle-free Newton step per run: ``−V diag(1 / max(|λ|, δ)) Vᵀ ∇F``, length ≤ 1.

    With ∇²F = V diag(λ) Vᵀ, using |λ| makes every step a descent direction (plain Newton is
    attracted by saddles); δ = damping · max(1, max|λ|) bounds the step along flat directions,
    and the unit trust radius keeps a step near a degenerate point from leaving the region.
    """
    d = second_order(objective.loss, theta)
    hess = torch.nan_to_num(d.hessian, nan=0.0, posinf=0.0, neginf=0.0)
    lam, vec = torch.linalg.eigh(hess)
    floor = damping * torch.clamp(lam.abs().amax(dim=-1, keepdim=True), min=1.0)
    coef = (vec.transpose(-1, -2) @ d.grad.unsqueeze(-1)).squeeze(-1) / torch.maximum(
        lam.abs(), floor
    )
    step = -(vec @ coef.unsqueeze(-1)).squeeze(-1)
    length = torch.linalg.vector_norm(step, dim=-1, keepdim=True)
    return step * torch.clamp(1.0 / length.clamp_min(1e-300), max=1.0)


def descend(
    objective: Objective,
    modes: Modes,
    starts: torch.Tensor | np.ndarray,
    config: OptimizerConfig,
    yield_every: int = 1,
) -> Generator[DescentStep, None, DescentStep]:
    """Run ``config``'s optimizer from each of the B ``starts`` (B, n) at once.

    Runs are independent (the loss is batched over leading dimensions), so an elementwise
    optimizer on the (B, n) tensor is B separate runs. Each step: g = ∇F(θ) (vmapped autograd),
    θ ← P(update(θ, g)), with P the projection onto the constraint set. A run stops as
    ``converged`` (projected gradient and last step below tol), ``diverged`` (non-finite or
    exploding F or θ; θ stays at its last finite point) or ``max_steps``; stopped runs are
    frozen while the others go on. Yields every ``yield_every`` steps and at the end; returns
    the final state.
    """
    objective = modes.apply(objective)
    theta = modes.project(objective.as_tensor(starts).clone())
    if theta.ndim != 2 or theta.shape[1] != objective.dim:
        raise LandscapeError(
            f"start points need shape (B, {objective.dim}), got {tuple(theta.shape)}"
        )
    if not torch.isfinite(theta).all():
        raise LandscapeError("start point must be finite numbers")
    batch = theta.shape[0]
    param = theta.clone().requires_grad_(True)
    opt = _torch_optimizer(config, param)
    status = np.full(batch, RUNNING)
    stopped_at = np.zeros(batch, dtype=int)
    previous = theta.clone()

    def measure(point: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        with torch.no_grad():
            value = objective.loss(point)
        g = gradient(objective.loss, point)
        pg = point - modes.project(point - g)
        return value, g, torch.linalg.vector_norm(pg, dim=-1)

    def snapshot(step: int, value: torch.Tensor, pg: torch.Tensor) -> DescentStep:
        return DescentStep(
            step,
            previous.numpy().copy(),
            value.detach().numpy().copy(),
            pg.numpy().copy(),
            status.copy(),
            stopped_at.copy(),
        )

    value, g, pg = measure(previous)
    step_len = torch.full((batch,), math.inf, dtype=theta.dtype)
    for step in range(config.steps + 1):
        running = status == RUNNING
        done = (pg < config.tol).numpy() & (step_len <= config.tol * max(1.0, config.lr)).numpy()
        done |= (pg < config.tol).numpy() & (step == 0)
        status[running & done] = CONVERGED
        stopped_at[running & done] = step
        if step == config.steps:
            status[status == RUNNING] = MAX_STEPS
            stopped_at[status == MAX_STEPS] = step
        if not (status == RUNNING).any():
            break
        if step % yield_every == 0:
            yield snapshot(step, value, pg)
        frozen = torch.from_numpy(status != RUNNING)
        with torch.no_grad():
            param.copy_(previous)
        if config.name == "newton":
            with torch.no_grad():
                proposal = previous + config.lr * _newton_direction(
                    objective, previous, config.damping
                )
        else:
            param.grad = torch.where(frozen[:, None], torch.zeros_like(g), g)
            opt.step()
            proposal = param.detach().clone()
        proposal = torch.where(frozen[:, None], previous, modes.project(proposal))
        new_value, new_g, new_pg = measure(proposal)
        bad = (
            ~torch.isfinite(new_value)
            | ~torch.isfinite(proposal).all(-1)
            | (new_value.abs() > EXPLOSION)
            | (torch.linalg.vector_norm(proposal, dim=-1) > EXPLOSION)
        )
        bad &= ~frozen
        keep_old = bad & ~torch.isfinite(proposal).all(-1) | bad & ~torch.isfinite(new_value)
        proposal = torch.where(keep_old[:, None], previous, proposal)
        new_value = torch.where(keep_old, value, new_value)
        new_pg = torch.where(keep_old, pg, new_pg)
        new_g = torch.where(keep_old[:, None], g, new_g)
        diverging = bad.numpy() & (status == RUNNING)
        status[diverging] = DIVERGED
        stopped_at[diverging] = step + 1
        step_len = torch.linalg.vector_norm(proposal - previous, dim=-1)
        previous, value, g, pg = proposal, new_value, new_g, new_pg
    final = snapshot(int(stopped_at.max()), value, pg)
    yield final
    return final


def trajectory(
    objective: Objective, modes: Modes, start: np.ndarray, config: OptimizerConfig
) -> tuple[DescentStep, np.ndarray]:
    """One run from ``start`` (n,): its final state and the path (T, n) it took, start first.

    The path holds only finite points: a diverging run's path ends at its last finite point.
    """
    run = descend(objective, modes, np.asarray(start, dtype=float)[None, :], config)
    path: list[np.ndarray] = []
    while True:
        try:
            state = next(run)
        except StopIteration as stop:
            return stop.value, np.stack(path)
        if not path or not np.array_equal(path[-1], state.theta[0]):
            path.append(state.theta[0])
