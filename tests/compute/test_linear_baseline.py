"""F_lin under a constraint (Shamir 2018, Theorem 4): the constrained least-squares solution
checked by its optimality conditions and by brute force, and the residual-predictor's
baseline, reference point and metric under a block ball."""

import numpy as np
import pytest
import torch

from compute.landscapes.landscape import build_landscape
from compute.landscapes.linear_baseline import (
    UNCONSTRAINED,
    constrained_least_squares,
    constrained_problem,
)
from compute.objectives.modes import Modes, parse_constraint
from compute.scenarios import build_problem


def _data(seed=0, m=200, d=2):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(m, d)) * np.array([1.0, 0.3] + [1.0] * (d - 2))
    y = x @ rng.normal(size=d) * 3 + 0.1 * rng.normal(size=m)
    return x, y


def _half_mse(x, y, u):
    return 0.5 * np.mean((x @ u - y) ** 2)


@pytest.mark.parametrize("radius", [0.3, 1.0, 2.0])
def test_ball_solution_beats_every_point_of_the_sphere_and_meets_the_kkt_conditions(radius):
    x, y = _data()
    free = np.linalg.lstsq(x, y, rcond=None)[0]
    assert np.linalg.norm(free) > radius  # the constraint binds
    u = constrained_least_squares(x, y, parse_constraint(f"ball:{radius}"))
    assert np.linalg.norm(u) == pytest.approx(radius, rel=1e-12)
    assert np.linalg.norm(u) <= radius
    angles = np.linspace(0, 2 * np.pi, 20001)
    circle = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    best = min(_half_mse(x, y, c) for c in circle)
    assert _half_mse(x, y, u) <= best + 1e-12
    grad = x.T @ (x @ u - y) / len(y)  # KKT: ∇F = −μ u with μ ≥ 0
    mu = -grad @ u / radius**2
    assert mu > 0
    np.testing.assert_allclose(grad, -mu * u, atol=1e-10)


def test_ball_or_box_that_does_not_bind_gives_the_least_squares_solution():
    x, y = _data(d=3)
    free = np.linalg.lstsq(x, y, rcond=None)[0]
    for text in ("ball:100", "box:100", None):
        c = parse_constraint(text)
        np.testing.assert_allclose(constrained_least_squares(x, y, c), free, rtol=1e-9)


def test_box_solution_is_the_best_point_of_a_fine_grid_of_the_square():
    x, y = _data(seed=2)
    u = constrained_least_squares(x, y, parse_constraint("box:0.8"))
    assert np.abs(u).max() <= 0.8 + 1e-12
    g = np.linspace(-0.8, 0.8, 401)
    grid = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)
    values = 0.5 * np.mean((grid @ x.T - y) ** 2, axis=1)
    assert _half_mse(x, y, u) <= values.min() + 1e-12


@pytest.fixture(scope="module")
def skip_problem():
    return build_problem("residual-predictor", {"variant": "skip", "dim": 4, "hidden": 3})


def test_block_ball_on_w_v_constrains_f_lin_and_moves_the_linear_point(skip_problem):
    p = skip_problem
    free = float(p.baselines["F_lin"])
    modes = Modes(constraint=parse_constraint("ball:0.2@w,v"))
    landscape = build_landscape(p, modes)
    q = landscape.problem
    assert landscape.source is p and q is not p
    assert q.baselines[UNCONSTRAINED] == free and q.baselines["F_lin"] > free
    linear = q.references["linear"].double()
    w = q.model.layout.block("w")
    assert float(linear[w.offset : w.stop].norm()) == pytest.approx(0.2, rel=1e-6)
    # F at the reference point is the constrained F_lin (V = 0: the predictor is linear)
    assert float(q.to(dtype=torch.float64).loss(linear)) == pytest.approx(
        q.baselines["F_lin"], rel=1e-6
    )
    # the best linear predictor on the sphere ‖u‖ = 0.2, by an independent dense search in
    # the plane of the solution and the unconstrained one
    x, y = p.data.x_train.double().numpy(), p.data.y_train.double().numpy()
    u_star = linear[w.offset : w.stop].numpy()
    assert _half_mse(x, y, u_star) == pytest.approx(q.baselines["F_lin"], rel=1e-9)
    rng = np.random.default_rng(0)
    samples = rng.normal(size=(20000, 4))
    samples *= 0.2 / np.linalg.norm(samples, axis=1, keepdims=True)
    values = 0.5 * np.mean((samples @ x.T - y) ** 2, axis=1)
    assert q.baselines["F_lin"] <= values.min() + 1e-9
    # the metric F − F_lin of runs compares with the constrained predictor
    (metric,) = [m for m in landscape.objective.metrics if m.key == "metric"]
    theta = p.init[None, :]
    expected = float(p.loss(theta)[0]) - q.baselines["F_lin"]
    assert float(metric.fn(theta)[0]) == pytest.approx(expected, rel=1e-6)
    assert landscape.modes.constraint.spans == ((0, 4), (4, 7))


@pytest.mark.parametrize("text", ["ball:0.2@U", "ball:0.2@v", "ball:0.2@U,c", "ball:1000"])
def test_constraints_that_leave_u_free_keep_f_lin(skip_problem, text):
    """(u, 0) ∈ M₁ for every u when the set does not act on w (v = 0, θ = 0 are feasible), or
    when the ball is large enough to hold the least-squares u."""
    modes = Modes(constraint=parse_constraint(text))
    landscape = build_landscape(skip_problem, modes)
    assert landscape.problem is skip_problem and landscape.source is None
    assert constrained_problem(skip_problem, modes) is skip_problem


def test_full_ball_constrains_f_lin_like_a_ball_on_w(skip_problem):
    a = constrained_problem(skip_problem, Modes(constraint=parse_constraint("ball:0.2")))
    b = build_landscape(skip_problem, Modes(constraint=parse_constraint("ball:0.2@w"))).problem
    assert a.baselines["F_lin"] == b.baselines["F_lin"] > skip_problem.baselines["F_lin"]
