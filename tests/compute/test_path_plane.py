"""A path's own plane: through its two ends and its bend (a curve's trained bend, a band's
highest image), with the three points on it exactly and the path drawn as its projection."""

import numpy as np
import pytest
import torch

from compute import LandscapeError, Modes, drain
from compute.geometry.planes import Plane
from compute.landscapes.plane_choice import build_plane, decode
from compute.paths.connect import connect
from compute.paths.plane import bend_of, path_plane, plane_reason
from compute.paths.result import PathRequest
from compute.scenarios import build_problem


@pytest.fixture(scope="module")
def li_yuan():
    problem = build_problem("li-yuan")
    a, b = problem.init, problem.references["teacher"]
    curve = drain(connect(problem, Modes(), a, b, PathRequest("bezier", steps=30, points=9)))
    line = drain(connect(problem, Modes(), a, b, PathRequest("line", points=5)))
    return problem, curve, line


def test_a_curve_lies_in_the_plane_through_its_ends_and_its_bend(li_yuan):
    problem, curve, _ = li_yuan
    found = path_plane(problem, curve)
    assert found.spec.kind == "points" and found.spec.orthonormal
    names = list(found.points)
    assert names[2] == "bend" and [m[0] for m in found.spec.marks] == names
    np.testing.assert_array_equal(found.points[names[2]], curve.control[1])
    # the map's plane is the saved one (float32 vectors): the three points lie on it
    plane = build_plane(problem, found.spec)
    scale = float(np.abs(curve.nodes).max())
    three = np.stack(list(found.points.values()))
    assert plane.project(three).distance.max() < 1e-6 * scale
    # every point of a quadratic Bezier curve is an affine combination of a, bend, b
    assert found.distance.max() < 1e-6 * scale
    # the drawn coordinates are the projection of the path's θs onto that plane
    np.testing.assert_array_equal(found.coords, plane.project(curve.nodes).coords)
    ends = [[0, 0], [found.spec.marks[1][1], 0]]  # a at the origin, b along d₁
    np.testing.assert_allclose(found.coords[[0, -1]], ends, atol=1e-6 * scale)
    lo_a, hi_a, lo_b, hi_b = found.window
    assert (found.coords >= [lo_a, lo_b]).all() and (found.coords <= [hi_a, hi_b]).all()


def test_a_line_has_no_plane_of_its_own_and_says_why(li_yuan):
    problem, curve, line = li_yuan
    with pytest.raises(LandscapeError, match="straight line has no bend"):
        path_plane(problem, line)
    assert "midpoint lies on the line" in plane_reason(line, sliced=True)
    assert "whole parameter space" in plane_reason(curve, sliced=False)
    assert plane_reason(curve, sliced=True) == ""
    assert plane_reason(None, sliced=True).startswith("Connect")


def test_a_band_s_plane_goes_through_its_highest_image():
    problem = build_problem("factorization")
    band = drain(
        connect(problem, Modes(), (2, 0.5), (-0.25, -4), PathRequest("neb", images=5, steps=200))
    )
    name, point = bend_of(band)
    assert name == "highest image"
    np.testing.assert_array_equal(point, band.nodes[band.saddle.node])
    found = path_plane(problem, band)
    plane = Plane(*decode(found.spec.vectors), "points", True)
    assert (
        plane.project(torch.as_tensor(np.stack(list(found.points.values())))).distance.max() < 1e-6
    )
