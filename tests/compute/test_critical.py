"""Critical points against the statements of the seeds."""

import numpy as np
import pytest

from compute import Ball, Box, Modes

from .helpers import find_critical, isolated, near


@pytest.mark.parametrize("eps", [0.25, 0.5, 1.0, 2.0])
def test_shamir_saddle_matches_example_1(eps):
    """Seed 001: ∇F = 0 at (0, −1/ε), F = ½, Hessian [[0, −ε], [−ε, 0]] with eigenvalues ±ε."""
    window = (-3, 3, -1 / eps - 2, 2)
    pts = find_critical("shamir", {"eps": eps}, window=window)
    saddles = isolated(pts, "saddle")
    assert len(saddles) == 1
    s = saddles[0]
    np.testing.assert_allclose(s.point, [0, -1 / eps], atol=1e-9)
    assert s.loss == pytest.approx(0.5, abs=1e-12)
    np.testing.assert_allclose(s.hessian_eigenvalues, [-eps, eps], atol=1e-9)
    # every other critical point is a global minimum on the curve w(1 + εv) = 1, reported as sets
    others = [p for p in pts if p is not s]
    assert others and all(p.kind == "degenerate" and p.nature == "minimum" for p in others)
    for p in others:
        w, v = p.members.T
        np.testing.assert_allclose(w * (1 + eps * v), 1, atol=1e-8)


def test_factorization_saddle_at_origin_and_minima_on_hyperbola():
    pts = find_critical("factorization", {"y": 1.0})
    saddles = isolated(pts, "saddle")
    assert len(saddles) == 1
    np.testing.assert_allclose(saddles[0].point, [0, 0], atol=1e-12)
    np.testing.assert_allclose(saddles[0].hessian_eigenvalues, [-2, 2], atol=1e-9)
    sets = [p for p in pts if len(p.members) > 1]
    assert len(sets) == 2, "one continuum per branch of uv = 1 (first and third quadrants)"
    for p in sets:
        assert p.kind == "degenerate" and p.nature == "minimum" and p.loss < 1e-16
        u, v = p.members.T
        np.testing.assert_allclose(u * v, 1.0, atol=1e-9)
        assert len(p.members) >= 20
    assert {np.sign(p.point[0]) for p in sets} == {-1.0, 1.0}


@pytest.mark.parametrize("m", [(2.0, 0.5, 1.0), (1.0, -0.8, 3.0), (0.5, 0.0, 0.2)])
def test_psd_factorization_second_order_points_are_global(m):
    """Seed 004, Prop. 5.1: every SOSP u of ‖M − uuᵀ‖² has ‖u‖² = λ_max(M) and is global."""
    mat = np.array([[m[0], m[1]], [m[1], m[2]]])
    lam, vec = np.linalg.eigh(mat)
    pts = find_critical("psd-factorization", dict(zip(("m11", "m12", "m22"), m, strict=True)))
    minima = [p for p in pts if p.kind == "minimum"]
    assert len(minima) == 2
    global_loss = lam[0] ** 2  # ‖M − λ_max e eᵀ‖² = λ_min²
    for p in minima:
        assert p.point @ p.point == pytest.approx(lam[-1], rel=1e-9)
        assert abs(p.point @ vec[:, 0]) < 1e-8
        assert p.loss == pytest.approx(global_loss, abs=1e-10)
    # the other stationary points are not second-order: origin (max) and ±√λ_min e_min (saddles)
    assert [p.kind for p in near(pts, [0, 0])] == ["maximum"]
    saddles = isolated(pts, "saddle")
    assert len(saddles) == 2
    for s in saddles:
        assert s.point @ s.point == pytest.approx(lam[0], rel=1e-9)
    assert len(pts) == 5


def test_psd_factorization_with_repeated_eigenvalue_has_a_circle_of_minima():
    pts = find_critical("psd-factorization", {"m11": 1.0, "m12": 0.0, "m22": 1.0})
    sets = [p for p in pts if len(p.members) > 1]
    assert len(sets) == 1 and sets[0].nature == "minimum"
    np.testing.assert_allclose(np.linalg.norm(sets[0].members, axis=1), 1.0, atol=1e-9)
    assert [p.kind for p in near(pts, [0, 0])] == ["maximum"]


def test_relu_has_flat_non_global_stationary_region_square_and_sigmoid_do_not():
    """Seed 004 §5.3.2: for ReLU every w < 0 is an SOSP with F = 1 > 0; square's SOSPs are its
    global minima ±1; sigmoid has no critical point at all (F decreases to 0 as w → ∞)."""
    relu = find_critical("activation", {"phi": "relu"})
    flat = [p for p in relu if p.nature == "flat"]
    assert len(flat) == 1 and flat[0].kind == "degenerate" and flat[0].loss == 1.0
    # w = 0 belongs to it too: autograd takes ReLU'(0) = 0, and F(0) = 1
    assert flat[0].members.max() <= 0 and flat[0].members.min() <= -2.9
    assert [p.point.tolist() for p in relu if p.kind == "minimum"] == [[1.0]]
    square = find_critical("activation", {"phi": "square"})
    assert sorted((p.kind, round(float(p.point[0]), 9)) for p in square) == [
        ("maximum", 0.0),
        ("minimum", -1.0),
        ("minimum", 1.0),
    ]
    assert all(p.loss < 1e-20 for p in square if p.kind == "minimum")
    assert find_critical("activation", {"phi": "sigmoid"}) == []


def test_sum_of_two_square_losses_keeps_a_good_landscape():
    """(1 − w²)² + (2 − 2w²)²: the sum of two such losses has its minima at w = ±1 still."""
    pts = find_critical("activation", {"phi": "square", "x2": 2.0, "y2": 2.0})
    assert sorted(round(float(p.point[0]), 9) for p in pts if p.kind == "minimum") == [-1.0, 1.0]


def test_deep_linear_saddle_and_minimum_curve():
    pts = find_critical("deep-linear", {"x": 1.0, "y": 2.0})
    saddles = isolated(pts, "saddle")
    assert len(saddles) == 1
    np.testing.assert_allclose(saddles[0].point, [-1, -1], atol=1e-12)
    for p in (p for p in pts if len(p.members) > 1):
        w1, w2 = p.members.T
        np.testing.assert_allclose((1 + w1) * (1 + w2), 2.0, atol=1e-9)


def test_l2_regulariser_creates_spurious_local_minimum_near_seed_location():
    """Seed 001 (b): with ε = 1 and λ = 0.2 the regularised F has a non-global local minimum
    near (−1, −1.6), on the far branch of w(1 + εv) = 1 where reaching zero loss costs norm."""
    pts = find_critical("shamir", {"eps": 1.0}, Modes(l2=0.2))
    minima = sorted(isolated(pts, "minimum"), key=lambda p: p.loss)
    assert len(minima) == 2
    spurious = minima[1]
    assert np.linalg.norm(spurious.point - np.array([-1.0, -1.6])) < 0.1
    assert spurious.loss > minima[0].loss + 0.1
    assert len(isolated(pts, "saddle")) == 1


def test_ball_constraint_has_spurious_boundary_minimum_bottom_left():
    """Seed 001 (c): on ‖(w, v)‖ ≤ 2 the far branch is out of reach and a KKT minimum with F > 0
    sits on the circle in the bottom-left quadrant, with a positive multiplier."""
    pts = find_critical("shamir", {"eps": 1.0}, Modes(constraint=Ball(2.0)))
    boundary_minima = [p for p in pts if p.on_boundary and p.kind == "minimum"]
    assert len(boundary_minima) == 1
    b = boundary_minima[0]
    assert b.point[0] < 0 and b.point[1] < 0 and b.loss > 0.01
    assert np.linalg.norm(b.point) == pytest.approx(2.0, rel=1e-9)
    assert b.multipliers[0] > 0 and b.tangent_eigenvalues[0] > 0
    assert all(np.linalg.norm(p.members, axis=1).max() <= 2 + 1e-9 for p in pts)


def test_box_corners_are_classified_by_their_multipliers():
    """Corner (−R, −R) of the box is a KKT minimum for shamir (both μ > 0); corners where the
    gradient points into the box on both faces are local maxima of F on the box."""
    pts = find_critical("shamir", {"eps": 1.0}, Modes(constraint=Box(1.5)))
    corner = near(pts, [-1.5, -1.5])
    assert [p.kind for p in corner] == ["minimum"] and np.all(corner[0].multipliers > 0)
    assert [p.kind for p in near(pts, [1.5, 1.5])] == ["maximum"]


def test_regulariser_and_constraint_change_the_reported_points():
    plain = find_critical("shamir")
    assert {p.kind for p in plain} == {"saddle", "degenerate"}
    reg = find_critical("shamir", modes=Modes(l2=0.05))
    assert {p.kind for p in reg} == {"minimum", "saddle"}
