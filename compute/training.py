"""Deprecated spelling of a network run (``train``/``TrainConfig``) over the one run model.

Kept only while callers move to ``compute.descent.descend`` with ``RunConfig``; it adds no
behaviour of its own.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import torch

from compute.descent import RunChunk, descend, run_to_end
from compute.modes import Modes
from compute.network_problem import NetworkProblem
from compute.optimizers import RunConfig
from compute.vocabulary import STATUS_NAMES

TrainConfig = RunConfig


@dataclass(frozen=True)
class TrainResult:
    """status, steps, final θ (n,), trajectory (T, n), loss curve (T',) with its steps."""

    status: str
    steps: int
    theta: np.ndarray
    trajectory: np.ndarray
    loss: np.ndarray
    loss_steps: np.ndarray


def train(
    problem: NetworkProblem,
    config: RunConfig,
    modes: Modes | None = None,
    start: torch.Tensor | np.ndarray | None = None,
) -> Generator[RunChunk, None, TrainResult]:
    """``descend`` on the problem's objective from ``start`` (default θ₀)."""
    theta = problem.as_theta(problem.init if start is None else start)
    chunks: list[RunChunk] = []

    def run() -> Generator[RunChunk, None, RunChunk]:
        gen = descend(problem.objective(), modes or Modes(), theta[None, :], config)
        while True:
            try:
                chunk = next(gen)
            except StopIteration as stop:
                return stop.value
            chunks.append(chunk)
            yield chunk

    h = run_to_end(run())
    yield h.final
    ok = np.isfinite(h.loss[:, 0])
    return TrainResult(
        STATUS_NAMES[int(h.final.status[0])],
        int(h.final.stopped_at[0]),
        h.final.theta[0],
        h.thetas[:, 0, :],
        h.loss[ok, 0],
        h.steps[ok],
    )
