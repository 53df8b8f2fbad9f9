"""The one run model: B independent optimizer runs on any objective, streamed as chunks."""

from __future__ import annotations

import math
import time
from collections.abc import Generator
from dataclasses import dataclass, field
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
from compute.errors import LandscapeError
from compute.objectives.modes import Modes
from compute.objectives.objective import Objective

CURVATURE_KEYS = ("lambda_max", "lambda_min")
CURVATURE_LABELS = {"lambda_max": "λ_max(∇²F)", "lambda_min": "λ_min(∇²F)"}
EXPLOSION = 1e12
"""A run diverges when F or ‖θ‖ grows past this (or turns non-finite)."""
AUTO_SNAPSHOTS = 200


@dataclass(frozen=True)
class RunChunk:
    """What B runs did since the previous chunk, and where they are now.

    Attributes
    ----------
    steps : (m,) the steps recorded in this chunk (empty when recording is off)
    loss : (m, B) F(θ_t) on the full data (objective with its L2 term); NaN where not
        evaluated (minibatch runs between evaluations) or where a run had stopped
    grad_norm : (m, B) ‖∇F(θ_t)‖, of the step's minibatch when training on minibatches
    projected : (m, B) ‖θ − P(θ − ∇F)‖, the projected gradient (equals grad_norm without a
        constraint); what the convergence test uses
    metrics : key → (m, B), NaN where not evaluated
    theta_steps : (k,), thetas : (k, B, n) snapshots of θ
    theta : (B, n), value : (B,) the current point of every run and F there
    status : (B,) codes into STATUS_NAMES; stopped_at : (B,) the step a run stopped at
    step : the step the runs are at
    """

    step: int
    steps: np.ndarray
    loss: np.ndarray
    grad_norm: np.ndarray
    projected: np.ndarray
    metrics: dict[str, np.ndarray]
    theta_steps: np.ndarray
    thetas: np.ndarray
    theta: np.ndarray
    value: np.ndarray
    status: np.ndarray
    stopped_at: np.ndarray


@dataclass
class _Recorder:
    """Accumulates records between chunks (host copies, numpy)."""

    keys: tuple[str, ...]
    steps: list[int] = field(default_factory=list)
    loss: list[np.ndarray] = field(default_factory=list)
    grad: list[np.ndarray] = field(default_factory=list)
    projected: list[np.ndarray] = field(default_factory=list)
    metrics: dict[str, list[np.ndarray]] = field(default_factory=dict)
    theta_steps: list[int] = field(default_factory=list)
    thetas: list[np.ndarray] = field(default_factory=list)

    def chunk(
        self,
        step: int,
        theta: torch.Tensor,
        value: torch.Tensor,
        status: np.ndarray,
        stop: np.ndarray,
    ) -> RunChunk:
        b, n = theta.shape

        def stack(rows: list[np.ndarray]) -> np.ndarray:
            return np.stack(rows) if rows else np.zeros((0, b))

        out = RunChunk(
            step,
            np.array(self.steps, dtype=int),
            stack(self.loss),
            stack(self.grad),
            stack(self.projected),
            {k: stack(self.metrics.get(k, [])) for k in self.keys},
            np.array(self.theta_steps, dtype=int),
            np.stack(self.thetas) if self.thetas else np.zeros((0, b, n)),
            _host(theta),
            _host(value),
            status.copy(),
            stop.copy(),
        )
        self.reset()
        return out

    def reset(self) -> None:
        for store in (self.steps, self.loss, self.grad, self.projected):
            store.clear()
        self.metrics.clear()
        self.theta_steps.clear()
        self.thetas.clear()


def _host(t: torch.Tensor) -> np.ndarray:
    return t.detach().to("cpu", torch.float64).numpy().copy()


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


def descend(
    objective: Objective,
    modes: Modes,
    starts: torch.Tensor | np.ndarray,
    config: RunConfig,
    yield_every: int = 1,
    yield_seconds: float | None = None,
    record: bool = True,
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
    rec = _Recorder(keys + (CURVATURE_KEYS if config.curvature_every else ()))
    tracker = _CurvatureTracker(objective) if config.curvature_every else None
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
            _record(rec, objective, step, theta, shown, grad, pg, running, evaluate, snapshot)
            if tracker is not None and running.any():
                measure = step % config.curvature_every == 0 or step == config.steps
                tracker.record(rec, theta, running, measure)
        if batches.full:
            done = (pg <= tol) & ((step_len <= tol * max(1.0, config.lr)) | (step == 0))
            done_np = done.cpu().numpy() & running
            status[done_np], stopped_at[done_np] = CONVERGED, step
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
        new_value, new_grad = _value_and_grad(objective, proposal, batches.next())
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
        rec.thetas.append(_host(theta))
    yield rec.chunk(final_step, theta, value, status, stopped_at)
    return rec.chunk(final_step, theta, value, status, stopped_at)


def _record(
    rec: _Recorder,
    objective: Objective,
    step: int,
    theta: torch.Tensor,
    value: torch.Tensor | None,
    grad: torch.Tensor,
    pg: torch.Tensor,
    running: np.ndarray,
    evaluate: bool,
    snapshot: bool,
) -> None:
    """Append step ``step``'s records for the runs still running (NaN for the others)."""
    if not running.any():
        return
    mask = np.where(running, 1.0, np.nan)
    rec.steps.append(step)
    nan = np.full(len(running), np.nan)
    rec.loss.append(nan if value is None else _host(value) * mask)
    rec.grad.append(_host(torch.linalg.vector_norm(grad, dim=-1)) * mask)
    rec.projected.append(_host(pg) * mask)
    for m in objective.metrics:
        row = nan
        if evaluate:
            with torch.no_grad():
                row = _host(m.fn(theta)) * mask
        rec.metrics.setdefault(m.key, []).append(row)
    if snapshot:
        rec.theta_steps.append(step)
        rec.thetas.append(_host(theta))


@dataclass(frozen=True)
class RunHistory:
    """Every chunk of a finished run, concatenated (the arrays of RunChunk over all steps)."""

    steps: np.ndarray
    loss: np.ndarray
    grad_norm: np.ndarray
    projected: np.ndarray
    metrics: dict[str, np.ndarray]
    theta_steps: np.ndarray
    thetas: np.ndarray
    final: RunChunk


def run_to_end(run: Generator[RunChunk, None, RunChunk]) -> RunHistory:
    """Drain a ``descend`` generator and concatenate its records (headless callers, tests)."""
    chunks: list[RunChunk] = []
    while True:
        try:
            chunks.append(next(run))
        except StopIteration as stop:
            final: RunChunk = stop.value
            break

    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(c, name) for c in chunks])

    keys = chunks[0].metrics if chunks else {}
    return RunHistory(
        cat("steps"),
        cat("loss"),
        cat("grad_norm"),
        cat("projected"),
        {k: np.concatenate([c.metrics[k] for c in chunks]) for k in keys},
        cat("theta_steps"),
        cat("thetas"),
        final,
    )


def run_from_init(problem: Any, config: RunConfig, modes: Modes | None = None) -> RunHistory:
    """A full-space run of ``problem`` (a network) from its θ₀ to its end, with every record:
    ``descend`` on ``problem.objective()`` for headless callers (benchmarks, tests, figures).
    The final point is ``.final.theta[0]``."""
    start = problem.init[None, :]
    return run_to_end(descend(problem.objective(), modes or Modes(), start, config))


class _CurvatureTracker:
    """λ_max and λ_min of ∇²F at the runs' points every few steps (batched Lanczos over the
    runs, each warm-started from its previous extreme Ritz vectors, tol 1e-3 of the spectral
    radius: ~10–30 Hessian-vector products a measurement on a trained network)."""

    def __init__(self, objective: Objective) -> None:
        self.objective = objective
        self.vectors: torch.Tensor | None = None

    def record(
        self, rec: _Recorder, theta: torch.Tensor, running: np.ndarray, measure: bool
    ) -> None:
        rows = {k: np.full(len(running), np.nan) for k in CURVATURE_KEYS}
        if measure:
            from compute.curvature.curvature_map import batched_extremes  # torch.func, lazily

            start = None if self.vectors is None else self.vectors.sum(dim=1)
            ext = batched_extremes(self.objective.loss, theta.detach(), tol=1e-3, start=start)
            self.vectors = ext.vectors
            rows = {"lambda_max": ext.lam_max * np.where(running, 1.0, np.nan)}
            rows["lambda_min"] = ext.lam_min * np.where(running, 1.0, np.nan)
        for key in CURVATURE_KEYS:
            rec.metrics.setdefault(key, []).append(rows[key])
