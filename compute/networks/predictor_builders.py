"""The predictor scenarios of seeds 001 and 003 and the digits ResNet, built from a seed:
``residual-predictor`` (Shamir), ``linear-residual`` (Hardt & Ma), ``digits-resnet``.

Each builder takes the scenario's resolved parameter values and returns a NetworkProblem: the
data, the initialization and reference points, all drawn from one seeded ``torch.Generator``
(so the same values give the same problem), plus the scenario's metric and baselines (the best
linear predictor F_lin, the least-squares floor).
"""

from __future__ import annotations

import math

import torch

from compute.errors import LandscapeError
from compute.networks import models
from compute.networks.builder_tools import check_size, least_squares, with_norm
from compute.networks.datasets import Dataset, digits, gaussian_inputs, generator
from compute.networks.problem import Metric, NetworkProblem
from compute.networks.resnet_init import forward_multipliers, residual_mlp_init
from compute.networks.symmetry import teacher_metrics
from compute.networks.weight_matching import ResidualMLPPermutations


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
    model = check_size(models.residual_predictor(dim, hidden, variant == "skip"))
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
    w_lin = least_squares(data.x_train, data.y_train).reshape(1, dim)
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
    model = check_size(models.linear_residual(dim, depth))
    m = with_norm(gen, (dim, dim), r_norm)
    r = torch.linalg.matrix_exp(m)
    parts = []
    for n in (samples, test_samples):
        x = gaussian_inputs(gen, n, dim)
        parts += [x, x @ r.T + noise * torch.randn(n, dim, generator=gen)]
    data = Dataset(parts[0], parts[1], parts[2], parts[3])
    init = torch.cat([with_norm(gen, (dim * dim,), init_norm) for _ in range(depth)])
    root = (torch.linalg.matrix_exp(m / depth) - torch.eye(dim)).reshape(-1)
    teacher = root.repeat(depth)
    r_hat = least_squares(data.x_train, data.y_train)  # (d, d): Y ≈ X R̂ᵀ
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
    model = check_size(models.residual_mlp(64, width, blocks, 10, alpha, beta))
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
