"""Autograd derivatives against the seeds' closed forms and against finite differences."""

import numpy as np
import pytest
import torch

from compute import second_order
from compute.scenarios import build_problem

RNG = np.random.default_rng(0)


def shamir_grad_hess(w, v, eps):
    """Seed 001, Example 1: the gradient and Hessian exactly as the slides state them."""
    r = w - 1 + eps * w * v
    grad = np.array([r * (1 + eps * v), r * eps * w])
    off = eps * (2 * w + 2 * eps * w * v - 1)
    hess = np.array([[(1 + eps * v) ** 2, off], [off, eps**2 * w**2]])
    return grad, hess


def factorization_grad_hess(u, v, y):
    """F = (y − uv)²: ∇F = −2(y − uv)(v, u), ∇²F = 2[[v², 2uv − y], [2uv − y, u²]]."""
    r = y - u * v
    return -2 * r * np.array([v, u]), 2 * np.array([[v * v, 2 * u * v - y], [2 * u * v - y, u * u]])


def psd_grad_hess(u, m):
    """F = ‖M − uuᵀ‖²_F: ∇F = 4(‖u‖²I − M)u, ∇²F = 4(2uuᵀ + ‖u‖²I − M).

    Seed 004 prints ∇F = 4(M − uuᵀ)u and ∇²F = 4(uᵀ + ‖u‖²I − M): the first has its sign
    flipped and the second lost a ``2u``; expanding F = ‖M‖² − 2uᵀMu + ‖u‖⁴ gives the above,
    and its stationary-point argument (Mu = ‖u‖²u) is unchanged.
    """
    nrm = u @ u
    eye = np.eye(2)
    return 4 * (nrm * eye - m) @ u, 4 * (2 * np.outer(u, u) + nrm * eye - m)


def deep_linear_grad_hess(w1, w2, x, y):
    """F = (y − (1+w₂)(1+w₁)x)², r = y − (1+w₂)(1+w₁)x."""
    a, b = 1 + w1, 1 + w2
    r = y - a * b * x
    grad = np.array([-2 * r * b * x, -2 * r * a * x])
    off = 2 * a * b * x * x - 2 * r * x
    return grad, np.array([[2 * b * b * x * x, off], [off, 2 * a * a * x * x]])


@pytest.mark.parametrize("eps", [0.1, 0.5, 1.0, 3.0])
def test_shamir_autograd_matches_seed_formulas(eps):
    pts = RNG.uniform(-3, 3, size=(50, 2))
    d = second_order(build_problem("shamir", {"eps": eps}).objective().loss, torch.from_numpy(pts))
    for p, g, h in zip(pts, d.grad.numpy(), d.hessian.numpy(), strict=True):
        g_ref, h_ref = shamir_grad_hess(*p, eps)
        np.testing.assert_allclose(g, g_ref, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(h, h_ref, rtol=1e-12, atol=1e-12)


def test_factorization_psd_and_deep_linear_match_closed_forms():
    pts = RNG.uniform(-2, 2, size=(40, 2))
    t = torch.from_numpy(pts)
    d = second_order(build_problem("factorization", {"y": 1.5}).objective().loss, t)
    for p, g, h in zip(pts, d.grad.numpy(), d.hessian.numpy(), strict=True):
        g_ref, h_ref = factorization_grad_hess(*p, 1.5)
        np.testing.assert_allclose(g, g_ref, atol=1e-12)
        np.testing.assert_allclose(h, h_ref, atol=1e-12)
    m = np.array([[2.0, 0.5], [0.5, 1.0]])
    d = second_order(build_problem("psd-factorization").objective().loss, t)
    for p, g, h in zip(pts, d.grad.numpy(), d.hessian.numpy(), strict=True):
        g_ref, h_ref = psd_grad_hess(p, m)
        np.testing.assert_allclose(g, g_ref, atol=1e-11)
        np.testing.assert_allclose(h, h_ref, atol=1e-11)
    d = second_order(build_problem("deep-linear", {"x": 0.7, "y": -1.2}).objective().loss, t)
    for p, g, h in zip(pts, d.grad.numpy(), d.hessian.numpy(), strict=True):
        g_ref, h_ref = deep_linear_grad_hess(*p, 0.7, -1.2)
        np.testing.assert_allclose(g, g_ref, atol=1e-12)
        np.testing.assert_allclose(h, h_ref, atol=1e-12)


@pytest.mark.parametrize(
    ("sid", "params"),
    [
        ("shamir", {"eps": 0.7}),
        ("factorization", {}),
        ("psd-factorization", {"m12": -0.3}),
        ("deep-linear", {}),
        ("activation", {"phi": "sigmoid", "x2": 2.0, "y2": -0.5}),
        ("activation", {"phi": "softplus"}),
        ("activation", {"phi": "tanh", "x2": -1.0, "y2": 0.3}),
        ("activation", {"phi": "square"}),
    ],
)
def test_autograd_agrees_with_central_differences(sid, params):
    """Central differences have error h²·|F'''|/6 + ε_mach·|F|/h; with h = 1e-5 the bound is
    ~1e-9 for these O(1)–O(100) smooth losses, so 1e-6 relative is a safe, still-sharp tolerance."""
    obj = build_problem(sid, params).objective()
    n = obj.dim
    pts = torch.from_numpy(RNG.uniform(-1.5, 1.5, size=(20, n)))
    d = second_order(obj.loss, pts)
    h = 1e-5
    for k in range(n):
        e = torch.zeros(n, dtype=torch.float64)
        e[k] = h
        fd_grad = (obj.loss(pts + e) - obj.loss(pts - e)) / (2 * h)
        np.testing.assert_allclose(d.grad[:, k], fd_grad, rtol=1e-6, atol=1e-6)
        fd_hess = second_order(obj.loss, pts + e).grad - second_order(obj.loss, pts - e).grad
        np.testing.assert_allclose(d.hessian[:, :, k], fd_hess / (2 * h), rtol=1e-6, atol=1e-5)


def test_relu_activation_is_flat_left_of_zero():
    """(1 − ReLU(w))² has F = 1, F' = 0 and F'' = 0 for every w < 0 (seed 004, Fig. 5.3)."""
    obj = build_problem("activation", {"phi": "relu"}).objective()
    d = second_order(obj.loss, torch.linspace(-3, -0.01, 30, dtype=torch.float64)[:, None])
    assert torch.all(d.loss == 1) and torch.all(d.grad == 0) and torch.all(d.hessian == 0)
