"""Eigenvalues against closed forms (seeds 001, 004), dense eigvalsh and synthetic spectra."""

import numpy as np
import pytest
import torch
from torch.func import grad, jacrev

from compute.curvature import (
    dense_spectrum,
    eigsh,
    lanczos,
    loss_curvature,
    matrix_operator,
    network_curvature,
    power_iteration,
    spectrum,
)
from compute.errors import LandscapeError
from compute.generators import drain
from compute.scenarios import build_problem


@pytest.mark.parametrize("method", ["lanczos", "dense"])
@pytest.mark.parametrize("eps", [0.1, 1.0, 3.0])
def test_shamir_saddle_has_eigenvalues_plus_minus_eps(method, eps):
    """Seed 001, Example 1: at (0, −1/ε) the Hessian of ½(w(1 + εv) − 1)² is [[0, −ε], [−ε, 0]]."""
    loss = build_problem("shamir", {"eps": eps}).objective().loss
    op = loss_curvature(loss, torch.tensor([0.0, -1.0 / eps], dtype=torch.float64))
    report = drain(spectrum(op, top=1, bottom=1, method=method))
    assert report.eigen.top[0] == pytest.approx(eps, rel=1e-12)
    assert report.eigen.bottom[0] == pytest.approx(-eps, rel=1e-12)
    assert report.converged and report.eigen.residuals.max() < 1e-12


@pytest.mark.parametrize("y", [-2.0, 0.5, 1.0])
def test_factorization_origin_has_eigenvalues_plus_minus_two_y(y):
    """Seed 004 §5.3.1: F = (y − uv)² has Hessian [[0, −2y], [−2y, 0]] at the origin."""
    loss = build_problem("factorization", {"y": y}).objective().loss
    op = loss_curvature(loss, torch.zeros(2, dtype=torch.float64))
    result = drain(lanczos(op, top=1, bottom=1))
    np.testing.assert_allclose(result.eigenvalues, [2 * abs(y), -2 * abs(y)], rtol=1e-12)


@pytest.fixture(scope="module")
def li_yuan():
    problem = build_problem("li-yuan", {"samples": 512}).to(dtype=torch.float64)
    theta = problem.init + 0.2 * torch.randn(
        problem.dim, dtype=torch.float64, generator=torch.Generator().manual_seed(0)
    )
    hess = jacrev(grad(problem.loss))(theta)
    return problem, theta, np.linalg.eigvalsh(hess.numpy())


@pytest.mark.parametrize("method", ["lanczos", "eigsh", "dense"])
def test_li_yuan_extremes_agree_with_dense_eigvalsh(li_yuan, method):
    problem, theta, eig = li_yuan
    op = network_curvature(problem, theta)
    report = drain(spectrum(op, top=4, bottom=3, method=method, tol=1e-10))
    np.testing.assert_allclose(report.eigen.top, eig[::-1][:4], rtol=1e-6)
    np.testing.assert_allclose(report.eigen.bottom, eig[:3], rtol=1e-6)
    assert report.converged
    data = report.to_json()
    assert list(data) == [
        "top",
        "bottom",
        "residuals",
        "hvp_count",
        "bottom_resolved",
        "converged",
    ]
    assert data["bottom_resolved"] == [True, True, True]
    assert data["top"] == sorted(data["top"], reverse=True)
    assert data["bottom"] == sorted(data["bottom"])


def synthetic(values, seed=0):
    """A random orthogonal similarity of diag(values) (float64)."""
    gen = torch.Generator().manual_seed(seed)
    n = len(values)
    q, _ = torch.linalg.qr(torch.randn(n, n, generator=gen, dtype=torch.float64))
    return q @ torch.diag(torch.as_tensor(values, dtype=torch.float64)) @ q.T


def clustered(n=300):
    bulk = np.linspace(-1.0, 1.0, n - 6)
    return np.concatenate([[10.0, 10.0, 9.999, 9.998, -5.0, -4.9999], bulk])


def honest_residuals(op_matrix, result):
    vecs = result.eigenvectors
    return torch.linalg.vector_norm(
        op_matrix @ vecs - vecs * torch.as_tensor(result.eigenvalues), dim=0
    ).numpy()


def test_lanczos_residuals_are_honest_on_clustered_and_repeated_eigenvalues():
    values = clustered()
    a = synthetic(values)
    op = matrix_operator(a)
    result = drain(lanczos(op, top=4, bottom=2, tol=1e-9, verify=True))
    truth = np.sort(values)
    np.testing.assert_allclose(result.top, truth[::-1][:4], rtol=1e-8)
    np.testing.assert_allclose(result.bottom, truth[:2], rtol=1e-8)
    np.testing.assert_allclose(result.residuals, honest_residuals(a, result), rtol=1e-6, atol=1e-12)
    assert result.all_converged
    gram = result.eigenvectors.T @ result.eigenvectors
    np.testing.assert_allclose(gram.numpy(), np.eye(6), atol=1e-8)


def test_unconverged_lanczos_says_so():
    values = clustered()
    a = synthetic(values)
    result = drain(lanczos(matrix_operator(a), top=4, bottom=2, tol=1e-12, max_iter=12))
    assert not result.all_converged
    honest = honest_residuals(a, result)
    np.testing.assert_allclose(result.residuals, honest, rtol=1e-6)
    assert (result.residuals[~result.converged] > 1e-12 * 10).all()


def test_a_single_krylov_sequence_misses_a_repeated_eigenvalue_but_verify_finds_it():
    a = synthetic(clustered())
    plain = drain(lanczos(matrix_operator(a), top=2, tol=1e-10))
    checked = drain(lanczos(matrix_operator(a), top=2, tol=1e-10, verify=True))
    assert plain.top[1] == pytest.approx(9.999, abs=1e-6)  # one copy of 10 per Krylov space
    assert plain.all_converged  # honest: (9.999, v) is an eigenpair, just not the 2nd largest
    np.testing.assert_allclose(checked.top, [10.0, 10.0], rtol=1e-9)


def test_closing_the_lanczos_generator_stops_the_products():
    op = matrix_operator(synthetic(clustered()))
    gen = lanczos(op, top=3, tol=1e-14)
    seen = [next(gen) for _ in range(5)]
    assert [p.iteration for p in seen] == [1, 2, 3, 4, 5]
    assert seen[-1].top[0] <= 10.0 + 1e-9
    gen.close()
    assert op.hvp_count == 5


def test_power_iteration_follows_pyhessians_rule():
    values = np.concatenate([[4.0, 2.0, 1.0, -0.8], np.linspace(0.0, 0.5, 96)])
    a = synthetic(values, seed=3)
    op = matrix_operator(a)
    result = drain(power_iteration(op, top=3, bottom=1))
    assert result.method == "power"
    np.testing.assert_allclose(result.top, [4.0, 2.0, 1.0], rtol=2e-3)
    assert result.bottom[0] == pytest.approx(-0.8, abs=2e-2)
    np.testing.assert_allclose(result.residuals, honest_residuals(a, result), rtol=1e-6)
    assert result.hvp_count == op.hvp_count


def test_eigsh_path_and_counts():
    values = clustered()
    op = matrix_operator(synthetic(values))
    result = drain(eigsh(op, top=3, bottom=2, tol=1e-10))
    truth = np.sort(values)
    np.testing.assert_allclose(result.bottom, truth[:2], rtol=1e-8)
    assert result.top[0] == pytest.approx(10.0, rel=1e-9)
    assert result.hvp_count == op.hvp_count


def test_dense_refuses_above_its_size_limit():
    op = matrix_operator(torch.eye(300, dtype=torch.float64))
    with pytest.raises(LandscapeError, match="above the limit"):
        drain(dense_spectrum(op, max_bytes=300 * 300 * 8 - 1))
    assert op.hvp_count == 0
    spec = drain(dense_spectrum(op, max_bytes=300 * 300 * 8))
    assert spec.trace == pytest.approx(300.0)


def test_spectrum_refuses_unknown_method():
    op = matrix_operator(torch.eye(3, dtype=torch.float64))
    with pytest.raises(LandscapeError, match="method must be one of"):
        drain(spectrum(op, method="qr"))


def test_bottom_values_are_the_k_smallest_or_reported_not_resolved():
    """Issue 21 item 15: with an absolute tolerance far above the spacing of a crowd of
    eigenvalues near 0 (a trained network's bottom), a converged Ritz value may be any member
    of the crowd. Each bottom value must be the i-th smallest to its residual, or be flagged
    not resolved, and the report must then not say converged (dense eigvalsh is the truth)."""
    crowd = np.linspace(-1e-3, 2e-3, 600)
    values = np.concatenate([[5.0, 4.0, 3.0], crowd])
    a = synthetic(values, seed=3)
    truth = np.sort(np.linalg.eigvalsh(a.numpy()))
    report = drain(spectrum(matrix_operator(a), top=2, bottom=5, tol=1e-3, atol=5e-3))
    eig = report.eigen
    resolved = eig.is_resolved[eig.n_top :]
    for i, (v, r, ok) in enumerate(zip(eig.bottom, eig.bottom_residuals, resolved, strict=True)):
        if ok:
            assert abs(v - truth[i]) <= r + 1e-12, (i, v, truth[i], r)
    assert not resolved.all() and not report.converged
    assert report.to_json()["bottom_resolved"] == [bool(x) for x in resolved]
    tight = drain(spectrum(matrix_operator(a), top=2, bottom=3, tol=1e-3, atol=0.0))
    assert tight.converged
    errors = np.abs(tight.eigen.bottom - truth[:3])
    assert (errors <= tight.eigen.bottom_residuals + 1e-12).all(), errors


def test_the_dense_eigendecomposition_reports_progress_while_lapack_runs(monkeypatch):
    """LAPACK's eigh says nothing while it runs (a minute at n ≈ 6,600): heartbeats with the
    share of its predicted time keep the bar moving, the values are eigvalsh's."""
    import compute.curvature.dense as dense

    monkeypatch.setattr(dense, "HEARTBEAT_SECONDS", 0.002)  # many beats in a short eigh
    rng = np.random.default_rng(1)
    a = rng.standard_normal((1600, 1600))
    sym = torch.as_tensor(a + a.T)
    op = matrix_operator(sym)
    gen = dense_spectrum(op, max_bytes=1600 * 1600 * 8)
    beats = []
    while True:
        try:
            step = next(gen)
        except StopIteration as stop:
            spec = stop.value
            break
        if step.phase == "eigh":
            beats.append(step.done)
    assert len(beats) >= 2 and beats[0] == 0.0 and max(beats) <= 0.99
    assert beats == sorted(beats) and max(beats) > 0  # it moved, never backwards
    np.testing.assert_allclose(spec.eigenvalues, np.linalg.eigvalsh(a + a.T), rtol=1e-9, atol=1e-9)
