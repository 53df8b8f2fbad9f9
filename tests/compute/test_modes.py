"""Projections and parsers: properties checked with hypothesis."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from compute import Ball, Box, LandscapeError, Modes, parse_constraint, scenario
from compute.scenarios import build_problem

finite = st.floats(-1e3, 1e3, allow_nan=False)
points = st.lists(finite, min_size=2, max_size=2)
radii = st.floats(0.01, 100.0)


@given(points, points, radii, st.sampled_from([Ball, Box]))
def test_projection_is_idempotent_feasible_and_non_expansive(p, p2, r, kind):
    """‖P(θ) − P(θ')‖ ≤ ‖θ − θ'‖ for random pairs (a convex set's projection is firmly
    non-expansive: ⟨P(θ) − P(θ'), θ − θ'⟩ ≥ ‖P(θ) − P(θ')‖²), not only against the origin."""
    c = kind(r)
    theta = torch.tensor(p, dtype=torch.float64)
    q = c.project(theta)
    assert bool(c.contains(q))
    torch.testing.assert_close(c.project(q), q)
    other = torch.tensor(p2, dtype=torch.float64)
    q2 = c.project(other)
    slack = 1e-12 * (1 + float(theta.norm()) + float(other.norm())) ** 2
    assert float((q - q2).norm()) <= float((theta - other).norm()) * (1 + 1e-12) + 1e-12
    assert float((q - q2) @ (theta - other)) >= float((q - q2) @ (q - q2)) - slack


BLOCKS = [("w", (0, 2)), ("v", (2, 3)), ("U", (3, 5))]
blocks_used = st.sampled_from([("w",), ("v",), ("w", "v"), ("U", "w"), ("w", "v", "U")])


def _coords(names):
    return [i for n in names for i in range(*dict(BLOCKS)[n])]


@given(
    st.lists(finite, min_size=5, max_size=5),
    st.lists(finite, min_size=5, max_size=5),
    radii,
    st.sampled_from(["ball", "box"]),
    blocks_used,
)
def test_block_projection_moves_only_its_blocks_onto_the_nearest_point(p, p2, r, kind, names):
    """The set {θ : ‖θ_B‖ ≤ R} is a product (constrained block × free rest): its projection
    is the block's projection with the other coordinates kept (independent formula below)."""
    c = parse_constraint(f"{kind}:{r!r}@{','.join(names)}").bind(BLOCKS, "net")
    theta = torch.tensor(p, dtype=torch.float64)
    q = c.project(theta)
    idx = _coords(names)
    rest = [i for i in range(5) if i not in idx]
    np.testing.assert_array_equal(q[rest].numpy(), theta[rest].numpy())
    block = theta[idx].numpy()
    if kind == "ball":
        norm = np.linalg.norm(block)
        expected = block if norm <= r else block * (r / norm)
    else:
        expected = np.clip(block, -r, r)
    np.testing.assert_allclose(q[idx].numpy(), expected, rtol=1e-12, atol=1e-12)
    assert bool(c.contains(q)) and torch.equal(c.project(q), q)
    other = torch.tensor(p2, dtype=torch.float64)
    q2 = c.project(other)
    assert float((q - q2).norm()) <= float((theta - other).norm()) * (1 + 1e-12)
    batch = torch.stack([theta, other])
    torch.testing.assert_close(c.project(batch), torch.stack([q, q2]), rtol=0, atol=0)


@given(st.sampled_from(["ball", "box"]), radii, st.one_of(st.just(()), blocks_used))
def test_constraint_spec_round_trips_exactly(kind, r, names):
    text = f"{kind}:{r!r}" + (f"@{','.join(names)}" if names else "")
    c = parse_constraint(text)
    assert c.kind == kind and c.radius == r and c.blocks == tuple(names)
    assert parse_constraint(c.spec()) == c and c.spec() == parse_constraint(c.spec()).spec()


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("ball:1@", "block names"),
        ("ball:1@w,,v", "block names"),
        ("ball:1@w v", "block names"),
        ("ball:1@w,w", "twice"),
        ("ball:1e308", "at most"),
        ("ball:@w", "must be ball:R"),
        ("disc:1@w", "must be ball:R"),
    ],
)
def test_bad_block_constraints_are_one_clear_line(text, needle):
    with pytest.raises(LandscapeError, match=needle) as err:
        parse_constraint(text)
    assert "\n" not in str(err.value)


def test_unknown_blocks_list_the_valid_ones_and_toys_have_no_blocks():
    c = parse_constraint("ball:1@w,x")
    with pytest.raises(LandscapeError, match=r"no parameter block 'x' \(blocks: w, v, U\)"):
        c.bind(BLOCKS, "net")
    with pytest.raises(LandscapeError, match="shamir is a toy"):
        Modes(constraint=parse_constraint("ball:1@w")).bind(None, "shamir")
    with pytest.raises(LandscapeError, match="not bound"):
        c.project(torch.zeros(5))  # an unbound block set refuses to act
    assert Modes(constraint=Ball(2.0)).bind(None, "shamir") == Modes(constraint=Ball(2.0))


def test_block_ball_faces_and_kkt_points_on_the_block_only():
    """F(x, y) = (x − 2)² + (y − 1)² with ‖x‖ ≤ 1 (a ball on the block x; y free). The set is
    the strip |x| ≤ 1: the KKT points are (1, 1), a minimum (μ = 2 ≥ 0), and (−1, 1), a
    saddle of F on the strip (a maximum across the face, μ = −6, a minimum along it)."""
    from compute.critical.search import critical_points
    from compute.generators import drain
    from compute.geometry.grid import Window
    from compute.objectives.objective import Objective

    def loss(t):
        return (t[..., 0] - 2) ** 2 + (t[..., 1] - 1) ** 2

    c = parse_constraint("ball:1@x").bind([("x", (0, 1)), ("y", (1, 2))], "toy2")
    (face,) = c.faces(2)
    p = torch.tensor([[0.5, 3.0], [-2.0, -1.0]], dtype=torch.float64)
    torch.testing.assert_close(face.residual(p), torch.tensor([[-0.375], [1.5]]).double())
    torch.testing.assert_close(face.snap(p), torch.tensor([[1.0, 3.0], [-1.0, -1.0]]).double())
    objective = Objective("toy2", 2, ("x", "y"), loss)
    points = drain(critical_points(objective, Modes(constraint=c), Window((-3, 3, -3, 3))))
    found = {(round(float(q.point[0]), 6), round(float(q.point[1]), 6)): q for q in points}
    assert set(found) == {(1.0, 1.0), (-1.0, 1.0)}
    assert found[(1.0, 1.0)].kind == "minimum" and found[(1.0, 1.0)].on_boundary
    assert found[(-1.0, 1.0)].kind == "saddle" and found[(-1.0, 1.0)].on_boundary
    assert found[(1.0, 1.0)].loss == pytest.approx(1.0)


@pytest.mark.parametrize("lam", [1e13, 1e308])
def test_huge_l2_is_refused_before_it_overflows(lam):
    with pytest.raises(LandscapeError, match="at most"):
        Modes(l2=lam)


@given(points, radii)
def test_ball_projection_is_the_nearest_point(p, r):
    theta = np.array(p)
    q = Ball(r).project(torch.from_numpy(theta)).numpy()
    angles = np.linspace(0, 2 * np.pi, 720)
    circle = r * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    best = np.min(np.linalg.norm(circle - theta, axis=1))
    if np.linalg.norm(theta) > r:
        assert np.linalg.norm(q - theta) <= best + 1e-9
    else:
        np.testing.assert_array_equal(q, theta)


@pytest.mark.parametrize(
    "text", ["ball:0", "box:-1", "ball:nan", "ball:inf", "ball", "cube:1", "ball:x"]
)
def test_bad_constraints_are_refused(text):
    with pytest.raises(LandscapeError):
        parse_constraint(text)


def test_none_means_no_constraint():
    assert parse_constraint("none") is None and parse_constraint(None) is None


@pytest.mark.parametrize("lam", [-0.1, float("nan"), float("inf")])
def test_bad_l2_is_refused(lam):
    with pytest.raises(LandscapeError):
        Modes(l2=lam)


def test_l2_adds_half_lambda_norm_squared():
    obj = build_problem("shamir").objective()
    reg = Modes(l2=0.3).apply(obj)
    theta = torch.tensor([[0.4, -1.2], [2.0, 1.0]], dtype=torch.float64)
    torch.testing.assert_close(reg.loss(theta), obj.loss(theta) + 0.15 * (theta**2).sum(-1))


@given(st.text(max_size=20))
def test_parameter_parsing_never_crashes(text):
    spec = scenario("shamir")
    try:
        value = spec.param("eps").parse(text)
    except LandscapeError:
        return
    assert 1e-3 <= value <= 10


def test_choice_parameters_are_checked():
    spec = scenario("activation")
    assert spec.resolve({"phi": "tanh"})["phi"] == "tanh"
    with pytest.raises(LandscapeError, match="relu"):
        spec.resolve({"phi": "gelu"})
