"""Training a network scenario as a generator: live progress, reproducible, stoppable."""

from __future__ import annotations

import math
import time
from collections.abc import Generator
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from compute.errors import LandscapeError
from compute.modes import Modes
from compute.network import NetworkProblem
from compute.optimizers import EXPLOSION, check_choice_and_steps
from compute.planes import Plane

TRAIN_OPTIMIZERS = ("sgd", "momentum", "adam")
DEFAULT_TRAIN_LR = {"sgd": 0.05, "momentum": 0.01, "adam": 0.01}
TRAIN_STATUSES = ("converged", "max_steps", "diverged")
YIELD_SECONDS = 0.05


@dataclass(frozen=True)
class TrainConfig:
    """Settings of one training run.

    ``batch_size`` 0 means full batch; otherwise each step draws the next minibatch of a
    seeded random permutation of the training set (epochs without replacement; the last
    partial batch of an epoch is dropped). ``seed`` fixes that order. Full-batch runs converge
    when the projected gradient ‖θ − P(θ − ∇F)‖ drops below ``tol``. ``eval_every`` (0: every
    step in full batch, once an epoch otherwise) is how often the full train/test loss, metric
    and accuracy are recorded; ``record_every`` (0: about 200 snapshots per run) how often θ is
    kept for the trajectory.
    """

    optimizer: str = "adam"
    lr: float = DEFAULT_TRAIN_LR["adam"]
    momentum: float = 0.9
    steps: int = 1000
    batch_size: int = 0
    seed: int = 0
    tol: float = 1e-6
    eval_every: int = 0
    record_every: int = 0

    def __post_init__(self) -> None:
        check_choice_and_steps(
            self.optimizer, TRAIN_OPTIMIZERS, self.lr, self.momentum, self.steps, 10_000_000
        )
        if self.batch_size < 0 or self.eval_every < 0 or self.record_every < 0:
            raise LandscapeError("batch size, eval_every and record_every must be ≥ 0")
        if not (math.isfinite(self.tol) and self.tol >= 0):
            raise LandscapeError(f"tolerance must be a number ≥ 0, got {self.tol:g}")

    @classmethod
    def for_optimizer(cls, name: str, **overrides: object) -> TrainConfig:
        """The defaults of optimizer ``name`` (its own learning rate), with overrides."""
        base = cls(optimizer=name, lr=DEFAULT_TRAIN_LR.get(name, DEFAULT_TRAIN_LR["adam"]))
        return replace(base, **{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]


@dataclass(frozen=True)
class TrainStep:
    """The state after ``step`` optimizer steps (step 0 is the start).

    ``loss`` is the data loss on the whole training set (without the L2 term); ``grad_norm``
    the norm of the (projected) gradient that step used, over a minibatch when training on
    minibatches. Fields a scenario lacks are None.
    """

    step: int
    loss: float
    grad_norm: float
    test_loss: float | None = None
    metric: float | None = None
    accuracy: float | None = None
    test_accuracy: float | None = None


@dataclass(frozen=True)
class TrainProgress:
    """What happened since the previous yield: new records and θ snapshots.

    records : new TrainSteps; thetas : (m, n) snapshots taken at ``theta_steps`` (m,);
    coords : (m, 2) their plane coordinates for plane-restricted runs, else None.
    """

    step: int
    records: tuple[TrainStep, ...]
    thetas: np.ndarray
    theta_steps: np.ndarray
    coords: np.ndarray | None = None


@dataclass(frozen=True)
class TrainResult:
    """A finished run: status ∈ TRAIN_STATUSES, steps taken, final θ (the last finite one),
    every record (the curve), the trajectory (T, n) with its steps (T,), and for plane runs the
    final and trajectory plane coordinates."""

    status: str
    steps: int
    theta: np.ndarray
    history: tuple[TrainStep, ...]
    trajectory: np.ndarray
    trajectory_steps: np.ndarray
    coords: np.ndarray | None = None
    metric_name: str | None = None
    baselines: dict[str, float] = field(default_factory=dict)

    def curve(self, name: str = "loss") -> np.ndarray:
        """One recorded field as an array (NaN where absent), aligned with ``steps_recorded``."""
        return np.array(
            [np.nan if getattr(s, name) is None else getattr(s, name) for s in self.history]
        )

    @property
    def steps_recorded(self) -> np.ndarray:
        return np.array([s.step for s in self.history])


def _optimizer(config: TrainConfig, param: torch.Tensor) -> torch.optim.Optimizer:
    if config.optimizer == "adam":
        return torch.optim.Adam([param], lr=config.lr, betas=(config.momentum, 0.999))
    momentum = config.momentum if config.optimizer == "momentum" else 0.0
    return torch.optim.SGD([param], lr=config.lr, momentum=momentum)


class _Batches:
    """Minibatch indices from seeded permutations (None: the full training set)."""

    def __init__(self, n: int, size: int, seed: int, device: torch.device) -> None:
        self.n, self.size, self.device = n, size, device
        self.gen = torch.Generator().manual_seed(int(seed))
        self.order = torch.empty(0, dtype=torch.long)
        self.pos = 0

    def next(self) -> torch.Tensor | None:
        if self.size == 0 or self.size >= self.n:
            return None
        if self.pos + self.size > len(self.order):
            self.order, self.pos = torch.randperm(self.n, generator=self.gen), 0
        index = self.order[self.pos : self.pos + self.size]
        self.pos += self.size
        return index.to(self.device)


def _record(
    problem: NetworkProblem, theta: torch.Tensor, step: int, loss: float, gnorm: float
) -> TrainStep:
    with torch.no_grad():
        test = float(problem.loss(theta, "test"))
        metric = problem.metric_value(theta)
        acc, tacc = problem.accuracy(theta), problem.accuracy(theta, "test")
    return TrainStep(
        step,
        loss,
        gnorm,
        test,
        None if metric is None else float(metric),
        None if acc is None else float(acc),
        None if tacc is None else float(tacc),
    )


def train(
    problem: NetworkProblem,
    config: TrainConfig,
    modes: Modes | None = None,
    start: torch.Tensor | np.ndarray | None = None,
    plane: Plane | None = None,
) -> Generator[TrainProgress, None, TrainResult]:
    """Train from ``start`` (default ``problem.init``) with ``config``'s optimizer.

    Each step: F_B(θ) + (λ/2)‖θ‖² on the step's batch B, its gradient g, the optimizer's update
    and the projection θ ← P(θ) onto the mode's constraint set. With ``plane``, the descent is
    restricted to it: the variables are (a, b), θ = θ₀ + a·d₁ + b·d₂, ``start`` is (a, b)
    (default (0, 0)) and constraint sets are refused. A run stops as ``converged`` (full batch,
    projected gradient below tol), ``diverged`` (a non-finite or exploding loss or θ; θ and the
    curve end at the last finite point) or ``max_steps``. Yields a TrainProgress about every
    50 ms (and first at step 0); returns the TrainResult.
    """
    modes = modes or Modes()
    if plane is not None and modes.constraint is not None:
        raise LandscapeError(
            "plane-restricted training cannot use a constraint set (use L2 or none)"
        )
    if plane is not None:
        plane = plane.to(problem.device, problem.dtype)
        origin = torch.zeros(2) if start is None else start
        param = torch.as_tensor(origin, dtype=problem.dtype).to(problem.device).clone()
        if param.shape != (2,):
            raise LandscapeError(
                f"a plane-restricted start is (a, b), got shape {tuple(param.shape)}"
            )
    else:
        param = problem.as_theta(problem.init if start is None else start).clone()
        param = modes.project(param)
    if not torch.isfinite(param).all():
        raise LandscapeError("the start point must be finite numbers")
    param.requires_grad_(True)
    opt = _optimizer(config, param)
    n_train = len(problem.data.x_train)
    batches = _Batches(n_train, config.batch_size, config.seed, problem.device)
    full = config.batch_size == 0 or config.batch_size >= n_train
    eval_every = config.eval_every or (1 if full else max(1, n_train // config.batch_size))
    record_every = config.record_every or max(1, config.steps // 200)

    def theta_of(p: torch.Tensor) -> torch.Tensor:
        return p if plane is None else plane.point(p)

    history: list[TrainStep] = []
    snaps: list[np.ndarray] = []
    snap_coords: list[np.ndarray] = []
    snap_steps: list[int] = []
    pending = [0, 0]  # records / snapshots already yielded
    last_yield = -math.inf

    def progress(step: int) -> TrainProgress:
        recs, k = tuple(history[pending[0] :]), pending[1]
        pending[:] = [len(history), len(snaps)]
        thetas = np.stack(snaps[k:]) if len(snaps) > k else np.empty((0, problem.dim))
        coords = None if plane is None else np.array(snap_coords[k:]).reshape(-1, 2)
        return TrainProgress(step, recs, thetas, np.array(snap_steps[k:], dtype=int), coords)

    def snapshot(step: int, p: torch.Tensor) -> None:
        if snap_steps and snap_steps[-1] == step:
            return
        with torch.no_grad():
            snaps.append(theta_of(p).to("cpu").numpy().copy())
        if plane is not None:
            snap_coords.append(p.detach().cpu().numpy().copy())
        snap_steps.append(step)

    status, last_good, step = "max_steps", param.detach().clone(), 0
    for step in range(config.steps + 1):
        index = batches.next()
        opt.zero_grad(set_to_none=True)
        theta = theta_of(param)
        data_loss = problem.loss(theta) if index is None else problem.batch_loss(theta, index)
        total = data_loss + 0.5 * modes.l2 * (theta**2).sum() if modes.l2 else data_loss
        total.backward()  # type: ignore[no-untyped-call]
        grad = param.grad
        assert grad is not None
        value = float(data_loss.detach())
        with torch.no_grad():
            bad = not (math.isfinite(float(total.detach())) and abs(value) <= EXPLOSION)
            bad = bad or not bool(torch.isfinite(grad).all()) or float(theta.norm()) > EXPLOSION
            if bad:
                status = "diverged"
                break
            pg = param - modes.project(param - grad) if plane is None else grad
            gnorm = float(pg.norm())
        last_good = param.detach().clone()
        if step % eval_every == 0 or step == config.steps:
            with torch.no_grad():
                loss_all = value if full else float(problem.loss(theta))
            history.append(_record(problem, theta.detach(), step, loss_all, gnorm))
        if step % record_every == 0 or step == config.steps:
            snapshot(step, param)
        if full and gnorm < config.tol:
            status = "converged"
            break
        if step == config.steps:
            break
        if time.perf_counter() - last_yield >= YIELD_SECONDS:
            last_yield = time.perf_counter()
            yield progress(step)
        opt.step()
        if plane is None and modes.constraint is not None:
            with torch.no_grad():
                param.copy_(modes.project(param))
    final_step = step if status != "diverged" else max(0, step - 1)
    if not history or history[-1].step != final_step:
        with torch.no_grad():
            theta = theta_of(last_good)
            history.append(
                _record(problem, theta, final_step, float(problem.loss(theta)), math.nan)
            )
    snapshot(final_step, last_good)
    yield progress(final_step)
    with torch.no_grad():
        final_theta = theta_of(last_good).to("cpu").numpy().copy()
    return TrainResult(
        status,
        final_step,
        final_theta,
        tuple(history),
        np.stack(snaps),
        np.array(snap_steps, dtype=int),
        None if plane is None else np.array(snap_coords).reshape(-1, 2),
        problem.metric.name if problem.metric else None,
        dict(problem.baselines),
    )
