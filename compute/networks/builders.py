"""The network scenarios of seeds 000, 001 and 003 and the digits ResNet, built from a seed.

Each builder takes the scenario's resolved parameter values and returns a NetworkProblem: the
data, the teacher (where there is one), the student's initialization and reference points, all
drawn from one seeded ``torch.Generator`` (so the same values give the same problem), plus the
scenario's metric and baselines.
"""

from __future__ import annotations

import math
import time
from collections.abc import Generator
from dataclasses import replace

import torch

from compute.errors import LandscapeError
from compute.networks import models
from compute.networks.datasets import Dataset, digits, gaussian_inputs, generator
from compute.networks.groups import ColumnPermutations, UnitPermutationsAndScalings
from compute.networks.problem import Metric, NetworkProblem
from compute.networks.resnet_init import forward_multipliers, residual_mlp_init
from compute.networks.symmetry import teacher_metrics
from compute.networks.weight_matching import ResidualMLPPermutations

MAX_PARAMS = 2_000_000


def _check_size(model: models.Model) -> models.Model:
    if model.layout.size > MAX_PARAMS:
        raise LandscapeError(
            f"the network would have {model.layout.size} parameters (at most {MAX_PARAMS})"
        )
    return model


def _with_norm(gen: torch.Generator, shape: tuple[int, ...], norm: float) -> torch.Tensor:
    """A Gaussian tensor rescaled to Frobenius norm ``norm`` (0 gives zeros)."""
    w = torch.randn(*shape, generator=gen)
    return w * (norm / float(w.norm())) if norm > 0 else torch.zeros(shape)


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


def excess_over_linear(problem: NetworkProblem, theta: torch.Tensor) -> torch.Tensor:
    """F(θ) − F_lin: below zero where the residual predictor beats the best linear one."""
    return problem.loss(theta) - problem.baselines["F_lin"]


def max_spectral_norm(problem: NetworkProblem, theta: torch.Tensor) -> torch.Tensor:
    """max_i ‖A_i‖₂ (largest singular value of each layer), batched over θ's leading dims."""
    p = problem.model.layout.unflatten(theta)
    norms = torch.stack([torch.linalg.matrix_norm(a, ord=2) for a in p.values()], dim=-1)
    return norms.amax(dim=-1)


def held_out_accuracy(problem: NetworkProblem, theta: torch.Tensor) -> torch.Tensor:
    acc = problem.accuracy(theta, "test")
    assert acc is not None
    return acc


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
    model = _check_size(models.li_yuan(dim))
    teacher = _with_norm(gen, (dim * dim,), teacher_norm)
    init = _with_norm(gen, (dim * dim,), init_norm)
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
    model = _check_size(models.resnet_block(dim, hidden))
    teacher = _resnet_teacher(gen, dim, hidden, teacher_scale)
    data = _teacher_data(gen, model, teacher, dim, samples, test_samples, noise)
    init = torch.cat([_with_norm(gen, (dim * hidden,), init_norm) for _ in range(2)])
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
    model = _check_size(models.li_yuan(dim))
    init = _with_norm(gen, (dim * dim,), init_norm)
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


def _least_squares(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """argmin_w mean ½ (wᵀx − y)² (or ‖y − W x‖² column-wise), in float64."""
    solution = torch.linalg.lstsq(x.double(), y.double().reshape(len(y), -1)).solution
    return solution.to(x.dtype)


def residual_predictor(
    dim: int,
    hidden: int,
    samples: int,
    test_samples: int,
    teacher_units: int,
    noise: float,
    variant: str,
    seed: int,
) -> NetworkProblem:
    """Shamir's ``wᵀ(x + V f_θ(x))`` (or, ``variant="skip"``, ``wᵀx + vᵀf_θ(x)``) on
    ``y = βᵀx + Σ_k a_k ReLU(u_kᵀx) + noise·ξ``, against the best linear predictor F_lin.

    F_lin = min_w ½ mean (wᵀx − y)², by least squares on the training data. The reference
    point ``linear`` is (w_lin, V = 0, U₀, c₀), where F equals F_lin exactly.
    """
    if variant not in ("residual", "skip"):
        raise LandscapeError(f"variant must be residual or skip, got {variant!r}")
    gen = generator(seed)
    model = _check_size(models.residual_predictor(dim, hidden, variant == "skip"))
    beta = torch.randn(dim, generator=gen) / math.sqrt(dim)
    u = torch.randn(teacher_units, dim, generator=gen) / math.sqrt(dim)
    a = torch.randn(teacher_units, generator=gen)
    parts = []
    for n in (samples, test_samples):
        x = gaussian_inputs(gen, n, dim)
        y = x @ beta + torch.relu(x @ u.T) @ a
        parts += [x, y + noise * torch.randn(n, generator=gen)]
    data = Dataset(parts[0], parts[1], parts[2], parts[3])
    mix = "v" if variant == "skip" else "V"
    init_parts = {
        "w": 0.1 * torch.randn(1, dim, generator=gen),
        mix: torch.randn(model.layout.block(mix).shape, generator=gen) * (0.1 / math.sqrt(hidden)),
        "U": torch.randn(hidden, dim, generator=gen) / math.sqrt(dim),
        "c": torch.zeros(hidden),
    }
    init = model.layout.flatten(init_parts)
    w_lin = _least_squares(data.x_train, data.y_train).reshape(1, dim)
    linear = model.layout.flatten(init_parts | {"w": w_lin, mix: torch.zeros_like(init_parts[mix])})
    with torch.no_grad():
        f_lin = float(0.5 * ((data.x_train @ w_lin.reshape(-1) - data.y_train) ** 2).mean())
        f_lin_test = float(0.5 * ((data.x_test @ w_lin.reshape(-1) - data.y_test) ** 2).mean())
    refs = {"init": init, "linear": linear}
    metric = Metric("F − F_lin", excess_over_linear)
    baselines = {"F_lin": f_lin, "F_lin (test)": f_lin_test}
    return NetworkProblem(
        "residual-predictor",
        {},
        model,
        data,
        init,
        refs,
        metric,
        baselines,
        sopsp_blocks=("w", mix),
        output_block="w",
    )


def linear_residual(
    dim: int,
    depth: int,
    samples: int,
    test_samples: int,
    r_norm: float,
    init_norm: float,
    noise: float,
    seed: int,
) -> NetworkProblem:
    """Hardt & Ma's ``(I + A_l)…(I + A_1)`` on ``Y = RX + ξ``, R = exp(M), ‖M‖_F = r_norm.

    R = exp(M) has a real l-th root exp(M / l), so the reference point ``teacher`` is
    A_i = exp(M / l) − I for every i (a global minimum of the population risk, with norms of
    order ‖M‖ / l). Baseline ``least squares``: min over all R̂ of mean ‖Y − R̂X‖².
    """
    gen = generator(seed)
    model = _check_size(models.linear_residual(dim, depth))
    m = _with_norm(gen, (dim, dim), r_norm)
    r = torch.linalg.matrix_exp(m)
    parts = []
    for n in (samples, test_samples):
        x = gaussian_inputs(gen, n, dim)
        parts += [x, x @ r.T + noise * torch.randn(n, dim, generator=gen)]
    data = Dataset(parts[0], parts[1], parts[2], parts[3])
    init = torch.cat([_with_norm(gen, (dim * dim,), init_norm) for _ in range(depth)])
    root = (torch.linalg.matrix_exp(m / depth) - torch.eye(dim)).reshape(-1)
    teacher = root.repeat(depth)
    r_hat = _least_squares(data.x_train, data.y_train)  # (d, d): Y ≈ X R̂ᵀ
    with torch.no_grad():
        ls = float(((data.x_train @ r_hat - data.y_train) ** 2).sum(-1).mean())
    metric = Metric("max_i ‖A_i‖₂", max_spectral_norm)
    return NetworkProblem(
        "linear-residual",
        {},
        model,
        data,
        init,
        {"init": init, "teacher": teacher},
        metric,
        {"least squares": ls},
        extra_metrics=teacher_metrics,
    )


def digits_resnet(
    width: int, blocks: int, test_fraction: float, init: str, seed: int
) -> NetworkProblem:
    """A residual MLP on the 8×8 digits; metric: test accuracy.

    ``init="default"``: nn.Linear's U(−1/√fan_in, 1/√fan_in) for weights and biases; otherwise
    one of the initialization lab's schemes (``compute.networks.resnet_init``: xavier, scaled,
    alpha,
    beta, fixup), with the α/β forward multipliers those schemes need built into the model.
    """
    data = digits(seed, test_fraction)
    alpha, beta = (1.0, 1.0) if init == "default" else forward_multipliers(init, blocks)
    model = _check_size(models.residual_mlp(64, width, blocks, 10, alpha, beta))
    gen = generator(seed)
    if init == "default":
        parts = {}
        for block in model.layout.blocks:
            fan_in = block.shape[-1] if block.kind == "weight" else _fan_in(model, block.name)
            bound = 1.0 / math.sqrt(fan_in)
            parts[block.name] = (torch.rand(block.shape, generator=gen) * 2 - 1) * bound
        theta0 = model.layout.flatten(parts)
    else:
        theta0 = residual_mlp_init(model.layout, blocks, init, gen)
    metric = Metric("test accuracy", held_out_accuracy)
    group = ResidualMLPPermutations(blocks)
    refs = {"init": theta0}
    return NetworkProblem("digits-resnet", {}, model, data, theta0, refs, metric, symmetry=group)


def _fan_in(model: models.Model, bias_name: str) -> int:
    weight = "W" + bias_name[1:]
    return model.layout.block(weight).shape[-1]
