"""Curvature maps against per-point dense eigvalsh; seed 001's ε-SOPSP on residual-predictor."""

import numpy as np
import pytest
import torch
from torch.func import grad, jacrev, vmap

from compute.curvature import (
    batched_extremes,
    block_indices,
    curvature_map,
    default_blocks,
    estimate_mu2,
    sopsp,
)
from compute.errors import LandscapeError
from compute.generators import drain
from compute.geometry.planes import random_plane
from compute.scenarios import build_problem


@pytest.fixture(scope="module")
def li_yuan():
    problem = build_problem("li-yuan", {"samples": 256}).to(dtype=torch.float64)
    return problem, random_plane(problem.model.layout, problem.init, seed=0)


def dense_extremes(loss, points):
    hess = vmap(jacrev(grad(loss)))(points)
    eig = torch.linalg.eigvalsh(hess)
    return eig[:, 0].numpy(), eig[:, -1].numpy()


def test_curvature_map_matches_dense_eigvalsh_at_every_cell(li_yuan):
    problem, plane = li_yuan
    gen = curvature_map(problem.loss, plane.origin, plane.d1, plane.d2, shape=(5, 7), tol=1e-6)
    cells = []
    while True:
        try:
            cells.append(next(gen))
        except StopIteration as stop:
            result = stop.value
            break
    assert [c.done for c in cells] == sorted(c.done for c in cells) and cells[-1].done == 35
    first = cells[0]
    assert set(zip(first.ib % 4, first.ia % 4, strict=True)) == {(0, 0)}  # coarse cells first
    aa, bb = np.meshgrid(result.a, result.b)
    coords = torch.as_tensor(np.stack([aa.ravel(), bb.ravel()], 1))
    points = plane.origin + coords[:, :1] * plane.d1 + coords[:, 1:] * plane.d2
    lo, hi = dense_extremes(problem.loss, points)
    scale = np.abs(hi).max()
    np.testing.assert_allclose(result.lam_min.ravel(), lo, atol=1e-5 * scale)
    np.testing.assert_allclose(result.lam_max.ravel(), hi, rtol=1e-6)
    assert result.converged.all()
    np.testing.assert_allclose(result.ratio, np.abs(result.lam_min / result.lam_max))


def test_batched_extremes_of_a_toy_saddle_line():
    """Shamir (seed 001) along v = −1/ε, where the Hessian is [[0, −ε], [−ε, w²ε²]],
    checked against eigvalsh of the closed form."""
    eps = 0.5
    loss = build_problem("shamir", {"eps": eps}).objective().loss
    w = torch.linspace(-1, 1, 9, dtype=torch.float64)
    points = torch.stack([w, torch.full_like(w, -1 / eps)], 1)
    ext = batched_extremes(loss, points, tol=1e-12)
    # F = ½(w(1 + εv) − 1)²: F_ww = (1 + εv)² = 0, F_wv = ε(2w(1 + εv) − 1) = −ε, F_vv = w²ε²
    closed = torch.stack(
        [
            torch.stack([torch.zeros_like(w), torch.full_like(w, -eps)], -1),
            torch.stack([torch.full_like(w, -eps), w**2 * eps**2], -1),
        ],
        -2,
    )
    eig = torch.linalg.eigvalsh(closed)
    np.testing.assert_allclose(ext.lam_min, eig[:, 0].numpy(), rtol=1e-10)
    np.testing.assert_allclose(ext.lam_max, eig[:, 1].numpy(), rtol=1e-10)


def test_curvature_map_on_explicit_axes_and_refusing_an_empty_grid(li_yuan):
    problem, plane = li_yuan
    a, b = np.array([-0.5, 0.25]), np.array([0.1, 0.2, 0.7])
    result = drain(curvature_map(problem.loss, plane.origin, plane.d1, plane.d2, axes=(a, b)))
    assert result.lam_max.shape == (3, 2)
    point = plane.origin + 0.25 * plane.d1 + 0.7 * plane.d2
    lo, hi = dense_extremes(problem.loss, point[None])
    assert result.lam_max[2, 1] == pytest.approx(hi[0], rel=1e-6)
    assert result.lam_min[2, 1] == pytest.approx(lo[0], abs=1e-3 * abs(hi[0]))
    with pytest.raises(LandscapeError, match="at least 1×1"):
        drain(curvature_map(problem.loss, plane.origin, plane.d1, plane.d2, shape=(0, 3)))


@pytest.fixture(scope="module")
def predictor():
    return build_problem("residual-predictor", {"samples": 128, "dim": 4, "hidden": 6})


def test_sopsp_reports_block_gradient_and_curvature(predictor):
    problem = predictor.to(dtype=torch.float64)
    theta = problem.init.clone()
    idx = block_indices(problem.model.layout, ("w", "V"))
    report = drain(sopsp(problem, theta, eps=1e-3, mu2=2.0))
    g = grad(problem.loss)(theta)[idx]
    h = jacrev(grad(problem.loss))(theta)[idx][:, idx]
    assert report.blocks == ("w", "V")
    assert report.grad_norm == pytest.approx(float(g.norm()), rel=1e-10)
    assert report.lambda_min == pytest.approx(float(torch.linalg.eigvalsh(h)[0]), abs=1e-8)
    assert report.threshold == pytest.approx(-np.sqrt(2.0 * 1e-3))
    assert report.is_sopsp == (report.grad_norm <= 1e-3 and report.lambda_min >= report.threshold)
    assert drain(sopsp(problem, theta, eps=10 * report.grad_norm + 1e3, mu2=2.0)).gradient_ok


def test_at_w_zero_the_block_hessian_has_no_positive_minimum(predictor):
    """Seed 001, Theorem 2: λ_min(∇²F_θ(0, V)) ≤ 0 for any V, θ."""
    problem = predictor.to(dtype=torch.float64)
    theta = problem.init.clone() + 0.3
    w = problem.model.layout.block("w")
    theta[w.offset : w.stop] = 0.0
    report = drain(sopsp(problem, theta, eps=0.0, mu2=1.0))
    assert report.lambda_min <= 1e-10
    assert report.lambda_min < -1e-6  # strictly negative here (V ≠ 0): a real saddle direction


def test_mu2_estimate_is_a_lipschitz_ratio_of_block_hessians(predictor):
    problem = predictor.to(dtype=torch.float64)
    theta = problem.init.clone() + 0.1
    mu2 = drain(estimate_mu2(problem, theta, radius=0.05, probes=3))
    assert np.isfinite(mu2) and mu2 > 0
    # F is a polynomial of degree 4 in (w, V) at fixed (U, c) (ReLU pattern fixed): the
    # Hessian difference over radius r scales with r, so the ratio barely moves with r
    half = drain(estimate_mu2(problem, theta, radius=0.025, probes=3))
    assert half == pytest.approx(mu2, rel=0.5)
    report = drain(sopsp(problem, theta, eps=1e-2, radius=0.05, probes=3))
    assert report.mu2_estimated and report.mu2 == pytest.approx(mu2)


def test_sopsp_blocks_for_the_skip_variant_and_other_networks(predictor):
    skip = build_problem("residual-predictor", {"samples": 32, "variant": "skip"})
    assert default_blocks(skip) == ("w", "v")
    with pytest.raises(LandscapeError, match="no \\(w, V\\) blocks"):
        default_blocks(build_problem("li-yuan", {"samples": 16}))
