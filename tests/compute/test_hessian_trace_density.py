"""Trace error bars and SLQ densities against dense eigenvalues."""

import numpy as np
import pytest
import scipy.stats
import torch

from compute.curvature import (
    dense_histogram,
    dense_spectrum,
    hutchinson,
    hutchpp,
    matrix_operator,
    network_curvature,
    slq_density,
    spectrum,
)
from compute.errors import LandscapeError
from compute.generators import drain
from compute.scenarios import build_problem


def synthetic(values, seed=0):
    gen = torch.Generator().manual_seed(seed)
    n = len(values)
    q, _ = torch.linalg.qr(torch.randn(n, n, generator=gen, dtype=torch.float64))
    return q @ torch.diag(torch.as_tensor(values, dtype=torch.float64)) @ q.T


def hessian_like(n=400, seed=0):
    """A few large outliers over a bulk near zero with both signs (as trained networks)."""
    rng = np.random.default_rng(seed)
    return np.concatenate([[30.0, 12.0, 8.0, 5.0], rng.normal(0.0, 0.3, n - 4)])


@pytest.mark.parametrize(
    ("estimator", "kwargs"),
    [
        (hutchpp, {"sketch": "krylov"}),
        (hutchpp, {"sketch": "random"}),
        (hutchinson, {}),
    ],
)
def test_trace_lies_within_its_error_bar_in_most_seeded_repetitions(estimator, kwargs):
    values = hessian_like()
    a = synthetic(values)
    truth = float(values.sum())
    inside = 0
    reps = 40
    for seed in range(reps):
        op = matrix_operator(a)
        result = drain(estimator(op, 45, seed=seed, **kwargs))
        assert result.hvp_count == op.hvp_count == 45
        lo, hi = result.interval(2.0)
        inside += lo <= truth <= hi
    assert inside >= 0.9 * reps


def test_hutchpp_beats_hutchinson_on_a_spectrum_with_outliers():
    values = hessian_like()
    a = synthetic(values)
    truth = float(values.sum())
    err_pp = [
        abs(drain(hutchpp(matrix_operator(a), 45, seed=s)).estimate - truth) for s in range(10)
    ]
    err_h = [
        abs(drain(hutchinson(matrix_operator(a), 45, seed=s)).estimate - truth) for s in range(10)
    ]
    assert np.mean(err_pp) < 0.5 * np.mean(err_h)


def test_hutchpp_needs_a_budget():
    with pytest.raises(LandscapeError, match="needs more products"):
        drain(hutchpp(matrix_operator(torch.eye(50, dtype=torch.float64)), 3, sketch="random"))


def test_slq_density_integrates_to_one_and_matches_the_dense_histogram():
    problem = build_problem("li-yuan", {"samples": 256}).to(dtype=torch.float64)
    theta = problem.init + 0.3 * torch.randn(
        problem.dim, dtype=torch.float64, generator=torch.Generator().manual_seed(0)
    )
    op = network_curvature(problem, theta)
    exact = drain(dense_spectrum(op)).eigenvalues
    density = drain(slq_density(op, steps=30, runs=4, seed=1))
    assert density.hvp_count == 120
    assert np.trapezoid(density.values, density.grid) == pytest.approx(1.0, abs=1e-3)
    assert density.weights.sum() == pytest.approx(1.0, abs=1e-12)
    spread = exact.max() - exact.min()
    w1 = scipy.stats.wasserstein_distance(density.nodes.ravel(), exact, density.weights.ravel())
    assert w1 < 0.05 * spread
    # a density that ignores the operator is far off: the test can fail
    uniform = np.linspace(exact.min(), exact.max(), 50)
    assert scipy.stats.wasserstein_distance(uniform, exact) > 4 * w1
    edges, hist = dense_histogram(exact, bins=20)
    assert np.sum(hist * np.diff(edges)) == pytest.approx(1.0)


def test_spectrum_report_with_trace_and_density_has_the_cli_keys():
    values = hessian_like(200)
    op = matrix_operator(synthetic(values))
    report = drain(spectrum(op, top=2, bottom=1, trace=True, density=True, tol=1e-8))
    data = report.to_json()
    assert list(data) == [
        "top",
        "bottom",
        "residuals",
        "hvp_count",
        "bottom_resolved",
        "trace",
        "density",
        "converged",
    ]
    assert set(data["trace"]) == {"estimate", "stderr", "hvp_count"}
    assert len(data["density"]["grid"]) == len(data["density"]["values"])
    assert data["hvp_count"] == op.hvp_count
    np.testing.assert_allclose(data["top"], [30.0, 12.0], rtol=1e-8)
    dense = drain(spectrum(op, top=2, bottom=1, trace=True, method="dense"))
    assert dense.trace.estimate == pytest.approx(values.sum(), rel=1e-10)
    assert dense.dense_eigenvalues is not None and len(dense.dense_eigenvalues) == 200
