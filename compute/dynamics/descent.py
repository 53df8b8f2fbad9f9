"""The one run model: B independent optimizer runs on any objective, streamed as chunks.

Each step g = ∇F(θ) (of the step's minibatch), θ ← P(update(θ, g)), with P the projection onto
the mode's constraint set; what the runs record is in ``compute.dynamics.run_records``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Generator
from typing import Any

import numpy as np
import torch

from compute.dynamics.optimizers import (
    CONVERGED,
    DIVERGED,
    MAX_STEPS,
    NEWTON_MAX_DIM,
    RUNNING,
    Minibatches,
    RunConfig,
    newton_direction,
    torch_optimizer,
)
from compute.dynamics.run_records import (
    CURVATURE_KEYS,
    CurvatureTracker,
    Recorder,
    RunChunk,
    RunHistory,
    record_step,
    run_to_end,
    to_host,
)
from compute.errors import LandscapeError
from compute.objectives.modes import Modes
from compute.objectives.objective import Objective

EXPLOSION = 1e12
"""A run diverges when F or ‖θ‖ grows past this (or turns non-finite)."""
AUTO_SNAPSHOTS = 200


def _value_and_grad(objective: Objective, theta: torch.Tensor, index: torch.Tensor | None):  # type: ignore[no-untyped-def]
    """F (B,) and ∇F (B, n) at B independent points: one backward pass of Σ_b F(θ_b)."""
    with torch.enable_grad():
        t = theta.detach().requires_grad_(True)
        if objective.training is not None:
            value = objective.training(t, index)
        elif index is None:
            value = objective.loss(t)
        else:
            assert objective.batch_loss is not None
            value = objective.batch_loss(t, index)
        (g,) = torch.autograd.grad(value.sum(), t, allow_unused=True)
    return value.detach(), torch.zeros_like(theta) if g is None else g


def _moving_value_and_grad(  # type: ignore[no-untyped-def]
    objective: Objective,
    theta: torch.Tensor,
    index: torch.Tensor | None,
    moving: torch.Tensor,
    value: torch.Tensor,
    grad: torch.Tensor,
):
    """F and ∇F at ``theta`` for the runs that move; the others keep ``value`` and ``grad``
    (stopped runs are not evaluated again)."""
    if bool(moving.all()):
        return _value_and_grad(objective, theta, index)
    rows = moving.nonzero().ravel()
    if not len(rows):
        return value, grad
    part_value, part_grad = _value_and_grad(objective, theta.index_select(0, rows), index)
    return value.index_copy(0, rows, part_value), grad.index_copy(0, rows, part_grad)


def descend(
    objective: Objective,
    modes: Modes,
    starts: torch.Tensor | np.ndarray,
    config: RunConfig,
    yield_every: int = 1,
    yield_seconds: float | None = None,
    record: bool = True,
    arrived: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> Generator[RunChunk, None, RunChunk]:
    """Run ``config``'s optimizer from each of the B ``starts`` (B, n) at once.

    Runs are independent (the loss is batched over leading dimensions), so an elementwise
    optimizer on the (B, n) tensor is B separate runs, and ∇F of all of them is one backward
    pass of Σ_b F(θ_b). Each step: g = ∇F(θ) (of the step's minibatch), θ ← P(update(θ, g)),
    with P the projection onto the mode's constraint set and F including the L2 term. A run
    stops as ``converged`` (full batch: projected gradient and last step below tol),
    ``diverged`` (non-finite or exploding F, ∇F or θ; θ stays at its last finite point) or
    ``max_steps``; stopped runs are frozen while the others go on.

    Yields a RunChunk every ``yield_every`` steps (or, with ``yield_seconds``, about that
    often) and a last one at the end; returns the final state (a chunk without records).
    ``record=False`` keeps no history (basin maps: only where runs are matters).
    ``arrived(θ)`` (B,) bool, checked every step: runs that have reached what the caller
    looks for (a basin map: within a cell of an attractor) stop there as converged. Only the
    runs still going are evaluated at each step, so runs that stop early cost nothing more.
    """
    # Long by design: the one run model: every optimizer, minibatches, projections, convergence and
    # divergence tests share one step loop and its per-run state.
    objective = modes.apply(objective)
    theta = objective.as_tensor(starts)
    if theta.ndim != 2 or theta.shape[1] != objective.dim:
        raise LandscapeError(f"starts need shape (B, {objective.dim}), got {tuple(theta.shape)}")
    if not torch.isfinite(theta).all():
        raise LandscapeError("a start point must be finite numbers")
    theta = modes.project(theta.clone())
    batches = Minibatches(objective.samples, config.batch_size, config.seed, objective.device)
    if config.batch_size and objective.batch_loss is None:
        raise LandscapeError(f"{objective.name} has no data samples: use batch size 0")
    if config.optimizer == "newton" and not batches.full:
        raise LandscapeError("Newton steps need the full batch (batch size 0)")
    if config.optimizer == "newton" and objective.dim > NEWTON_MAX_DIM:
        raise LandscapeError(
            f"Newton needs the full Hessian: only for n ≤ {NEWTON_MAX_DIM} parameters "
            f"({objective.name} has {objective.dim}); use it within a plane, or another optimizer"
        )
    tol = objective.tol if config.tol is None else config.tol
    eval_every = config.eval_every or batches.per_epoch
    record_every = config.record_every or (
        1 if objective.dim <= 16 else max(1, config.steps // AUTO_SNAPSHOTS)
    )
    batch = theta.shape[0]
    param = theta.clone().requires_grad_(True)
    opt = None if config.optimizer == "newton" else torch_optimizer(config, param)
    status = np.full(batch, RUNNING)
    stopped_at = np.zeros(batch, dtype=int)
    keys = tuple(m.key for m in objective.metrics)
    rec = Recorder(keys + (CURVATURE_KEYS if config.curvature_every else ()))
    tracker = CurvatureTracker(objective) if config.curvature_every else None
    value, grad = _value_and_grad(objective, theta, batches.next())
    step_len = torch.full((batch,), math.inf, dtype=theta.dtype, device=theta.device)
    last_yield = time.perf_counter()
    for step in range(config.steps + 1):
        running = status == RUNNING
        pg = torch.linalg.vector_norm(theta - modes.project(theta - grad), dim=-1)
        evaluate = batches.full or step % eval_every == 0 or step == config.steps
        if record:
            exact = batches.full and objective.training is None
            shown = value if exact else None
            if evaluate and not exact:
                with torch.no_grad():
                    shown = objective.loss(theta)  # the full-data F, not the minibatch's
            snapshot = step % record_every == 0
            record_step(rec, objective, step, theta, shown, grad, pg, running, evaluate, snapshot)
            if tracker is not None and running.any():
                measure = step % config.curvature_every == 0 or step == config.steps
                tracker.record(rec, theta, running, measure)
        if batches.full:
            done = (pg <= tol) & ((step_len <= tol * max(1.0, config.lr)) | (step == 0))
            done_np = done.cpu().numpy() & running
            status[done_np], stopped_at[done_np] = CONVERGED, step
        if arrived is not None:
            there = arrived(theta).cpu().numpy() & (status == RUNNING)
            status[there], stopped_at[there] = CONVERGED, step
        if step == config.steps:
            stopped_at[status == RUNNING] = step
            status[status == RUNNING] = MAX_STEPS
        if not (status == RUNNING).any():
            break
        now = time.perf_counter()
        due = now - last_yield >= yield_seconds if yield_seconds else step % yield_every == 0
        if due:
            last_yield = now
            yield rec.chunk(step, theta, value, status, stopped_at)
        frozen = torch.from_numpy(status != RUNNING).to(theta.device)
        if opt is None:
            with torch.no_grad():
                proposal = theta + config.lr * newton_direction(
                    objective.loss, theta, config.damping
                )
        else:
            with torch.no_grad():
                param.copy_(theta)
            param.grad = torch.where(frozen[:, None], torch.zeros_like(grad), grad)
            opt.step()
            proposal = param.detach().clone()
        proposal = torch.where(frozen[:, None], theta, modes.project(proposal))
        new_value, new_grad = _moving_value_and_grad(
            objective, proposal, batches.next(), ~frozen, value, grad
        )
        bad = ~torch.isfinite(new_value) | ~torch.isfinite(proposal).all(-1)
        bad |= ~torch.isfinite(new_grad).all(-1) | (new_value.abs() > EXPLOSION)
        bad |= torch.linalg.vector_norm(proposal, dim=-1) > EXPLOSION
        bad &= ~frozen
        diverging = bad.cpu().numpy() & (status == RUNNING)
        status[diverging], stopped_at[diverging] = DIVERGED, step + 1
        keep = bad[:, None] | frozen[:, None]
        step_len = torch.linalg.vector_norm(proposal - theta, dim=-1)
        theta = torch.where(keep, theta, proposal)
        value = torch.where(keep[:, 0], value, new_value)
        grad = torch.where(keep, grad, new_grad)
    final_step = int(stopped_at.max()) if batch else 0
    if record and (not rec.theta_steps or rec.theta_steps[-1] != final_step):
        rec.theta_steps.append(final_step)
        rec.thetas.append(to_host(theta))
    yield rec.chunk(final_step, theta, value, status, stopped_at)
    return rec.chunk(final_step, theta, value, status, stopped_at)


def run_from_init(problem: Any, config: RunConfig, modes: Modes | None = None) -> RunHistory:
    """A full-space run of ``problem`` (a network) from its θ₀ to its end, with every record:
    ``descend`` on ``problem.objective()`` for headless callers (benchmarks, tests, figures).
    The final point is ``.final.theta[0]``."""
    start = problem.init[None, :]
    return run_to_end(descend(problem.objective(), modes or Modes(), start, config))
