"""Planes: filter normalisation, PCA of trajectories, three points, projections."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from compute import (
    LandscapeError,
    directions_plane,
    filter_normalized_direction,
    pca_plane,
    random_plane,
    three_point_plane,
)
from compute.scenarios import build_problem


def digits():
    return build_problem("digits-resnet", {"width": 6, "blocks": 1})


def test_filter_normalisation_gives_each_filter_the_norm_of_theta0s_and_zeroes_biases():
    p = digits()
    d = filter_normalized_direction(p.model.layout, p.init, torch.Generator().manual_seed(0))
    parts, ref = p.model.layout.unflatten(d), p.model.layout.unflatten(p.init)
    for block in p.model.layout.blocks:
        if block.kind == "bias":
            assert torch.count_nonzero(parts[block.name]) == 0
            continue
        rows = parts[block.name]  # nn.Linear layout: filter j = row j (incoming weights of unit j)
        torch.testing.assert_close(rows.norm(dim=1), ref[block.name].norm(dim=1), rtol=1e-5, atol=0)
        assert not torch.allclose(rows, ref[block.name])


def test_filters_along_columns_follow_the_unit_axis():
    """Li–Yuan's unit j is column j of W ((I + W)ᵀx): its filters are columns."""
    p = build_problem("li-yuan", {"dim": 5, "samples": 16})
    d = filter_normalized_direction(p.model.layout, p.init, torch.Generator().manual_seed(1))
    w, w0 = d.reshape(5, 5), p.init.reshape(5, 5)
    torch.testing.assert_close(w.norm(dim=0), w0.norm(dim=0), rtol=1e-5, atol=0)


def test_random_plane_is_reproducible_and_refuses_all_zero_weights():
    p = digits()
    a, b = random_plane(p.model.layout, p.init, 3), random_plane(p.model.layout, p.init, 3)
    assert torch.equal(a.d1, b.d1) and torch.equal(a.d2, b.d2) and not torch.equal(a.d1, a.d2)
    assert not a.orthonormal and a.kind == "random"
    with pytest.raises(LandscapeError, match="zero"):
        random_plane(p.model.layout, torch.zeros(p.dim), 0)


def test_pca_recovers_a_planted_two_dimensional_trajectory():
    gen = torch.Generator().manual_seed(0)
    n = 50
    basis, _ = torch.linalg.qr(torch.randn(n, 2, generator=gen, dtype=torch.float64))
    u, v = basis.T
    t = torch.linspace(0, 1, 40, dtype=torch.float64)
    final = torch.randn(n, generator=gen, dtype=torch.float64)
    traj = final + (3 * (1 - t))[:, None] * u + (torch.sin(6 * t) * (1 - t))[:, None] * v
    plane = pca_plane(traj)
    assert plane.kind == "pca" and plane.orthonormal
    assert sum(plane.explained_variance) == pytest.approx(1.0, abs=1e-12)
    assert plane.explained_variance[0] >= plane.explained_variance[1] > 0
    span = torch.stack([plane.d1, plane.d2])
    torch.testing.assert_close(span @ span.T, torch.eye(2, dtype=torch.float64))
    # u and v lie in the span of d1, d2 (the projection onto it keeps them whole)
    proj = (basis.T @ span.T) @ span
    torch.testing.assert_close(proj, basis.T, atol=1e-10, rtol=0)
    projection = plane.project(traj)
    assert projection.distance.max() < 1e-10
    assert projection.coords[0, 0] >= 0 and projection.coords[0, 1] >= 0  # start in +,+
    torch.testing.assert_close(plane.origin, traj[-1])
    lo_a, hi_a, lo_b, hi_b = plane.window
    assert lo_a < projection.coords[:, 0].min() and hi_a > projection.coords[:, 0].max()
    assert lo_b < projection.coords[:, 1].min() and hi_b > projection.coords[:, 1].max()


def test_pca_explained_variance_of_a_spread_trajectory_is_below_one():
    gen = torch.Generator().manual_seed(1)
    traj = torch.randn(30, 20, generator=gen, dtype=torch.float64)
    ratio = pca_plane(traj).explained_variance
    assert 0 < ratio[1] <= ratio[0] and sum(ratio) < 1
    with pytest.raises(LandscapeError, match="at least 3"):
        pca_plane(traj[:2])
    line = torch.linspace(0, 1, 10, dtype=torch.float64)[:, None] * torch.ones(
        5, dtype=torch.float64
    )
    with pytest.raises(LandscapeError, match="two dimensions"):
        pca_plane(line)


def test_three_point_plane_reproduces_its_three_points():
    p = build_problem("li-yuan", {"dim": 6, "samples": 16})
    gen = torch.Generator().manual_seed(2)
    points = {
        "init": p.init,
        "final": p.init + 0.3 * torch.randn(p.dim, generator=gen),
        "teacher": p.reference("teacher"),
    }
    plane = three_point_plane(points)
    assert plane.orthonormal and list(plane.marks) == ["init", "final", "teacher"]
    assert plane.marks["init"] == (0.0, 0.0) and plane.marks["final"][1] == 0.0
    for name, theta in points.items():
        rebuilt = plane.point(torch.tensor(plane.marks[name], dtype=torch.float64))
        torch.testing.assert_close(rebuilt.float(), theta, rtol=0, atol=1e-6)
    proj = plane.project(torch.stack(list(points.values())))
    np.testing.assert_allclose(proj.coords, np.array(list(plane.marks.values())), atol=1e-6)
    assert proj.distance.max() < 1e-6
    a = float((points["final"] - points["init"]).double().norm())
    assert plane.marks["final"][0] == pytest.approx(a)  # distances in (a, b) are distances in θ


def test_three_point_plane_refuses_degenerate_points():
    x = torch.arange(4.0)
    with pytest.raises(LandscapeError, match="coincide"):
        three_point_plane({"a": x, "b": x, "c": x + 1})
    with pytest.raises(LandscapeError, match="collinear"):
        three_point_plane({"a": x, "b": 2 * x, "c": 3 * x})
    with pytest.raises(LandscapeError, match="exactly 3"):
        three_point_plane({"a": x, "b": 2 * x})


def test_directions_plane_as_given_or_orthonormalised():
    gen = torch.Generator().manual_seed(4)
    o, d1, d2 = (torch.randn(8, generator=gen, dtype=torch.float64) for _ in range(3))
    raw = directions_plane(o, d1, d2)
    assert torch.equal(raw.d1, d1) and not raw.orthonormal
    torch.testing.assert_close(raw.point(torch.tensor([1.0, 0.0])), o + d1)
    ortho = directions_plane(o, d1, d2, orthonormalize=True)
    span = torch.stack([ortho.d1, ortho.d2])
    torch.testing.assert_close(span @ span.T, torch.eye(2, dtype=torch.float64))
    with pytest.raises(LandscapeError, match="parallel"):
        directions_plane(o, d1, -2 * d1)
    with pytest.raises(LandscapeError, match="nonzero"):
        directions_plane(o, d1, 0 * d1)


@settings(max_examples=40, deadline=None)
@given(
    a=st.floats(-5, 5),
    b=st.floats(-5, 5),
    off=st.floats(0, 3),
    seed=st.integers(0, 1000),
)
def test_projection_recovers_coordinates_and_the_distance_off_the_plane(a, b, off, seed):
    """θ = θ(a, b) + off·n with n ⟂ the plane (unit): coords (a, b), distance off, for
    non-orthogonal directions too."""
    gen = torch.Generator().manual_seed(seed)
    o, d1, d2, r = (torch.randn(7, generator=gen, dtype=torch.float64) for _ in range(4))
    plane = directions_plane(o, d1, d2 + 0.5 * d1)
    q, _ = torch.linalg.qr(torch.stack([plane.d1, plane.d2, r], dim=1))
    normal = q[:, 2]
    theta = plane.point(torch.tensor([a, b], dtype=torch.float64)) + off * normal
    proj = plane.project(theta)
    np.testing.assert_allclose(proj.coords[0], [a, b], atol=1e-9)
    assert proj.distance[0] == pytest.approx(off, abs=1e-9)


def test_eigenvector_planes_diagonalise_the_hessian_in_the_slice():
    """On the plane of the top two eigenvectors at θ₀ the slice's Hessian at (0, 0) is
    diag(λ₁, λ₂), measured by central differences of F(a, b) itself; the top eigenvector +
    random plane keeps λ₁ along a and is orthonormal."""
    from compute import Modes, build_landscape, drain, eigen_plane

    sets = {"dim": 3, "depth": 3, "samples": 256}  # smooth: no ReLU kinks for the differences
    problem = build_problem("linear-residual", sets).to(dtype=torch.float64)
    spec, window = drain(eigen_plane(problem, problem.init, "hessian", 0, "θ₀"))
    f = build_landscape(problem, Modes(), spec).map_objective.loss
    h = 1e-3

    def value(a, b):
        return float(f(torch.tensor([a, b], dtype=torch.float64)))

    faa = (value(h, 0) - 2 * value(0, 0) + value(-h, 0)) / h**2
    fbb = (value(0, h) - 2 * value(0, 0) + value(0, -h)) / h**2
    fab = (value(h, h) - value(h, -h) - value(-h, h) + value(-h, -h)) / (4 * h**2)
    assert faa >= fbb > 0 and abs(fab) < 1e-4 * faa
    random_spec, _ = drain(eigen_plane(problem, problem.init, "hessian-random", 0, "θ₀"))
    g = build_landscape(problem, Modes(), random_spec)
    d1, d2 = g.plane.d1, g.plane.d2
    assert float(d1 @ d2) == pytest.approx(0, abs=1e-6)  # planes are kept in float32
    assert float(d2.norm()) == pytest.approx(1, abs=1e-6)
    gaa = (
        float(g.map_objective.loss(torch.tensor([h, 0.0], dtype=torch.float64)))
        - 2 * value(0, 0)
        + float(g.map_objective.loss(torch.tensor([-h, 0.0], dtype=torch.float64)))
    ) / h**2
    assert gaa == pytest.approx(faa, rel=1e-4)
    assert window[1] > 0


@pytest.mark.parametrize("parallel", [False, True])
def test_projection_in_blocks_equals_a_dense_least_squares_solve(parallel):
    """Projections are summed over blocks of parameters (bounded memory for 11M-parameter
    models): coords and distances equal numpy's dense least squares over several blocks, and
    the least-norm solution when the directions are parallel."""
    from compute import Plane
    from compute.geometry.planes import PROJECT_BLOCK

    rng = np.random.default_rng(4)
    n = 2 * PROJECT_BLOCK + 77
    origin, d1, d2 = (torch.tensor(rng.normal(size=n), dtype=torch.float32) for _ in range(3))
    if parallel:
        d2 = -2 * d1
    plane = Plane(origin, d1, d2, "random", False)
    thetas = torch.tensor(rng.normal(size=(3, n)), dtype=torch.float32)
    got = plane.project(thetas)
    d = np.stack([d1.double().numpy(), d2.double().numpy()])
    rel = thetas.double().numpy() - origin.double().numpy()
    coords = np.linalg.lstsq(d.T, rel.T, rcond=None)[0].T  # least-norm for rank 1
    np.testing.assert_allclose(got.coords, coords, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got.distance, np.linalg.norm(rel - coords @ d, axis=1), rtol=1e-9)
