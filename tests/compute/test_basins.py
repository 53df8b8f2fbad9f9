"""Basin-of-attraction maps: where one batched descent from every grid cell ends."""

import itertools

import numpy as np
import pytest

from compute import (
    Ball,
    LandscapeError,
    Modes,
    RunConfig,
    Window,
    build_landscape,
    descend,
    drain,
    run_to_end,
    scenario,
)
from compute.critical.search import critical_points
from compute.dynamics.attractors import (
    DIVERGED,
    NOT_CONVERGED,
    RUNNING,
    STATIONARY,
    attractors_from,
)
from compute.dynamics.basins import BasinMap, basin_map
from compute.scenarios import build_problem

from .helpers import find_critical


def make_map(sid, resolution, params=None, modes=None, window=None, crit=None, **cfg):
    spec = scenario(sid)
    modes = modes or Modes()
    window = window or spec.window
    crit = crit if crit is not None else find_critical(sid, params, modes, window)
    config = RunConfig.for_optimizer(cfg.pop("name", "gd"), **cfg)
    return drain(
        basin_map(
            build_problem(spec.id, params).objective(),
            modes,
            Window(window),
            resolution,
            config,
            crit,
        )
    )


def label_of(m: BasinMap, name: str) -> int:
    (i,) = [i for i, a in enumerate(m.attractors) if a.label.startswith(name)]
    return i


def cell_nearest(m: BasinMap, point):
    return tuple(
        int(np.argmin(np.abs(ax - p))) for ax, p in zip(m.axes[::-1], point[::-1], strict=True)
    )


@pytest.fixture(scope="module")
def factorization_critical():
    return find_critical("factorization", window=(-2, 2, -2, 2))


@pytest.fixture(scope="module")
def shamir_l2():
    modes = Modes(l2=0.2)
    return modes, find_critical("shamir", {"eps": 1.0}, modes)


def test_attractors_are_minima_and_continua_sorted_by_loss(factorization_critical, shamir_l2):
    shamir = attractors_from(shamir_l2[1])
    assert [a.kind for a in shamir] == ["minimum", "minimum"]  # the saddle is left out
    assert shamir[0].loss < shamir[1].loss
    assert shamir[0].label == "min (0.67, 0.34)" and shamir[1].label == "min (-1.04, -1.66)"
    np.testing.assert_allclose(shamir[1].points, [[-1.0412, -1.6551]], atol=1e-4)
    fac = attractors_from(factorization_critical)
    assert [a.kind for a in fac] == ["minimum set", "minimum set"]
    for a in fac:
        np.testing.assert_allclose(a.points.prod(axis=1), 1.0, atol=1e-9)
    relu = attractors_from(find_critical("activation", {"phi": "relu"}))
    assert sorted(a.kind for a in relu) == ["flat set", "minimum"]


def test_factorization_basins_are_split_by_the_sign_of_u_plus_v(factorization_critical):
    """GD on (1 − uv)²: u' + v' = (u + v)(1 + 2·lr·(1 − uv)), so sign(u + v) never changes
    (1 + 0.2(1 − uv) > 0 here) and a run reaches the branch of uv = 1 of that sign. On the
    anti-diagonal v = −u the gradient is exactly antisymmetric, the run stays on it and
    converges to the saddle at the origin (F = (1 + u²)², |1 − 0.2(1 + u²)| < 1)."""
    m = make_map("factorization", 41, window=(-2, 2, -2, 2), crit=factorization_critical)
    pos, neg = label_of(m, "min set near (1.00"), label_of(m, "min set near (-1.00")
    u, v = np.meshgrid(*m.axes)
    s = u + v
    np.testing.assert_array_equal(m.labels[s > 1e-12], pos)
    np.testing.assert_array_equal(m.labels[s < -1e-12], neg)
    assert (m.labels[s == 0] == STATIONARY).all() and (s == 0).sum() >= 10
    origin = cell_nearest(m, (0.0, 0.0))
    assert m.labels[origin] == STATIONARY and m.steps[origin] == 0  # ∇F(0) = 0 exactly
    # swapping u and v is an exact symmetry of the loss, of GD and of the grid
    np.testing.assert_array_equal(m.labels, m.labels.T)
    np.testing.assert_array_equal(m.final_points, m.final_points.transpose(1, 0, 2)[..., ::-1])
    ends = m.final_points[m.labels >= 0]
    np.testing.assert_allclose(ends.prod(axis=1), 1.0, atol=1e-6)
    assert np.array_equal(np.sign(ends[:, 0]) > 0, m.labels[m.labels >= 0] == pos)
    share = m.share()
    assert share[m.attractors[pos].label] > 0.45 and share[m.attractors[neg].label] > 0.45
    assert sum(share.values()) == pytest.approx(1.0)


def test_shamir_with_l2_has_a_spurious_basin(shamir_l2):
    modes, crit = shamir_l2
    m = make_map("shamir", 48, {"eps": 1.0}, modes, crit=crit, lr=0.1)
    good, bad = label_of(m, "min (0.67"), label_of(m, "min (-1.04")
    assert m.labels[cell_nearest(m, (-1.5, -2.0))] == bad
    assert m.labels[cell_nearest(m, (1.0, 1.0))] == good
    share = m.share()
    assert share[m.attractors[good].label] > 0.05 and share[m.attractors[bad].label] > 0.05
    assert share["stationary"] == share["diverged"] == share["not converged"] == 0
    for i, target in ((good, (0.6723, 0.3379)), (bad, (-1.0412, -1.6551))):
        ends = m.final_points[m.labels == i]
        np.testing.assert_allclose(ends, np.broadcast_to(target, ends.shape), atol=1e-3)


def test_relu_flat_region_catches_every_negative_start():
    m = make_map("activation", 61, {"phi": "relu"})
    w = m.axes[0]
    assert m.labels.shape == (61,) and m.final_points.shape == (61, 1)
    flat, minimum = label_of(m, "flat set"), label_of(m, "min (1.00)")
    assert (m.labels[w < 0] == flat).all() and (m.steps[w < 0] == 0).all()
    assert (m.labels[w > 0] == minimum).all()
    np.testing.assert_allclose(m.final_points[w > 0, 0], 1.0, atol=1e-7)


def test_boundary_minimum_of_a_ball_is_an_attractor():
    m = make_map("shamir", 16, modes=Modes(constraint=Ball(2.0)), name="momentum")
    assert m.share()[m.attractors[label_of(m, "boundary min")].label] > 0.1


def test_large_step_diverges_and_small_budget_does_not_converge(shamir_l2):
    modes, crit = shamir_l2
    m = make_map("shamir", 16, {"eps": 1.0}, modes, crit=crit, lr=10.0)
    assert m.share()["diverged"] > 0.5
    assert np.isfinite(m.final_points).all()
    m = make_map("shamir", 16, {"eps": 1.0}, modes, crit=crit, lr=0.1, steps=3)
    assert (m.labels == NOT_CONVERGED).all() and (m.steps == 3).all()
    assert m.share()["not converged"] == 1.0
    assert DIVERGED not in m.labels and RUNNING not in m.labels


def _stream(yield_seconds, crit, modes, resolution=64):
    obj = build_problem("shamir", {"eps": 1.0}).objective()
    return basin_map(
        obj,
        modes,
        Window((-3, 3, -3, 3)),
        resolution,
        RunConfig(steps=400),
        crit,
        yield_seconds,
    )


def test_streaming_blocks_fill_in_monotonically(shamir_l2):
    modes, crit = shamir_l2
    gen, blocks = _stream(2e-3, crit, modes), []
    while True:
        try:
            blocks.append(next(gen))
        except StopIteration as stop:
            final = stop.value
            break
    assert len(blocks) >= 5  # one per task: level 0, level 1, three pieces of level 2
    # coarse to fine: the first block holds every 4th row and column, the whole window
    first_done = blocks[0].labels != RUNNING
    assert first_done.sum() == 16 * 16 and first_done[::4, ::4].all()
    running = [int((b.labels == RUNNING).sum()) for b in blocks]
    assert all(b <= a for a, b in itertools.pairwise(running)) and running[-1] == 0
    assert [b.done_fraction for b in blocks] == sorted(b.done_fraction for b in blocks)
    for b in blocks:  # a cell's label never changes once its run stopped
        done = b.labels != RUNNING
        np.testing.assert_array_equal(b.labels[done], final.labels[done])
    np.testing.assert_array_equal(blocks[-1].labels, final.labels)
    # a long yield interval batches many steps per block (k adapted to the measured step time)
    few = list(_stream(60.0, crit, modes))
    assert len(few) <= 4 < len(blocks)
    np.testing.assert_array_equal(few[-1].labels, final.labels)


def test_closing_midway_stops_promptly(shamir_l2):
    modes, crit = shamir_l2
    gen = _stream(1e-3, crit, modes, resolution=128)
    first = next(gen)
    assert (first.labels == RUNNING).any()
    gen.close()  # returns at the next yield (its wall time is a benchmark matter, not a test's)
    with pytest.raises(StopIteration):
        next(gen)


@pytest.mark.parametrize("name", ["gd", "adam"])
def test_batched_cells_end_where_single_runs_end(shamir_l2, name):
    modes, crit = shamir_l2
    m = make_map("shamir", 20, {"eps": 1.0}, modes, crit=crit, name=name, steps=200)
    obj = build_problem("shamir", {"eps": 1.0}).objective()
    config = RunConfig.for_optimizer(name, steps=200)
    rng = np.random.default_rng(0)
    for i, j in rng.integers(0, 20, size=(3, 2)):
        start = np.array([[m.axes[0][j], m.axes[1][i]]])
        final = run_to_end(descend(obj, modes, start, config)).final
        np.testing.assert_allclose(final.theta[0], m.final_points[i, j], rtol=0, atol=1e-12)
        assert final.stopped_at[0] == m.steps[i, j]


def test_window_must_match_the_objective():
    obj = build_problem("shamir").objective()
    with pytest.raises(LandscapeError, match="window has 1 axes"):
        drain(basin_map(obj, Modes(), Window((-1, 1)), 8, RunConfig(), []))


def test_a_run_on_a_continuum_beyond_its_sampled_members_is_assigned_by_loss_level():
    """The flat set was sampled on [−1, 0] only; runs from w < −1 stop where they start, on
    its loss level F = 1, two units from any member: still the flat set, not STATIONARY."""
    crit = find_critical("activation", {"phi": "relu"}, window=(-1, 3))
    m = make_map("activation", 61, {"phi": "relu"}, window=(-3, 3), crit=crit)
    flat = label_of(m, "flat set")
    assert m.attractors[flat].points.min() == pytest.approx(-1.0)
    assert (m.labels[m.axes[0] < 0] == flat).all()


def test_end_points_are_matched_in_units_of_each_attractors_own_tolerance():
    """Sites: an isolated minimum has tolerance h (the cell), a continuum sampled every 1.0
    has tolerance 1.0 (its widest gap). A run ending 0.50 from the continuum's nearest member
    (between two members, half a gap) and 0.35 from the isolated minimum belongs to the
    continuum: 0.50 / 1.0 < 0.35 / h. One shared tolerance gets it wrong either way: h for
    both leaves it unassigned, 1.0 for both gives it to the minimum."""
    from compute.critical.search import CriticalPoint
    from compute.dynamics.attractors import Sites

    def point(members, loss, kind, nature):
        members = np.asarray(members, dtype=float)
        return CriticalPoint(members[0], loss, 0.0, np.ones(2), kind, False, nature, members)

    curve = point([[x, 1.0] for x in (-2, -1, 0, 1, 2)], 0.0, "degenerate", "minimum")
    lone = point([[0.5, 0.6]], 0.2, "minimum", "minimum")
    sites = Sites([curve, lone], [curve, lone], cell=0.1)
    ends = np.array([[0.5, 0.95], [0.5, 0.62], [0.5, 1.0 + 1.5]])
    labels = sites.label(ends, np.array([5.0, 0.2, 5.0]))
    assert labels.tolist() == [0, 1, STATIONARY]


def test_runs_find_the_attractors_the_critical_search_did_not_report(shamir_l2):
    """Without any critical point, converged runs are grouped by distance into attractors of
    their own ("run end"): the two minima of Shamir's loss with L2, where the search puts them,
    with the same basins as the map that knew them."""
    modes, crit = shamir_l2
    known = make_map("shamir", 24, {"eps": 1.0}, modes, crit=crit, lr=0.1)
    found = make_map("shamir", 24, {"eps": 1.0}, modes, crit=[], lr=0.1)
    assert [a.kind for a in found.attractors] == ["run end", "run end"]
    by_known = {}
    for k, a in enumerate(found.attractors):
        (j,) = [
            j
            for j, b in enumerate(known.attractors)
            if np.allclose(a.points, b.points[0], atol=1e-3)
        ]
        assert a.loss == pytest.approx(known.attractors[j].loss, abs=1e-9)
        by_known[k] = j
    remapped = np.vectorize(lambda x: by_known.get(x, x))(found.labels)
    np.testing.assert_array_equal(remapped, known.labels)


def test_budget_keeps_toys_and_fits_networks_into_twenty_seconds():
    from compute.dynamics.basins import BASIN_FLOPS, basin_budget

    toy = build_problem("shamir").objective()
    assert basin_budget(toy, 128, RunConfig()) == (128, RunConfig())
    for sid in ("li-yuan", "digits-resnet"):
        problem = build_problem(sid)
        net = build_landscape(problem, Modes()).map_objective
        resolution, config = basin_budget(net, 41, RunConfig.for_optimizer("adam", steps=1000))
        assert 12 <= resolution <= 41
        assert resolution**2 * config.steps * 3 * net.flops <= BASIN_FLOPS * 1.0001
    assert resolution == 12 and config.steps < 300  # digits: the steps give way last


def test_network_runs_stop_within_a_cell_of_their_attractor():
    """li-yuan's slice (a network: runs stop on arrival): every cell reaches the minimum the
    critical search reports, and each run stopped within one cell of it, long before the
    budget ran out."""
    from compute.dynamics.basins import basin_budget

    problem = build_problem("li-yuan")
    landscape = build_landscape(problem, Modes())
    obj, modes = landscape.map_objective, landscape.map_modes
    window = Window((-1.0, 1.0, -1.0, 1.0))
    crit = drain(critical_points(obj, modes, window))
    minima = [c for c in crit if c.kind == "minimum"]
    assert minima
    resolution, config = basin_budget(obj, 13, RunConfig.for_optimizer("adam", lr=0.05))
    m = drain(basin_map(obj, modes, window, resolution, config, crit))
    assert "within one cell" in m.note and "Not converged" in m.note
    cell = np.hypot(*(a[1] - a[0] for a in m.axes))
    for k in np.unique(m.labels):
        assert k >= 0, m.share()
        ends = m.final_points[m.labels == k]
        gap = np.linalg.norm(ends[:, None] - m.attractors[k].points[None], axis=-1).min(axis=1)
        assert (gap <= cell * 1.0001).all()
    assert m.steps.max() < config.steps
