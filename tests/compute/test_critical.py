"""Critical points against the statements of the seeds."""

import numpy as np
import pytest
import scipy.optimize
import torch

from compute import Ball, Box, LandscapeError, Modes, Window, drain, scenario
from compute.critical.search import CriticalProgress, critical_points, grid_candidates
from compute.critical.starts import lattice
from compute.geometry.planes import three_point_plane
from compute.objectives.modes import parse_constraint
from compute.objectives.objective import Objective
from compute.scenarios import build_problem

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


# --- misclassifications found in the issue, each against an independent answer --------------


def _shamir(eps=1.0):
    return lambda w, v: 0.5 * (w * (1 + eps * v) - 1) ** 2


def test_shamir_ball_point_below_is_a_saddle_not_a_maximum():
    """ε = 1, ‖θ‖ ≤ 1: ∇F(0, −1) = 0 and the point lies on the circle. Along the circle
    θ = (sin t, −cos t), w(1 + v) = sin t (1 − cos t) ≈ t³/2, so F ≈ ½ − t³/2 is higher on one
    side and lower on the other; inside, F(δ, −1 + η) = ½(δη − 1)² < ½ for δ, η > 0."""
    f = _shamir()
    t = np.linspace(1e-3, 0.2, 50)
    arc_right, arc_left = f(np.sin(t), -np.cos(t)), f(np.sin(-t), -np.cos(-t))
    assert (arc_right < 0.5).all() and (arc_left > 0.5).all()
    inside = np.array([0.05, -1 + 0.01])
    assert np.linalg.norm(inside) < 1 and f(*inside) < 0.5
    pts = find_critical("shamir", {"eps": 1.0}, Modes(constraint=parse_constraint("ball:1")))
    below = near(pts, [0, -1], tol=1e-6)
    assert [(p.kind, p.on_boundary) for p in below] == [("saddle", True)]
    assert below[0].loss == pytest.approx(0.5, abs=1e-12)


def test_psd_factorization_with_zero_matrix_has_one_isolated_quartic_minimum():
    """M = 0: F(u) = ‖uuᵀ‖² = ‖u‖⁴, one isolated (degenerate, quartic) minimum at u = 0."""
    params = {"m11": 0.0, "m12": 0.0, "m22": 0.0}
    obj = build_problem("psd-factorization", params).objective()
    u = np.random.default_rng(0).normal(size=(20, 2))
    np.testing.assert_allclose(obj.loss(torch.from_numpy(u)).numpy(), (u**2).sum(1) ** 2)
    pts = find_critical("psd-factorization", params)
    assert [(p.kind, len(p.members)) for p in pts] == [("minimum", 1)]
    assert np.linalg.norm(pts[0].point) < 1e-3 and pts[0].classified_by == "sampling"


def test_psd_factorization_rank_one_has_a_degenerate_saddle_at_the_origin():
    """M = [[1, 1], [1, 1]]: along (1, −1)/√2, F = 4 + t⁴ (higher); along (1, 1)/√2,
    F = 4 − 4t² + t⁴ (lower): a saddle with Hessian eigenvalues (−8, 0), not a 'maximum set'.
    The other critical points are the minima ±(1, 1) (‖u‖² = λ_max = 2)."""
    params = {"m11": 1.0, "m12": 1.0, "m22": 1.0}
    loss = build_problem("psd-factorization", params).objective().loss
    t = np.linspace(-0.5, 0.5, 11)
    for direction, expected in (((1, -1), 4 + t**4), ((1, 1), 4 - 4 * t**2 + t**4)):
        u = np.outer(t, direction) / np.sqrt(2)
        np.testing.assert_allclose(loss(torch.from_numpy(u)).numpy(), expected, atol=1e-12)
    pts = find_critical("psd-factorization", params)
    assert [(p.kind, len(p.members)) for p in pts] == [
        ("minimum", 1),
        ("minimum", 1),
        ("saddle", 1),
    ]
    np.testing.assert_allclose(sorted(p.point.sum() for p in pts[:2]), [-2, 2], atol=1e-9)
    np.testing.assert_allclose(pts[2].point, [0, 0], atol=1e-3)
    np.testing.assert_allclose(pts[2].hessian_eigenvalues, [-8, 0], atol=1e-3)


def test_activation_square_with_opposite_samples_has_a_strict_quartic_minimum():
    """φ = square, (x₁, y₁) = (1, 1), (x₂, y₂) = (−1, 1): F = (1 − w²)² + (1 + w²)² = 2 + 2w⁴."""
    params = {"phi": "square", "x2": -1.0, "y2": 1.0}
    w = np.linspace(-2, 2, 9)
    loss = build_problem("activation", params).objective().loss
    np.testing.assert_allclose(loss(torch.from_numpy(w[:, None])).numpy(), 2 + 2 * w**4)
    pts = find_critical("activation", params)
    assert [(p.kind, len(p.members)) for p in pts] == [("minimum", 1)]
    assert abs(pts[0].point[0]) < 1e-3 and pts[0].loss == pytest.approx(2.0, abs=1e-10)


def test_lines_of_minima_crossing_at_a_point_are_a_continuum_not_a_minimum():
    """F = u²v² (factorization, y = 0): every point of both axes is a (global, flat) minimum.
    Newton contracts every start onto the origin; the report must still say continuum."""
    pts = find_critical("factorization", {"y": 0.0})
    assert len(pts) == 1 and pts[0].kind == "degenerate" and pts[0].nature == "minimum"
    members = pts[0].members
    assert len(members) > 4 and np.abs(members).min(axis=1).max() < 1e-4  # on an axis
    assert np.abs(members).max() > 0.02  # reaches along the axes, not a blob at the origin


# --- the full list of KKT points on a ball, derived independently ------------------------


def _circle_stationary_points(f, grad, radius, n=20000):
    """Roots of dF/dt on θ = R(cos t, sin t) (dense scan + brentq on a central difference),
    with F'' along the circle and μ = −∇F·θ/R from the closed-form gradient."""

    def ft(t):
        return f(radius * np.cos(t), radius * np.sin(t))

    def dft(t, h=1e-6):
        return (ft(t + h) - ft(t - h)) / (2 * h)

    ts = np.linspace(-np.pi, np.pi, n + 1) + 1e-3 * np.sqrt(2)  # no root exactly on the grid
    d = dft(ts)
    roots = [
        scipy.optimize.brentq(dft, a, b, xtol=1e-14)
        for a, b, da, db in zip(ts[:-1], ts[1:], d[:-1], d[1:], strict=True)
        if da * db < 0
    ]
    out = []
    for t in roots:
        p = radius * np.array([np.cos(t), np.sin(t)])
        second = (ft(t + 1e-4) - 2 * ft(t) + ft(t - 1e-4)) / 1e-8
        mu = -grad(*p) @ p / radius
        out.append((p, mu, second))
    return out


def _expected_kind(mu, second):
    if mu > 0 and second > 0:
        return "minimum"
    if mu < 0 and second < 0:
        return "maximum"
    return "saddle"


@pytest.mark.parametrize(
    ("sid", "params", "radius"),
    [
        ("factorization", {"y": 1.0}, 1.0),
        ("shamir", {"eps": 1.0}, 1.5),
        ("shamir", {"eps": 0.5}, 2.5),
    ],
)
def test_every_kkt_point_on_a_ball_is_found_with_its_kind(sid, params, radius):
    """The boundary points reported on ‖θ‖ ≤ R are exactly the stationary points of F along the
    circle with μ ≠ 0, each with the kind that μ's sign and F'' along the circle give (μ > 0:
    F rises into the ball). Stationary points with μ = 0 (where a curve of minima crosses the
    circle) belong to that curve and are reported with it."""
    if sid == "factorization":
        y = params["y"]

        def f(u, v):
            return (y - u * v) ** 2

        def grad(u, v):
            return -2 * (y - u * v) * np.array([v, u])
    else:
        eps = params["eps"]
        f = _shamir(eps)

        def grad(w, v):
            return (w * (1 + eps * v) - 1) * np.array([1 + eps * v, eps * w])

    expected = [
        (p, _expected_kind(mu, second))
        for p, mu, second in _circle_stationary_points(f, grad, radius)
        if abs(mu) > 1e-6
    ]
    assert len(expected) >= 4
    pts = find_critical(sid, params, Modes(constraint=parse_constraint(f"ball:{radius}")))
    on_circle = [p for p in pts if p.on_boundary and len(p.members) == 1]
    assert all(p.classified_by == "kkt" for p in on_circle)  # μ ≠ 0, F'' ≠ 0: no sampling
    boundary = sorted(
        ((p.point, p.kind) for p in on_circle), key=lambda pk: np.arctan2(pk[0][1], pk[0][0])
    )
    assert len(boundary) == len(expected), (boundary, expected)
    for (got, kind), (want, want_kind) in zip(boundary, expected, strict=True):
        np.testing.assert_allclose(got, want, atol=1e-7)
        assert kind == want_kind, (got, kind, want_kind)
    assert all(not p.on_boundary or len(p.members) == 1 for p in pts)


# --- tolerances follow the objective's scale and dtype -----------------------------------


def _scaled_objective(sid, params, factor, dtype=torch.float64):
    base = build_problem(sid, params).objective()

    def loss(theta):
        return factor * base.loss(theta.to(torch.float64)).to(theta.dtype)

    return Objective(f"{sid}×{factor:g}", base.dim, base.axis_names, loss, dtype)


def _kinds(points):
    return sorted((p.kind, p.nature, len(p.members) > 1) for p in points)


@pytest.mark.parametrize("factor", [1e-6, 1e6])
def test_scaling_the_loss_changes_no_critical_point(factor):
    """F and c·F have the same critical points and kinds: tolerances are relative to F's own
    gradient and curvature scales (an absolute 1e-9 accepts every point of 1e-6·F as a root
    and no point of 1e6·F)."""
    window = Window(scenario("shamir").window)
    ref = drain(critical_points(_scaled_objective("shamir", {"eps": 0.5}, 1.0), Modes(), window))
    got = drain(critical_points(_scaled_objective("shamir", {"eps": 0.5}, factor), Modes(), window))
    assert _kinds(got) == _kinds(ref)
    (saddle,) = isolated(got, "saddle")
    np.testing.assert_allclose(saddle.point, [0, -2], atol=1e-8)
    np.testing.assert_allclose(saddle.hessian_eigenvalues / factor, [-0.5, 0.5], rtol=1e-6)


def test_a_float32_objective_gets_the_same_points_to_its_precision():
    """In float32 a gradient is accurate to ~1e-7 relative, so an absolute 1e-9 root tolerance
    finds nothing; the √eps-relative one finds the saddle and both branches of minima."""
    window = Window(scenario("shamir").window)
    obj = _scaled_objective("shamir", {"eps": 0.5}, 1.0, torch.float32)
    pts = drain(critical_points(obj, Modes(), window))
    assert _kinds(pts) == [("degenerate", "minimum", True)] * 2 + [("saddle", "saddle", False)]
    (saddle,) = isolated(pts, "saddle")
    np.testing.assert_allclose(saddle.point, [0, -2], atol=1e-3)
    for p in pts:
        w, v = p.members.T
        if p.kind == "degenerate":
            np.testing.assert_allclose(w * (1 + 0.5 * v), 1, atol=1e-3)


def test_huge_windows_are_refused_or_searched_without_warnings():
    """pytest turns numpy RuntimeWarnings into errors: none may escape. A window whose span
    overflows the objective's dtype (1e30 in float32) is refused with a LandscapeError."""
    huge = (-1e150, 1e150)
    for sid, window in (
        ("shamir", huge * 2),
        ("psd-factorization", huge * 2),
        ("activation", huge),
    ):
        obj = build_problem(sid).objective()
        for modes in (Modes(), Modes(constraint=Ball(1e100)), Modes(constraint=Box(1.0))):
            pts = drain(critical_points(obj, modes, Window(window)))
            assert all(np.isfinite(p.point).all() for p in pts)
    f32 = _scaled_objective("shamir", {"eps": 1.0}, 1.0, torch.float32)
    with pytest.raises(LandscapeError, match="too large"):
        drain(critical_points(f32, Modes(), Window((-1e30, 1e30, -1, 1))))


# --- progress, cancellation, explicit starts -----------------------------------------------


class _Counting:
    """A loss that counts its calls (one per batched evaluation)."""

    def __init__(self, loss):
        self.inner, self.calls = loss, 0

    def __call__(self, theta):
        self.calls += 1
        return self.inner(theta)


def test_progress_is_monotone_and_closing_stops_the_search_without_side_effects():
    spec = scenario("shamir")
    counting = _Counting(build_problem(spec.id).objective().loss)
    obj = Objective("shamir", 2, ("w", "v"), counting)
    modes, window = Modes(constraint=Ball(2.0)), Window(spec.window)
    gen = critical_points(obj, modes, window)
    records = []
    while True:
        try:
            records.append(next(gen))
        except StopIteration as stop:
            full = stop.value
            break
    assert all(isinstance(r, CriticalProgress) for r in records)
    fractions = [r.fraction for r in records]
    assert fractions == sorted(fractions) and fractions[0] >= 0 and fractions[-1] <= 1
    assert {r.stage for r in records} >= {"scales", "interior", "boundary sphere", "classify"}
    total = counting.calls
    assert len(records) > 20  # a yield per block of starts per Newton iteration, at least
    counting.calls = 0
    gen = critical_points(obj, modes, window)
    for _ in range(5):
        next(gen)
    gen.close()
    stopped = counting.calls
    assert 0 < stopped < total / 4
    with pytest.raises(StopIteration):
        next(gen)
    assert counting.calls == stopped  # nothing runs after close
    again = drain(critical_points(obj, modes, window))
    assert _kinds(again) == _kinds(full)
    for a, b in zip(again, full, strict=True):
        np.testing.assert_array_equal(a.point, b.point)


def test_grid_candidates_finds_discrete_extrema_and_saddles_where_they_are():
    """F = (x² − 1)² + (y − 1)² on a non-square, off-centre window: minima at (±1, 1), a saddle
    at (0, 1). Rows are y: a transposed map would put them at (1, ±1) and (1, 0)."""
    x, y = np.linspace(-2, 2, 41), np.linspace(-0.5, 2.5, 31)
    xx, yy = np.meshgrid(x, y)
    values = (xx**2 - 1) ** 2 + (yy - 1) ** 2
    cands = grid_candidates((x, y), values)
    np.testing.assert_allclose(cands, [[-1, 1], [1, 1], [0, 1]], atol=1e-12)
    # plateaus give no interior candidates; non-finite cells and their neighbours are skipped
    flat = np.ones_like(values)
    assert len(grid_candidates((x, y), flat)) == 0
    holes = values.copy()
    holes[15, 21] = np.nan  # next to the saddle's cell (row 15: y = 1; column 20: x = 0)
    assert [0, 1] not in grid_candidates((x, y), holes).tolist()
    w = np.linspace(-2, 2, 81)
    np.testing.assert_allclose(grid_candidates((w,), (w**2 - 1) ** 2), [[-1], [1], [0]])


def test_explicit_starts_from_grid_candidates_find_what_the_lattice_finds():
    """Starts at the discrete critical cells of a coarse map plus a sparse lattice (under 40
    points, an expensive objective's budget) find what the 1,024-point lattice finds."""
    spec = scenario("shamir")
    window = Window(spec.window)
    obj = build_problem(spec.id, {"eps": 1.0}).objective()
    modes = Modes(l2=0.2)
    axes = window.axes(41)
    xx, yy = np.meshgrid(*axes)
    values = modes.apply(obj).loss(torch.from_numpy(np.stack([xx, yy], -1))).numpy()
    starts = np.concatenate([grid_candidates(axes, values), lattice(Window(window.bounds))[::67]])
    assert len(starts) < 40
    few = drain(critical_points(obj, modes, window, starts=starts))
    full = drain(critical_points(obj, modes, window))
    assert (
        _kinds(few)
        == _kinds(full)
        == [("minimum",) * 2 + (False,)] * 2 + [("saddle",) * 2 + (False,)]
    )
    for a, b in zip(few, full, strict=True):
        np.testing.assert_allclose(a.point, b.point, atol=1e-8)
    with pytest.raises(LandscapeError, match="shape"):
        drain(critical_points(obj, modes, window, starts=np.zeros((3, 3))))


def test_in_plane_minimum_of_a_float32_network_slice_is_at_the_teacher():
    """li-yuan (float32): on the plane through init, the teacher and a third point, F(a, b) =
    L(θ(a, b)) has its minimum F = 0 at the teacher's coordinates (noise-free labels)."""
    problem = build_problem("li-yuan")
    teacher = problem.reference("teacher")
    third = teacher + 0.3 * torch.randn(teacher.shape, generator=torch.Generator().manual_seed(1))
    plane = three_point_plane({"init": problem.reference("init"), "teacher": teacher, "x": third})

    def loss(coords):
        return problem.loss(plane.point(coords))

    obj = Objective("li-yuan slice", 2, ("a", "b"), loss, torch.float32)
    window = Window(plane.window)
    axes = window.axes(21)
    grid = torch.tensor(np.stack(np.meshgrid(*axes), -1), dtype=torch.float32)
    with torch.no_grad():
        values = loss(grid).double().numpy()
    starts = np.concatenate([grid_candidates(axes, values), lattice(window)[::70]])
    pts = drain(critical_points(obj, Modes(), window, starts=starts))
    minima = isolated(pts, "minimum")
    assert len(minima) == 1
    np.testing.assert_allclose(minima[0].point, plane.marks["teacher"], atol=1e-4)
    assert minima[0].loss < 1e-10
