"""The records of B runs: the chunks ``descend`` streams, their accumulation between chunks,
the curvature measured along the runs, and a finished run's history.

Per recorded step t and run b: F(θ_t) on the full data, ‖∇F(θ_t)‖, the projected gradient
‖θ − P(θ − ∇F)‖, the objective's metrics and, every few steps, λ_max and λ_min of ∇²F(θ_t);
snapshots of θ every ``record_every`` steps. Runs that have stopped record NaN.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field

import numpy as np
import torch

from compute.objectives.objective import Objective

CURVATURE_KEYS = ("lambda_max", "lambda_min")
CURVATURE_LABELS = {"lambda_max": "λ_max(∇²F)", "lambda_min": "λ_min(∇²F)"}


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
class Recorder:
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
            to_host(theta),
            to_host(value),
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


def to_host(t: torch.Tensor) -> np.ndarray:
    return t.detach().to("cpu", torch.float64).numpy().copy()


def record_step(
    rec: Recorder,
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
    rec.loss.append(nan if value is None else to_host(value) * mask)
    rec.grad.append(to_host(torch.linalg.vector_norm(grad, dim=-1)) * mask)
    rec.projected.append(to_host(pg) * mask)
    for m in objective.metrics:
        row = nan
        if evaluate:
            with torch.no_grad():
                row = to_host(m.fn(theta)) * mask
        rec.metrics.setdefault(m.key, []).append(row)
    if snapshot:
        rec.theta_steps.append(step)
        rec.thetas.append(to_host(theta))


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


class CurvatureTracker:
    """λ_max and λ_min of ∇²F at the runs' points every few steps (batched Lanczos over the
    runs, each warm-started from its previous extreme Ritz vectors, tol 1e-3 of the spectral
    radius: ~10–30 Hessian-vector products a measurement on a trained network)."""

    def __init__(self, objective: Objective) -> None:
        self.objective = objective
        self.vectors: torch.Tensor | None = None

    def record(
        self, rec: Recorder, theta: torch.Tensor, running: np.ndarray, measure: bool
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
