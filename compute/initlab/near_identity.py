"""Depth sweeps of seeds 002/003: trained residual layers shrink toward the identity with depth."""

from __future__ import annotations

import math
import time
from collections.abc import Generator
from dataclasses import dataclass, field

import numpy as np
import torch

from compute.errors import LandscapeError
from compute.initlab.residual_flow import branch_jacobian_norms, relu_flow_problem
from compute.networks.problem import NetworkProblem, functional_network
from compute.scenarios import build_problem

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
