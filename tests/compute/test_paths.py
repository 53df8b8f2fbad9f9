"""Paths between minima: bands, curves and aligned lines against closed forms and the
critical-point search."""

import numpy as np
import pytest
import torch

from compute import LandscapeError, Modes, Window, critical_points, drain, scenario
from compute.networks.symmetry import aligned_theta
from compute.objectives.objective import Objective
from compute.objectives.problem import ToyProblem
from compute.paths.band import band_forces, tangents
from compute.paths.connect import connect
from compute.paths.result import Barrier, PathRequest
from compute.scenarios import build_problem
from tests.compute.helpers import isolated

L2 = Modes(l2=0.2)


@pytest.fixture(scope="module")
def shamir():
    spec = scenario("shamir")
    x0, x1, y0, y1 = spec.window
    grid = np.stack(np.meshgrid(np.linspace(x0, x1, 10), np.linspace(y0, y1, 10)), -1)
    problem = build_problem("shamir")
    points = drain(
        critical_points(problem.objective(), L2, Window(spec.window), grid.reshape(-1, 2))
    )
    minima = isolated(points, "minimum")
    (saddle,) = isolated(points, "saddle")
    assert len(minima) == 2
    return problem, minima, saddle


@pytest.fixture(scope="module")
def shamir_bands(shamir):
    problem, minima, _ = shamir
    a, b = minima[0].point, minima[1].point
    return {
        climb: drain(connect(problem, L2, a, b, PathRequest("neb", images=9, climbing=climb)))
        for climb in (True, False)
    }


def _shamir_l2(theta):
    """½(w(1 + v) − 1)² + 0.1‖θ‖², written out (ε = 1, λ = 0.2)."""
    w, v = theta
    return 0.5 * (w * (1 + v) - 1) ** 2 + 0.1 * (w * w + v * v)


def test_the_climbing_band_crosses_shamirs_saddle_from_the_critical_point_search(
    shamir, shamir_bands
):
    _, minima, saddle = shamir
    result = shamir_bands[True]
    assert result.converged
    np.testing.assert_allclose(result.saddle.theta, saddle.point, atol=1e-6)
    # the barrier is F(saddle) − max F(minima), F evaluated from the formula
    f_saddle = _shamir_l2(saddle.point)
    f_minima = max(_shamir_l2(m.point) for m in minima)
    assert result.barrier.max_end == pytest.approx(f_saddle - f_minima, abs=1e-9)
    assert result.barrier.mean_end == pytest.approx(
        f_saddle - 0.5 * sum(_shamir_l2(m.point) for m in minima), abs=1e-9
    )
    assert result.saddle.index == 1 and result.saddle.index_exact
    # the Hessian there, from the search's eigenvalues (its own dense pass)
    np.testing.assert_allclose(
        result.saddle.eigenvalues[0], saddle.hessian_eigenvalues[0], rtol=1e-6
    )


def test_without_climbing_the_highest_image_misses_the_saddle(shamir, shamir_bands):
    _, _, saddle = shamir
    plain = shamir_bands[False]
    assert plain.converged
    miss = np.linalg.norm(plain.saddle.theta - saddle.point)
    assert miss > 1e-2  # the classic failure: images only sample the path
    assert plain.barrier.highest < _shamir_l2(saddle.point)  # and underestimate the barrier


def test_a_converged_band_has_no_force_across_the_path(shamir_bands):
    result = shamir_bands[True]
    nodes = torch.as_tensor(result.nodes)
    energies = torch.as_tensor(result.profile["loss"])
    theta = nodes[1:-1]
    grads = torch.stack(
        [torch.func.grad(lambda t: torch.as_tensor(_shamir_l2(t)))(x) for x in theta]
    )
    tau = tangents(nodes, energies)
    assert torch.allclose(tau.norm(dim=-1), torch.ones(len(tau), dtype=tau.dtype))
    perp = grads - (grads * tau).sum(-1, keepdim=True) * tau
    assert float(perp.norm(dim=-1).max()) < 1e-6
    forces = band_forces(nodes, energies, grads, 1.0, int(energies[1:-1].argmax()))
    assert float(forces.norm(dim=-1).max()) < 1e-6


@pytest.mark.parametrize("y", [1.0, 2.0])
def test_factorization_branches_connect_through_the_origin_with_barrier_y_squared(y):
    problem = build_problem("factorization", {"y": y})
    a, b = (2.0, y / 2.0), (-y / 4.0, -4.0)  # one point on each branch of uv = y
    result = drain(connect(problem, Modes(), a, b, PathRequest("neb", images=9)))
    assert result.converged
    np.testing.assert_allclose(result.saddle.theta, [0.0, 0.0], atol=1e-6)
    assert result.barrier.max_end == pytest.approx(y * y, abs=1e-9)
    assert result.saddle.index == 1
    # ∇²F(0) = [[0, −2y], [−2y, 0]]: eigenvalues ±2y
    assert result.saddle.eigenvalues[0] == pytest.approx(-2 * y, rel=1e-6)
    assert result.saddle.top == pytest.approx(2 * y, rel=1e-6)


def test_the_straight_line_profile_is_the_formula_along_the_line():
    problem = build_problem("factorization", {"y": 1.0})
    result = drain(connect(problem, Modes(), (1, 1), (-1, -1), PathRequest("line", points=21)))
    s = 1 - 2 * result.t  # θ(t) = (s, s)
    np.testing.assert_allclose(result.profile["loss"], (1 - s * s) ** 2, atol=1e-12)
    assert result.barrier.max_end == pytest.approx(1.0)
    assert result.saddle.index == 1


def test_the_trained_bend_of_a_quadratic_is_its_closed_form():
    """F = ‖θ − c‖²: E_t F(φ(t)) is minimised at bend = 2.5c − 0.75(a + b) (the moments of
    w(t) = 2t(1 − t) under t ~ U(0, 1): E w² = 2/15, E w(1 − t)² = E w t² = 1/10, E w = 1/3)."""
    c = torch.tensor([0.3, -0.2], dtype=torch.float64)
    objective = Objective("quad", 2, ("x", "y"), lambda t: ((t - c) ** 2).sum(-1))
    problem = ToyProblem("quad", {}, objective)
    a, b = np.array([-1.0, 0.0]), np.array([1.0, 0.5])
    request = PathRequest("bezier", steps=800, lr=2e-2)
    result = drain(connect(problem, Modes(), a, b, request))
    expected = 2.5 * c.numpy() - 0.75 * (a + b)
    np.testing.assert_allclose(result.control[1], expected, atol=2e-2)  # t = ½ only: 0.27 off
    np.testing.assert_allclose(result.nodes[0], a)
    np.testing.assert_allclose(result.nodes[-1], b)


def test_barrier_definitions():
    barrier = Barrier.of(np.array([1.0, 4.0, 2.0, 3.0]))
    assert (barrier.highest, barrier.max_end, barrier.mean_end) == (4.0, 1.0, 2.0)
    assert Barrier.of(np.array([1.0, 0.5, 2.0])).max_end == 0.0


def test_alignment_is_exact_on_a_permuted_and_rescaled_resnet_block():
    problem = build_problem("resnet-block")  # float32
    teacher = problem.reference("teacher")
    p = problem.model.layout.unflatten(teacher)
    gen = torch.Generator().manual_seed(3)
    perm = torch.randperm(p["W1"].shape[1], generator=gen)
    scales = torch.exp(torch.randn(len(perm), generator=gen))
    copy = problem.model.layout.flatten(
        {"W1": p["W1"][:, perm] * scales, "W2": p["W2"][perm] / scales[:, None]}
    )
    raw = drain(connect(problem, Modes(), teacher, copy, PathRequest("line")))
    aligned = drain(connect(problem, Modes(), teacher, copy, PathRequest("aligned")))
    f_end = float(problem.loss(teacher))
    assert raw.barrier.max_end > 0.1
    assert abs(aligned.barrier.max_end) <= 1e-5 * max(1.0, f_end)
    assert aligned.provenance["aligned_distance"] < 1e-5 * aligned.provenance["raw_distance"]
    np.testing.assert_allclose(aligned.nodes[-1], teacher.numpy(), atol=1e-5)


def test_weight_matching_undoes_a_permutation_of_the_residual_mlp():
    problem = build_problem("digits-resnet", {"width": 8, "blocks": 2})
    theta = problem.init
    p = problem.model.layout.unflatten(theta)
    gen = torch.Generator().manual_seed(1)
    p0, p1, p2 = (torch.randperm(8, generator=gen) for _ in range(3))
    moved = dict(p)
    moved["W_in"], moved["b_in"] = p["W_in"][p0], p["b_in"][p0]
    for k, pk in ((1, p1), (2, p2)):
        moved[f"W{k}1"], moved[f"b{k}1"] = p[f"W{k}1"][pk][:, p0], p[f"b{k}1"][pk]
        moved[f"W{k}2"], moved[f"b{k}2"] = p[f"W{k}2"][p0][:, pk], p[f"b{k}2"][p0]
    moved["W_out"] = p["W_out"][:, p0]
    copy = problem.model.layout.flatten(moved)
    x = problem.data.x_test
    out = problem.model.forward(p, x)
    assert torch.allclose(problem.model.forward(moved, x), out, atol=1e-5)  # a symmetry
    assert float((copy - theta).norm()) > 1
    back = aligned_theta(problem, copy, theta)
    assert torch.allclose(back, theta, atol=1e-7)


def test_bad_requests_are_one_line_errors(shamir):
    problem = shamir[0]
    for request in (PathRequest("walk"), PathRequest("neb", images=0), PathRequest(points=2)):
        with pytest.raises(LandscapeError):
            drain(connect(problem, Modes(), (0, 0), (1, 1), request))
    with pytest.raises(LandscapeError, match="same point"):
        drain(connect(problem, Modes(), (1, 1), (1, 1), PathRequest()))
    with pytest.raises(LandscapeError, match="symmetry"):
        drain(connect(problem, Modes(), (0, 0), (1, 1), PathRequest("aligned")))


def test_progress_rises_and_closing_stops_the_band(shamir):
    problem, minima, _ = shamir
    gen = connect(problem, L2, minima[0].point, minima[1].point, PathRequest("neb", steps=50))
    fractions = [step.fraction for step in gen]
    assert fractions == sorted(fractions) and fractions[-1] <= 1
    gen = connect(problem, L2, minima[0].point, minima[1].point, PathRequest("neb"))
    next(gen)
    gen.close()  # no error, nothing left running
