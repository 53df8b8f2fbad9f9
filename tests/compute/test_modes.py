"""Projections and parsers: properties checked with hypothesis."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from compute import Ball, Box, LandscapeError, Modes, parse_constraint, scenario

finite = st.floats(-1e3, 1e3, allow_nan=False)
points = st.lists(finite, min_size=2, max_size=2)
radii = st.floats(0.01, 100.0)


@given(points, radii, st.sampled_from([Ball, Box]))
def test_projection_is_idempotent_feasible_and_non_expansive(p, r, kind):
    c = kind(r)
    theta = torch.tensor(p, dtype=torch.float64)
    q = c.project(theta)
    assert bool(c.contains(q))
    torch.testing.assert_close(c.project(q), q)
    other = torch.zeros(2, dtype=torch.float64)
    assert torch.linalg.norm(q - c.project(other)) <= torch.linalg.norm(theta - other) + 1e-9


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


@given(st.sampled_from(["ball", "box"]), radii)
def test_constraint_spec_round_trips(kind, r):
    c = parse_constraint(f"{kind}:{r!r}")
    assert c.kind == kind and c.radius == r
    assert parse_constraint(c.spec()).kind == kind


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
    obj = scenario("shamir").objective()
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
