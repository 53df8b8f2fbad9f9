"""The student–teacher scenarios of seed 000, built from a seed: ``li-yuan``, ``resnet-block``,
``li-yuan-on-resnet`` and the ``relaxation`` between the last two.

Each builder takes the scenario's resolved parameter values and returns a NetworkProblem: the
data x ~ N(0, I_d), y = f(x; θ*) + noise · ξ of a teacher θ*, the student's initialization and
reference points, all drawn from one seeded ``torch.Generator`` (so the same values give the
same problem); the metric is the distance to the teacher ‖θ − θ*‖₂.
"""

from __future__ import annotations

import math
import time
from collections.abc import Generator
from dataclasses import replace

import torch

from compute.networks import models
from compute.networks.builder_tools import check_size, with_norm
from compute.networks.datasets import Dataset, gaussian_inputs, generator
from compute.networks.groups import ColumnPermutations, UnitPermutationsAndScalings
from compute.networks.problem import Metric, NetworkProblem
from compute.networks.symmetry import teacher_metrics


def _teacher_data(
    gen: torch.Generator,
    model: models.Model,
    teacher: torch.Tensor,
    dim: int,
    samples: int,
    test_samples: int,
    noise: float,
) -> Dataset:
    """x ~ N(0, I_d), y = f(x; θ*) + noise · ξ with ξ ~ N(0, 1), for train and test."""
    p = model.layout.unflatten(teacher)
    parts = []
    for n in (samples, test_samples):
        x = gaussian_inputs(gen, n, dim)
        with torch.no_grad():
            y = model.forward(p, x)
        parts += [x, y + noise * torch.randn(y.shape, generator=gen)]
    return Dataset(parts[0], parts[1], parts[2], parts[3])


def distance_to_teacher(problem: NetworkProblem, theta: torch.Tensor) -> torch.Tensor:
    """‖θ − θ*‖₂: ‖W − W*‖_F for li-yuan, ‖(W₁, W₂) − (W₁*, W₂*)‖_F for the ResNet block."""
    return torch.linalg.vector_norm(theta - problem.reference("teacher"), dim=-1)


def li_yuan(
    dim: int,
    samples: int,
    test_samples: int,
    teacher_norm: float,
    init_norm: float,
    noise: float,
    seed: int,
) -> NetworkProblem:
    """Student and teacher ``‖ReLU((I + W)ᵀx)‖₁``, ‖W*‖_F = teacher_norm, ‖W₀‖_F = init_norm."""
    gen = generator(seed)
    model = check_size(models.li_yuan(dim))
    teacher = with_norm(gen, (dim * dim,), teacher_norm)
    init = with_norm(gen, (dim * dim,), init_norm)
    data = _teacher_data(gen, model, teacher, dim, samples, test_samples, noise)
    refs = {"init": init, "teacher": teacher}
    metric = Metric("‖W − W*‖_F", distance_to_teacher)
    group = ColumnPermutations("W")
    return NetworkProblem(
        "li-yuan",
        {},
        model,
        data,
        init,
        refs,
        metric,
        symmetry=group,
        extra_metrics=teacher_metrics,
    )


def _resnet_teacher(gen: torch.Generator, dim: int, hidden: int, scale: float) -> torch.Tensor:
    """W₁* (d, h) and W₂* (h, d) with entries N(0, scale² / fan_in), flattened."""
    w1 = torch.randn(dim, hidden, generator=gen) * (scale / math.sqrt(dim))
    w2 = torch.randn(hidden, dim, generator=gen) * (scale / math.sqrt(hidden))
    return torch.cat([w1.reshape(-1), w2.reshape(-1)])


def resnet_block(
    dim: int,
    hidden: int,
    samples: int,
    test_samples: int,
    teacher_scale: float,
    init_norm: float,
    noise: float,
    seed: int,
) -> NetworkProblem:
    """Student and teacher ``‖W₂ᵀReLU(W₁ᵀx) + x‖₁``; the student starts with ‖W_i‖_F = init_norm."""
    gen = generator(seed)
    model = check_size(models.resnet_block(dim, hidden))
    teacher = _resnet_teacher(gen, dim, hidden, teacher_scale)
    data = _teacher_data(gen, model, teacher, dim, samples, test_samples, noise)
    init = torch.cat([with_norm(gen, (dim * hidden,), init_norm) for _ in range(2)])
    refs = {"init": init, "teacher": teacher}
    metric = Metric("‖(W₁, W₂) − (W₁*, W₂*)‖_F", distance_to_teacher)
    group = UnitPermutationsAndScalings("W1", "W2")
    return NetworkProblem(
        "resnet-block",
        {},
        model,
        data,
        init,
        refs,
        metric,
        symmetry=group,
        extra_metrics=teacher_metrics,
    )


def li_yuan_on_resnet(
    dim: int,
    hidden: int,
    samples: int,
    test_samples: int,
    teacher_scale: float,
    init_norm: float,
    noise: float,
    seed: int,
) -> NetworkProblem:
    """The Li–Yuan student on the ResNet-block teacher (the same teacher and data as
    ``resnet-block`` with the same seed); loss only: the two have different parameters."""
    rb = resnet_block(dim, hidden, samples, test_samples, teacher_scale, init_norm, noise, seed)
    gen = generator(seed + 7919)  # the student's own draw, independent of the teacher's
    model = check_size(models.li_yuan(dim))
    init = with_norm(gen, (dim * dim,), init_norm)
    return NetworkProblem("li-yuan-on-resnet", {}, model, rb.data, init, {"init": init})


def _fit(
    problem: NetworkProblem, start: torch.Tensor, steps: int, lr: float
) -> Generator[str, None, torch.Tensor]:
    """Full-batch Adam from ``start`` for ``steps`` steps (the relaxation's first stage),
    yielding its progress about every 50 ms. Part of building the problem, not a user's run:
    a plain Adam loop on one point, fixed settings, no records."""
    theta = start.clone().requires_grad_(True)
    opt = torch.optim.Adam([theta], lr=lr)
    last = time.perf_counter()
    for step in range(steps):
        opt.zero_grad()
        problem.loss(theta).backward()  # type: ignore[no-untyped-call]
        opt.step()
        if time.perf_counter() - last > 0.05:
            last = time.perf_counter()
            yield f"fitting the Li–Yuan student (step {step + 1}/{steps})"
    return theta.detach()


def relaxation(
    dim: int,
    samples: int,
    test_samples: int,
    teacher_scale: float,
    init_norm: float,
    noise: float,
    relax_steps: int,
    relax_lr: float,
    seed: int,
) -> Generator[str, None, NetworkProblem]:
    """A ResNet block (h = d) warm-started with W₁ = W₂ = W_LY, as seed 000 tried.

    W_LY is the Li–Yuan student fitted to the ResNet teacher (``li-yuan-on-resnet`` with the
    same values) by ``relax_steps`` full-batch Adam steps; the "relaxation" of seed 000's
    last experiment. References: the teacher, the warm start ``init`` and, as a baseline, the
    Li–Yuan student's final loss.
    """
    ly = li_yuan_on_resnet(dim, dim, samples, test_samples, teacher_scale, init_norm, noise, seed)
    w_ly = yield from _fit(ly, ly.init, relax_steps, relax_lr)
    rb = resnet_block(dim, dim, samples, test_samples, teacher_scale, init_norm, noise, seed)
    init = torch.cat([w_ly, w_ly])
    with torch.no_grad():
        ly_loss = float(ly.loss(w_ly))
    refs = {"init": init, "teacher": rb.reference("teacher")}
    baselines = {"Li–Yuan student": ly_loss}
    return replace(rb, id="relaxation", init=init, references=refs, baselines=baselines)
