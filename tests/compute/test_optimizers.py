"""Optimizer runs reach the minima the seeds predict, stop on divergence, respect constraints."""

import itertools

import numpy as np
import pytest

from compute import (
    OPTIMIZERS,
    STATUS_NAMES,
    Ball,
    Box,
    LandscapeError,
    Modes,
    OptimizerConfig,
    descend,
    drain,
    scenario,
    trajectory,
)


def run(sid, start, name="gd", params=None, modes=None, **cfg):
    obj = scenario(sid).objective(params)
    config = OptimizerConfig.for_optimizer(name, **cfg)
    final, path = trajectory(obj, modes or Modes(), np.array(start, float), config)
    return STATUS_NAMES[final.status[0]], final, path


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_optimizer_reaches_the_global_minimum_of_psd_factorization(name):
    lam, vec = np.linalg.eigh(np.array([[2.0, 0.5], [0.5, 1.0]]))
    status, final, path = run("psd-factorization", [0.3, 0.9], name, steps=5000)
    assert status == "converged"
    u = final.theta[0]
    assert u @ u == pytest.approx(lam[-1], rel=1e-6)
    assert abs(u @ vec[:, 0]) < 1e-5
    np.testing.assert_allclose(path[0], [0.3, 0.9])
    assert len(path) == final.stopped_at[0] + 1


def test_gd_on_shamir_lands_on_the_zero_loss_curve():
    status, final, path = run("shamir", [-1.5, -1.0], "gd", {"eps": 1.0})
    w, v = final.theta[0]
    assert status == "converged" and final.loss[0] < 1e-14
    assert w * (1 + v) == pytest.approx(1.0, abs=1e-7)
    losses = [scenario("shamir").objective().loss(np.asarray(p)) for p in path]
    assert all(b <= a + 1e-15 for a, b in itertools.pairwise(losses))


def test_relu_is_stuck_left_of_zero_while_square_and_sigmoid_escape():
    """Seed 004 §5.3.2 as dynamics: GD from w = −0.5 never moves under ReLU (F stays 1), reaches
    w = −1 under φ = w², and keeps decreasing F towards 0 under the sigmoid."""
    status, final, path = run("activation", [-0.5], params={"phi": "relu"})
    assert status == "converged" and len(path) == 1 and final.loss[0] == 1.0
    status, final, _ = run("activation", [-0.5], params={"phi": "square"}, lr=0.05)
    assert status == "converged" and final.theta[0, 0] == pytest.approx(-1.0, abs=1e-8)
    status, final, path = run("activation", [-0.5], params={"phi": "sigmoid"}, lr=1.0, steps=3000)
    assert status == "max_steps" and final.loss[0] < 0.05 and path[-1, 0] > 3


def test_large_learning_rate_diverges_and_keeps_its_finite_path():
    status, final, path = run("shamir", [-1.5, -1.0], "gd", lr=10.0)
    assert status == "diverged"
    assert np.isfinite(path).all() and len(path) >= 2
    np.testing.assert_array_equal(final.theta[0], path[-1])


def test_ball_projection_keeps_every_iterate_inside_and_finds_the_seed_c_minimum():
    status, final, path = run("shamir", [-1.5, -1.5], "momentum", modes=Modes(constraint=Ball(2.0)))
    assert status == "converged"
    assert np.linalg.norm(path, axis=1).max() <= 2.0 + 1e-12
    assert np.linalg.norm(final.theta[0]) == pytest.approx(2.0)
    assert final.loss[0] > 0.03  # the spurious constrained minimum, not a zero-loss point


def test_box_projection_clamps_coordinates():
    _, final, path = run("shamir", [-1.0, -1.2], "adam", modes=Modes(constraint=Box(1.5)))
    assert np.abs(path).max() <= 1.5 + 1e-12
    np.testing.assert_allclose(final.theta[0], [-1.5, -1.5], atol=1e-6)


def test_l2_run_from_bottom_left_is_trapped_in_the_spurious_minimum():
    status, final, _ = run("shamir", [-1.5, -2.0], "nesterov", modes=Modes(l2=0.2))
    assert status == "converged"
    np.testing.assert_allclose(final.theta[0], [-1.0412, -1.6551], atol=1e-3)


def test_batched_runs_are_independent_and_stopped_runs_freeze():
    obj = scenario("factorization").objective()
    starts = np.array([[0.5, 0.5], [-0.3, -1.2], [0.0, 0.0], [3.0, 3.0]])
    final = drain(descend(obj, Modes(), starts, OptimizerConfig.for_optimizer("gd", lr=0.2)))
    names = [STATUS_NAMES[s] for s in final.status]
    assert names[:3] == ["converged"] * 3 and names[3] == "diverged"
    np.testing.assert_allclose(final.theta[2], [0, 0])  # the saddle itself: ∇F = 0, never moves
    for i in (0, 1):
        alone = drain(
            descend(obj, Modes(), starts[i : i + 1], OptimizerConfig.for_optimizer("gd", lr=0.2))
        )
        np.testing.assert_allclose(final.theta[i], alone.theta[0], atol=1e-12)


def test_newton_uses_a_shifted_hessian_and_escapes_the_saddle_neighbourhood():
    status, final, _ = run("factorization", [0.01, -0.02], "newton", lr=0.5)
    assert status == "converged" and final.loss[0] < 1e-14


@pytest.mark.parametrize(
    "bad",
    [dict(lr=0.0), dict(lr=float("nan")), dict(momentum=1.0), dict(steps=0), dict(tol=-1.0)],
)
def test_impossible_settings_are_refused(bad):
    with pytest.raises(LandscapeError):
        OptimizerConfig.for_optimizer("momentum", **bad)


def test_nan_start_is_refused():
    obj = scenario("shamir").objective()
    with pytest.raises(LandscapeError, match="finite"):
        drain(descend(obj, Modes(), np.array([[np.nan, 0.0]]), OptimizerConfig()))


def test_closing_the_generator_midway_stops_the_run():
    obj = scenario("shamir").objective()
    gen = descend(obj, Modes(), np.array([[-1.5, -1.0]]), OptimizerConfig(steps=1000))
    steps = [next(gen).step for _ in range(5)]
    gen.close()
    assert steps == [0, 1, 2, 3, 4]
    with pytest.raises(StopIteration):
        next(gen)
