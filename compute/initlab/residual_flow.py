"""A smooth invertible target map (an ODE flow) and deep ReLU residual nets that fit it."""

from __future__ import annotations

import torch

from compute.networks.datasets import Dataset, gaussian_inputs, generator
from compute.networks.models import Model, squared_norm
from compute.networks.problem import Metric, NetworkProblem
from compute.objectives.layout import ParamLayout, Params

FLOW_STEPS = 64
"""RK4 steps of the target flow over t ∈ [0, 1]: the error is O(FLOW_STEPS⁻⁴), far below
the fits' residuals."""


def flow_field(
    gen: torch.Generator, dim: int, strength: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """The vector field F(x) = M x + tanh(A x): M, A (d, d) Gaussian with ‖M‖_F = ‖A‖_F = strength.

    F is C^∞ and globally Lipschitz (Lip F ≤ ‖M‖₂ + ‖A‖₂ ≤ 2·strength), so by Picard–Lindelöf
    its flow φ_t exists for all t and is a diffeomorphism of ℝ^d with inverse φ_{−t}: the
    target h = φ₁ is smooth and invertible with Lipschitz derivative and inverse, as seed 002's
    theorem requires. It also factors explicitly into near-identity maps,
    h = (φ_{1/m})^m with Lip(φ_{1/m} − Id) ≤ e^{Lip F / m} − 1 = O(1/m).
    """
    m = torch.randn(dim, dim, generator=gen, dtype=torch.float64)
    a = torch.randn(dim, dim, generator=gen, dtype=torch.float64)
    return m * (strength / float(m.norm())), a * (strength / float(a.norm()))


def flow_map(x: torch.Tensor, m: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    """h(x) = φ₁(x), the time-1 flow of x' = M x + tanh(A x), by classical RK4: x (N, d) → (N, d).

    Hand-written (four lines) rather than scipy's solve_ivp: it integrates all N samples as one
    batched tensor with a fixed step, which solve_ivp would treat as one stiff-checked system.
    """
    z, dt = x.to(torch.float64), 1.0 / FLOW_STEPS

    def field(v: torch.Tensor) -> torch.Tensor:
        return v @ m.T + torch.tanh(v @ a.T)

    for _ in range(FLOW_STEPS):
        k1 = field(z)
        k2 = field(z + 0.5 * dt * k1)
        k3 = field(z + 0.5 * dt * k2)
        k4 = field(z + dt * k3)
        z = z + (dt / 6.0) * (k1 + 2 * k2 + 2 * k3 + k4)
    return z.to(x.dtype)


def relu_residual(dim: int, hidden: int, depth: int) -> Model:
    """Hardt & Ma's residual units (seed 003): h_i(x) = x + V_i ReLU(U_i x + b_i), i = 1…m.

    U_i (k, d), b_i (k,), V_i (d, k); the net is h_m ∘ … ∘ h_1. ``z = U_1 x + b_1`` (affine in
    θ), width k; the loss of a sample is ‖y − h(x)‖².
    """
    entries: list[tuple[str, tuple[int, ...], str]] = []
    for i in range(1, depth + 1):
        entries += [
            (f"U{i}", (hidden, dim), "weight"),
            (f"b{i}", (hidden,), "bias"),
            (f"V{i}", (dim, hidden), "weight"),
        ]
    layout = ParamLayout.of(entries)

    def features(p: Params, x: torch.Tensor) -> torch.Tensor:
        return x @ p["U1"].transpose(-1, -2) + p["b1"].unsqueeze(-2)

    def head(p: Params, z: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        h = x + torch.relu(z) @ p["V1"].transpose(-1, -2)
        for i in range(2, depth + 1):
            u = h @ p[f"U{i}"].transpose(-1, -2) + p[f"b{i}"].unsqueeze(-2)
            h = h + torch.relu(u) @ p[f"V{i}"].transpose(-1, -2)
        return h

    return Model(layout, features, head, squared_norm, hidden)


def branch_jacobian_norms(model: Model, theta: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """max over the samples of ‖D(h_i − Id)‖₂ for each layer i: θ (n,), x (N, d) → (m,).

    The branch of layer i is g_i(v) = V_i ReLU(U_i v + b_i); its Jacobian at the layer's input
    v is V_i diag(1[U_i v + b_i > 0]) U_i (exact for ReLU away from its kinks, so no autograd
    is needed). The largest spectral norm over the data is a lower estimate of the Lipschitz
    constant ‖h_i − Id‖_L of seed 002 (which is the supremum over all of ℝ^d).
    """
    p = model.layout.unflatten(theta.detach())
    depth = len(model.layout.blocks) // 3
    h, sizes = x, []
    with torch.no_grad():
        for i in range(1, depth + 1):
            u_mat, v_mat = p[f"U{i}"], p[f"V{i}"]
            pre = h @ u_mat.T + p[f"b{i}"]
            jac = v_mat @ ((pre > 0).to(h.dtype).unsqueeze(-1) * u_mat)  # (N, d, d)
            sizes.append(torch.linalg.matrix_norm(jac, ord=2).amax())
            h = h + torch.relu(pre) @ v_mat.T
    return torch.stack(sizes)


def _largest_branch_norm(problem: NetworkProblem, theta: torch.Tensor) -> torch.Tensor:
    """max_i ‖h_i − Id‖ (``branch_jacobian_norms``), batched: θ (..., n) → (...)."""
    flat = theta.reshape(-1, theta.shape[-1])
    x = problem.data.x_train
    out = [branch_jacobian_norms(problem.model, t, x).amax() for t in flat]
    return torch.stack(out).reshape(theta.shape[:-1])


def relu_flow_problem(
    dim: int, hidden: int, depth: int, samples: int, strength: float, init_norm: float, seed: int
) -> NetworkProblem:
    """m ReLU residual units fitting y = φ₁(x) (``flow_field``) on x ~ N(0, I_d), no noise.

    Initialization (seeded): U_i ~ N(0, 1/d) and b_i ~ N(0, 1) entrywise (random hinge
    features across the data), V_i Gaussian with ‖V_i‖_F = init_norm, so every layer starts
    within ``init_norm · max‖U_i‖`` of the identity. Metric: max_i ‖h_i − Id‖ estimated by
    ``branch_jacobian_norms``. Test data: ``samples // 4`` further draws.
    """
    gen = generator(seed)
    field_m, field_a = flow_field(gen, dim, strength)
    model = relu_residual(dim, hidden, depth)
    x_train = gaussian_inputs(gen, samples, dim)
    x_test = gaussian_inputs(gen, max(1, samples // 4), dim)
    data = Dataset(
        x_train, flow_map(x_train, field_m, field_a), x_test, flow_map(x_test, field_m, field_a)
    )
    parts: dict[str, torch.Tensor] = {}
    for i in range(1, depth + 1):
        parts[f"U{i}"] = torch.randn(hidden, dim, generator=gen) / dim**0.5
        parts[f"b{i}"] = torch.randn(hidden, generator=gen)
        v = torch.randn(dim, hidden, generator=gen)
        parts[f"V{i}"] = v * (init_norm / float(v.norm())) if init_norm > 0 else v * 0.0
    init = model.layout.flatten(parts)
    metric = Metric(
        "max_i ‖h_i − Id‖ (largest branch Jacobian over the data)", _largest_branch_norm
    )
    return NetworkProblem("relu-flow", {}, model, data, init, {"init": init}, metric)
