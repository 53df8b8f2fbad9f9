"""Depth sweeps of seeds 002/003: trained residual layers shrink toward the identity with depth.

The settings and presets are in ``near_identity_config``; here the training of one net per
depth, the measurement of ‖h_i − Id‖ per layer and the sweep's results.
"""

from __future__ import annotations

import math
import time
from collections.abc import Generator
from dataclasses import dataclass, field

import numpy as np
import torch

from compute.initlab.near_identity_config import DepthSweepConfig
from compute.initlab.residual_flow import branch_jacobian_norms, relu_flow_problem
from compute.networks.problem import NetworkProblem, functional_network
from compute.scenarios import build_problem


@dataclass(frozen=True)
class DepthFit:
    """One trained net of ``depth`` layers: ``layer_sizes`` (m,) the estimate of ‖h_i − Id‖
    per layer (linear: ‖A_i‖₂; relu: the largest branch Jacobian norm over the training data),
    ``max_size`` their maximum, the final train/test loss, the run's status and steps, the step
    size it used and the wall time (s)."""

    depth: int
    lr: float
    layer_sizes: np.ndarray
    max_size: float
    loss: float
    test_loss: float
    status: str
    steps: int
    seconds: float


@dataclass(frozen=True)
class DepthSweepResult:
    """A finished (or, inside a progress report, partial) sweep: one DepthFit per depth done."""

    config: DepthSweepConfig
    fits: tuple[DepthFit, ...]
    baseline: float | None = None  # linear: the least-squares loss over all R̂ (the floor)
    label: str = ""

    @property
    def depths(self) -> np.ndarray:
        """(k,) the depths m done so far."""
        return np.array([f.depth for f in self.fits], dtype=int)

    @property
    def max_sizes(self) -> np.ndarray:
        """(k,) max_i ‖h_i − Id‖ per depth: seed 003 predicts ~1/m, seed 002 O(log(m)/m)."""
        return np.array([f.max_size for f in self.fits])

    @property
    def scaled(self) -> np.ndarray:
        """(k,) m · max_i ‖h_i − Id‖: flat under a 1/m law, growing like log m under log(m)/m."""
        return self.depths * self.max_sizes

    def references(self) -> dict[str, np.ndarray]:
        """The reference curves c/m and c'·log(m)/m at ``depths`` (k,), each with its constant
        fitted to the measured sizes by least squares in log space (a visual guide)."""
        m, sizes = self.depths.astype(float), self.max_sizes
        if len(m) == 0 or not np.all(sizes > 0):
            return {"1/m": np.zeros(len(m)), "log(m)/m": np.zeros(len(m))}
        out = {}
        for name, shape in (("1/m", 1.0 / m), ("log(m)/m", np.log(m) / m)):
            out[name] = shape * math.exp(float(np.mean(np.log(sizes / shape))))
        return out


@dataclass(frozen=True)
class DepthSweepProgress:
    """Training depth ``depth`` (the ``index``-th of the sweep) at ``step``; ``partial``: the
    depths finished so far."""

    depth: int
    index: int
    step: int
    fraction: float
    partial: DepthSweepResult = field(repr=False)


def _problem(config: DepthSweepConfig, depth: int) -> NetworkProblem:
    if config.kind == "relu":
        return relu_flow_problem(
            config.dim,
            config.hidden,
            depth,
            config.samples,
            config.strength,
            config.init_norm,
            config.seed,
        )
    values = {"depth": depth, "dim": config.dim, "samples": config.samples, "seed": config.seed}
    return functional_network(
        build_problem("linear-residual", values | {"init_norm": config.init_norm})
    )


def _train(
    problem: NetworkProblem, config: DepthSweepConfig, lr: float
) -> Generator[int, None, tuple[torch.Tensor, str, int, float, float]]:
    """One full-batch run with the project's run model (``descend``): yields its step about
    every 50 ms, returns (θ, status, steps, train loss, test loss). The only call into it."""
    from compute.dynamics.descent import descend
    from compute.dynamics.optimizers import RunConfig
    from compute.objectives.modes import Modes
    from compute.vocabulary import STATUS_NAMES

    settings = RunConfig(
        optimizer=config.optimizer,
        lr=lr,
        momentum=0.9,  # Adam's β₁; plain GD has none
        steps=config.steps,
        tol=config.tol,
    )
    start = problem.init.unsqueeze(0)
    run = descend(problem.objective(), Modes(), start, settings, yield_seconds=0.05, record=False)
    try:
        while True:
            try:
                yield next(run).step
            except StopIteration as stop:
                final = stop.value
                break
    finally:
        run.close()
    theta = torch.as_tensor(final.theta[0], dtype=problem.dtype)
    with torch.no_grad():
        loss, test_loss = float(problem.loss(theta)), float(problem.loss(theta, "test"))
    return theta, STATUS_NAMES[int(final.status[0])], int(final.stopped_at[0]), loss, test_loss


def layer_sizes(problem: NetworkProblem, theta: torch.Tensor, linear: bool) -> torch.Tensor:
    """‖h_i − Id‖ per layer (m,): ‖A_i‖₂ for the ``linear`` net (exact: h_i − Id = A_i is
    linear), the largest branch Jacobian norm over the training inputs for the ReLU net."""
    if linear:
        p = problem.model.layout.unflatten(theta)
        return torch.linalg.matrix_norm(torch.stack(list(p.values())), ord=2)
    return branch_jacobian_norms(problem.model, theta, problem.data.x_train)


def depth_sweep(
    config: DepthSweepConfig,
) -> Generator[DepthSweepProgress, None, DepthSweepResult]:
    """Train one net per depth in ``config.depths`` (in order) and measure its layers.

    Yields a DepthSweepProgress about every 50 ms (from the training loop) with the depths
    finished so far; closing the generator stops the current run. Returns the result.
    """
    fits: list[DepthFit] = []
    baseline = None
    total = sum(config.depths)
    done = 0

    def partial() -> DepthSweepResult:
        return DepthSweepResult(config, tuple(fits), baseline, config.label)

    for index, depth in enumerate(config.depths):
        start = time.perf_counter()
        problem = _problem(config, depth)
        baseline = problem.baselines.get("least squares")
        run = _train(problem, config, config.lr_at(depth))
        try:
            while True:
                try:
                    step = next(run)
                except StopIteration as stop:
                    theta, status, steps, loss, test_loss = stop.value
                    break
                share = (done + depth * step / config.steps) / total
                yield DepthSweepProgress(depth, index, step, share, partial())
        finally:
            run.close()
        sizes = layer_sizes(problem, theta, config.kind == "linear").double().numpy()
        seconds = time.perf_counter() - start
        fit = DepthFit(
            depth,
            config.lr_at(depth),
            sizes,
            float(sizes.max()),
            loss,
            test_loss,
            status,
            steps,
            seconds,
        )
        fits.append(fit)
        done += depth
        yield DepthSweepProgress(depth, index, steps, done / total, partial())
    return partial()
