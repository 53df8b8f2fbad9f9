"""KKT points on a constraint's boundary (issue 21 item 16): ``grad_norm`` is the norm of the
Lagrangian's gradient ‖∇F + Jcᵀμ‖, about 0 at a KKT point, checked against central finite
differences of F (not autograd) so that a sign slip in either term is caught."""

import numpy as np
import pytest

from compute.critical.search import critical_points
from compute.generators import drain
from compute.geometry.grid import Window
from compute.objectives.modes import Modes, parse_constraint
from compute.scenarios import build_problem


def fd_gradient(loss, theta, h=1e-6):
    out = np.zeros_like(theta)
    for i in range(len(theta)):
        e = np.zeros_like(theta)
        e[i] = h
        out[i] = (loss(theta + e) - loss(theta - e)) / (2 * h)
    return out


@pytest.fixture(scope="module")
def boundary_points():
    objective = build_problem("shamir").objective()
    modes = Modes(constraint=parse_constraint("ball:1"))
    points = drain(critical_points(objective, modes, Window((-1.5, 1.5, -1.5, 1.5))))

    def loss(theta):
        return float(objective.loss(objective.as_tensor(theta[None, :]))[0])

    return [p for p in points if p.on_boundary], loss


def test_boundary_points_exist_on_the_unit_circle(boundary_points):
    points, _ = boundary_points
    assert len(points) >= 2
    for p in points:
        assert np.linalg.norm(p.point) == pytest.approx(1.0, abs=1e-9)


def test_grad_norm_is_the_lagrangian_gradient_and_vanishes(boundary_points):
    """On ‖θ‖ ≤ 1 (c(θ) = (‖θ‖² − 1)/2, ∇c = θ) a KKT point has ∇F = −μθ: the finite-
    difference gradient is normal to the circle, μ has the sign that cancels it, and the
    reported grad_norm (‖∇F + μθ‖) is about 0 while ‖∇F‖ itself is not."""
    points, loss = boundary_points
    normal_forces = 0
    for p in points:
        theta = np.asarray(p.point, dtype=float)
        g = fd_gradient(loss, theta)
        assert len(p.multipliers) == 1
        lagrangian = g + p.multipliers[0] * theta
        assert np.linalg.norm(lagrangian) < 1e-6, (p.point, g, p.multipliers)
        assert p.grad_norm < 1e-8
        assert p.grad_norm == pytest.approx(np.linalg.norm(lagrangian), abs=1e-6)
        if np.linalg.norm(g) > 1e-3:
            normal_forces += 1
            sign_slip = np.linalg.norm(g - p.multipliers[0] * theta)
            assert sign_slip > 1e-3  # the other sign would not vanish: the test can tell
    assert normal_forces >= 1  # at least one point where ∇F ≠ 0 (the constraint acts)
