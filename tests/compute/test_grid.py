"""Grid evaluation: values agree with point-by-point autograd; blocks stream and can stop."""

import numpy as np
import pytest
import torch

from compute import FIELDS, LandscapeError, Modes, Window, drain, evaluate_grid
from compute.objectives.derivatives import second_order
from compute.scenarios import build_problem


def test_grid_matches_pointwise_evaluation_and_seed_saddle_values():
    obj = build_problem("shamir", {"eps": 0.5}).objective()
    grid = drain(evaluate_grid(obj, Window((-1, 1, -3, -1)), 21, chunk_points=50))
    x, y = grid.axes
    assert grid.values["loss"].shape == (21, 21)
    for i, j in [(0, 0), (20, 3), (10, 10), (7, 19)]:
        d = second_order(obj.loss, torch.tensor([[x[j], y[i]]], dtype=torch.float64))
        eig = np.linalg.eigvalsh(d.hessian[0].numpy())
        assert grid.values["loss"][i, j] == pytest.approx(float(d.loss[0]), rel=1e-12)
        assert grid.values["grad_norm"][i, j] == pytest.approx(float(d.grad.norm()), abs=1e-12)
        assert grid.values["hess_min"][i, j] == pytest.approx(eig[0], abs=1e-12)
        assert grid.values["hess_max"][i, j] == pytest.approx(eig[1], abs=1e-12)
    # (0, −2) is the saddle for ε = 0.5: row y = −2 is index 10, column x = 0 index 10
    assert grid.values["loss"][10, 10] == pytest.approx(0.5)
    assert grid.values["grad_norm"][10, 10] == pytest.approx(0.0, abs=1e-15)
    assert grid.values["hess_min"][10, 10] == pytest.approx(-0.5)


def test_blocks_stream_in_order_and_cover_every_row():
    obj = build_problem("factorization").objective()
    gen = evaluate_grid(obj, Window((-2, 2, -2, 2)), 64, chunk_points=256)
    blocks = []
    while True:
        try:
            blocks.append(next(gen))
        except StopIteration as stop:
            grid = stop.value
            break
    assert [b.start for b in blocks] == list(range(0, 64, 4))
    assert all(b.stop == b.start + 4 and b.total == 64 for b in blocks)
    for b in blocks:
        np.testing.assert_array_equal(b.values["loss"], grid.values["loss"][b.start : b.stop])
    assert set(grid.values) == set(FIELDS)


def test_closing_midway_stops_work():
    obj = build_problem("factorization").objective()
    gen = evaluate_grid(obj, Window((-2, 2, -2, 2)), 128, chunk_points=128)
    first = next(gen)
    gen.close()
    assert first.stop == 1
    with pytest.raises(StopIteration):
        next(gen)


def test_one_parameter_scenario_gives_a_curve_with_l2_added():
    obj = Modes(l2=2.0).apply(build_problem("activation", {"phi": "square"}).objective())
    grid = drain(evaluate_grid(obj, Window((-2, 2)), 101))
    (w,) = grid.axes
    np.testing.assert_allclose(grid.values["loss"], (1 - w**2) ** 2 + w**2, atol=1e-12)
    np.testing.assert_allclose(grid.values["hess_min"], 12 * w**2 - 4 + 2, atol=1e-10)


def test_overflow_stays_finite_or_inf_without_crashing():
    obj = build_problem("factorization").objective()
    grid = drain(evaluate_grid(obj, Window((-1e100, 1e100, -1e100, 1e100)), 5))
    assert np.isinf(grid.values["loss"]).any()
    assert not np.isnan(grid.values["loss"]).any()


@pytest.mark.parametrize(
    "bounds",
    [(1, 0, 0, 1), (0, 1, 2, 2), (0, np.nan, 0, 1), (0, 1, 0), (0, np.inf), (-1e308, 1e308)],
)
def test_bad_windows_are_refused(bounds):
    with pytest.raises(LandscapeError):
        Window(bounds)


@pytest.mark.parametrize("resolution", [0, 1, 100000])
def test_bad_resolutions_are_refused(resolution):
    with pytest.raises(LandscapeError, match="resolution"):
        drain(evaluate_grid(build_problem("shamir").objective(), Window((0, 1, 0, 1)), resolution))
