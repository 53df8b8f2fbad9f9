"""Curvature operators against independent answers: finite differences, closed forms, threads."""

import threading

import numpy as np
import pytest
import torch
from torch.func import grad

from compute.curvature import (
    block_indices,
    ggn_operator,
    hessian_operator,
    loss_curvature,
    network_curvature,
    restrict,
    shifted,
)
from compute.errors import LandscapeError
from compute.scenarios import build_problem


@pytest.fixture(scope="module")
def li_yuan():
    problem = build_problem("li-yuan", {"samples": 256}).to(dtype=torch.float64)
    gen = torch.Generator().manual_seed(1)
    theta = problem.init + 0.3 * torch.randn(problem.dim, generator=gen, dtype=torch.float64)
    return problem, theta


def fd_hvp(loss, theta, v, h=1e-5):
    """(∇F(θ + h v) − ∇F(θ − h v)) / 2h: central differences of the gradient, O(h²)."""
    g = grad(loss)
    return (g(theta + h * v) - g(theta - h * v)) / (2 * h)


def test_hvp_matches_central_differences_of_the_gradient(li_yuan):
    problem, theta = li_yuan
    op = network_curvature(problem, theta)
    gen = torch.Generator().manual_seed(0)
    for _ in range(3):
        v = torch.randn(problem.dim, generator=gen, dtype=torch.float64)
        exact, approx = op.matvec(v), fd_hvp(problem.loss, theta, v)
        assert torch.linalg.vector_norm(exact - approx) <= 1e-6 * torch.linalg.vector_norm(exact)
    assert op.hvp_count == 3


def test_sample_subset_is_the_hessian_of_that_minibatch(li_yuan):
    problem, theta = li_yuan
    index = torch.arange(0, 256, 5)
    op = network_curvature(problem, theta, samples=index)
    v = torch.randn(problem.dim, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    approx = fd_hvp(lambda t: problem.batch_loss(t, index), theta, v)
    assert torch.allclose(op.matvec(v), approx, rtol=1e-6, atol=1e-8)
    with pytest.raises(LandscapeError, match="sample indices"):
        network_curvature(problem, theta, samples=[10_000])


def linear_model(n_samples=40, dim=6, seed=0):
    """z = X θ, ℓ(z) = ½ mean (z − y)²: Hessian = GGN = XᵀX / N exactly."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n_samples, dim, generator=gen, dtype=torch.float64)
    y = torch.randn(n_samples, generator=gen, dtype=torch.float64)
    return x, y, x.T @ x / n_samples


def dense(op):
    return op.matmat(torch.eye(op.size, dtype=op.dtype)).numpy()


def test_ggn_equals_hessian_and_closed_form_for_linear_least_squares():
    x, y, closed = linear_model()
    theta = torch.randn(6, dtype=torch.float64)

    def outputs(t):
        return x @ t

    def output_loss(z):
        return 0.5 * ((z - y) ** 2).mean()

    g = dense(ggn_operator(outputs, output_loss, theta))
    h = dense(hessian_operator(lambda t: output_loss(outputs(t)), theta))
    np.testing.assert_allclose(g, closed.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h, closed.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("sid", ["digits-resnet", "li-yuan"])
def test_ggn_is_positive_semidefinite_where_the_hessian_is_not(sid):
    sets = {"width": 4, "blocks": 1} if sid == "digits-resnet" else {"samples": 128}
    problem = build_problem(sid, sets).to(dtype=torch.float64)
    theta = problem.init + 0.5 * torch.randn(problem.dim, dtype=torch.float64)
    g = dense(network_curvature(problem, theta, matrix="ggn"))
    np.testing.assert_allclose(g, g.T, atol=1e-10)
    eig = np.linalg.eigvalsh(0.5 * (g + g.T))
    assert eig.min() >= -1e-9 * eig.max()


def test_block_restriction_is_the_principal_submatrix():
    problem = build_problem("residual-predictor", {"samples": 64}).to(dtype=torch.float64)
    theta = problem.init + 0.1
    idx = block_indices(problem.model.layout, "w,V")
    layout = problem.model.layout
    expected = torch.cat(
        [torch.arange(layout.block(b).offset, layout.block(b).stop) for b in ("w", "V")]
    )
    assert torch.equal(idx, expected)
    full = dense(network_curvature(problem, theta))
    block = dense(network_curvature(problem, theta, blocks=["w", "V"]))
    np.testing.assert_allclose(block, full[np.ix_(idx.numpy(), idx.numpy())], rtol=1e-12)
    with pytest.raises(LandscapeError, match="no parameter block"):
        block_indices(layout, "w,Q")


def test_l2_shift_and_restriction_share_the_product_count():
    a = torch.diag(torch.arange(1.0, 6.0, dtype=torch.float64))
    op = hessian_operator(lambda t: 0.5 * t @ a @ t, torch.zeros(5, dtype=torch.float64))
    sub = shifted(restrict(op, torch.tensor([1, 3])), 0.5)
    out = sub.matvec(torch.tensor([1.0, 1.0], dtype=torch.float64))
    assert out.tolist() == [2.5, 4.5]
    assert op.hvp_count == 1 and sub.hvp_count == 1


def test_toy_loss_operator_refuses_non_finite_points():
    loss = lambda t: (t**2).sum()  # noqa: E731
    with pytest.raises(LandscapeError, match="non-finite"):
        loss_curvature(loss, torch.tensor([0.0, float("nan")], dtype=torch.float64))


def test_two_threads_compute_products_at_once(li_yuan):
    problem, theta = li_yuan
    gen = torch.Generator().manual_seed(3)
    vs = torch.randn(12, problem.dim, generator=gen, dtype=torch.float64)
    points = [theta, theta + 0.2]
    expected = [[fd_hvp(problem.loss, p, v) for v in vs] for p in points]
    shared = network_curvature(problem, theta)
    results: dict[str, list[torch.Tensor]] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def work(key, point):
        try:
            op = network_curvature(problem, point) if key == "own" else shared
            barrier.wait()
            results[key] = [op.matvec(v) for v in vs for _ in range(3)][::3]
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=work, args=(key, point))
        for key, point in (("own", points[1]), ("shared", points[0]), ("shared2", points[0]))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors and len(results) == 3
    for got, want in zip(results["own"], expected[1], strict=True):
        assert torch.allclose(got, want, rtol=1e-6, atol=1e-9)
    for key in ("shared", "shared2"):
        for got, want in zip(results[key], expected[0], strict=True):
            assert torch.allclose(got, want, rtol=1e-6, atol=1e-9)
    assert shared.hvp_count == 2 * 3 * len(vs)
