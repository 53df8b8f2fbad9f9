"""A quadratic Bezier curve between two points, trained as Garipov et al. (2018) do:

    φ(t) = (1 − t)² a + 2t(1 − t) c + t² b,     min_c  E_{t ~ U(0, 1)} L(φ(t)),

with the ends a, b fixed and the bend c trained by stochastic gradient steps on t (and, for
networks, on minibatches of the training samples). ∂φ(t)/∂c = 2t(1 − t): the bend moves most
for t near ½.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from dataclasses import dataclass

import torch

from compute.paths.result import PathStep

YIELD_SECONDS = 0.05
T_PER_STEP = 4
"""Values of t per training step, one in each quarter of [0, 1] (stratified)."""


def garipov_schedule(progress: float) -> float:
    """The learning-rate factor of Garipov et al.'s training: 1 for the first half, then
    linearly down to 0.01 at 90 % of the steps, 0.01 after."""
    if progress <= 0.5:
        return 1.0
    if progress >= 0.9:
        return 0.01
    return 1.0 - 0.99 * (progress - 0.5) / 0.4


def bezier_points(
    a: torch.Tensor, bend: torch.Tensor, b: torch.Tensor, t: torch.Tensor
) -> torch.Tensor:
    """φ(t) (T, n) for t (T,): the quadratic Bernstein combination of a, bend, b (n,)."""
    t = t[:, None].to(a)
    return (1 - t) ** 2 * a + 2 * t * (1 - t) * bend + t**2 * b


@dataclass(frozen=True, eq=False)
class CurveResult:
    """The trained bend (n,), the steps taken and the mean training loss of the last tenth."""

    bend: torch.Tensor
    steps: int
    last_loss: float


def train_bezier(
    loss: Callable[[torch.Tensor, torch.Tensor | None], torch.Tensor],
    a: torch.Tensor,
    b: torch.Tensor,
    steps: int,
    lr: float,
    samples: int = 0,
    batch_size: int = 0,
    seed: int = 0,
) -> Generator[PathStep, None, CurveResult]:
    """Train the bend by Adam from the midpoint (a + b)/2 with Garipov et al.'s learning-rate
    schedule (``garipov_schedule``).

    ``loss(θ[T, n], index)`` is F on the training samples ``index`` (None: the whole loss);
    each step draws T_PER_STEP stratified t and, where ``samples`` > 0 and ``batch_size`` > 0,
    a minibatch of ``batch_size`` samples (seeded by ``seed``). Yields a PathStep (the curve at
    9 points) about every 50 ms; closing the generator stops the training.
    """
    gen = torch.Generator().manual_seed(seed)
    bend = (0.5 * (a + b)).clone().requires_grad_(True)
    opt = torch.optim.Adam([bend], lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: garipov_schedule(i / max(steps, 1)))
    quarters = torch.arange(T_PER_STEP, dtype=torch.float64) / T_PER_STEP
    show = torch.linspace(0, 1, 9, dtype=torch.float64)
    last, losses = time.perf_counter(), []
    for step in range(steps):
        t = quarters + torch.rand(T_PER_STEP, generator=gen, dtype=torch.float64) / T_PER_STEP
        index = None
        if samples > 0 and 0 < batch_size < samples:
            index = torch.randperm(samples, generator=gen)[:batch_size].to(a.device)
        value = loss(bezier_points(a, bend, b, t), index).mean()
        opt.zero_grad()
        value.backward()  # type: ignore[no-untyped-call]
        opt.step()
        sched.step()
        losses.append(float(value.detach()))
        if time.perf_counter() - last > YIELD_SECONDS:
            last = time.perf_counter()
            with torch.no_grad():
                nodes = bezier_points(a, bend.detach(), b, show)
            yield PathStep("curve", step + 1, steps, 0.9 * (step + 1) / steps, nodes.cpu().numpy())
    tail = losses[-max(1, len(losses) // 10) :]
    return CurveResult(bend.detach(), steps, sum(tail) / len(tail))
