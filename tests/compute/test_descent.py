"""The one run model: toys and networks alike reach what the seeds predict; update rules match
their formulas step by step; the generator contract; stopping, divergence, modes."""

import itertools

import numpy as np
import pytest
import torch

from compute import (
    OPTIMIZERS,
    STATUS_NAMES,
    Ball,
    Box,
    LandscapeError,
    Modes,
    RunConfig,
    descend,
    make_constraint,
    run_to_end,
    scenario,
)
from compute.dynamics.optimizers import Minibatches
from compute.scenarios import build_problem


def toy_run(sid, start, name="gd", params=None, modes=None, **cfg):
    obj = build_problem(sid, params).objective()
    config = RunConfig.for_optimizer(name, **cfg)
    h = run_to_end(descend(obj, modes or Modes(), np.array([start], float), config))
    return STATUS_NAMES[h.final.status[0]], h


def net_run(sid, sets=None, optimizer="adam", modes=None, start=None, **cfg):
    spec = scenario(sid)
    problem = build_problem(sid, sets or {})
    config = RunConfig.for_optimizer(optimizer, spec.default_lr, **cfg)
    theta = problem.init if start is None else torch.as_tensor(start, dtype=problem.dtype)
    h = run_to_end(descend(problem.objective(), modes or Modes(), theta[None, :], config))
    return problem, h


def curve(h, key="loss"):
    values = (h.loss if key == "loss" else h.metrics[key])[:, 0]
    return values[np.isfinite(values)]


# --- toys -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_optimizer_reaches_the_global_minimum_of_psd_factorization(name):
    lam, vec = np.linalg.eigh(np.array([[2.0, 0.5], [0.5, 1.0]]))
    status, h = toy_run("psd-factorization", [0.3, 0.9], name, steps=5000)
    assert status == "converged"
    u = h.final.theta[0]
    assert u @ u == pytest.approx(lam[-1], rel=1e-6)
    assert abs(u @ vec[:, 0]) < 1e-5
    np.testing.assert_allclose(h.thetas[0, 0], [0.3, 0.9])
    assert len(h.thetas) == h.final.stopped_at[0] + 1  # every step of a toy is kept


def test_gd_on_shamir_lands_on_the_zero_loss_curve_monotonically():
    status, h = toy_run("shamir", [-1.5, -1.0], "gd", {"eps": 1.0})
    w, v = h.final.theta[0]
    assert status == "converged" and h.final.value[0] < 1e-14
    assert w * (1 + v) == pytest.approx(1.0, abs=1e-7)
    assert all(b <= a + 1e-15 for a, b in itertools.pairwise(h.loss[:, 0]))


def test_relu_is_stuck_left_of_zero_while_square_and_sigmoid_escape():
    """Seed 004 §5.3.2 as dynamics: GD from w = −0.5 never moves under ReLU (F stays 1), reaches
    w = −1 under φ = w², and keeps decreasing F towards 0 under the sigmoid."""
    status, h = toy_run("activation", [-0.5], params={"phi": "relu"})
    assert status == "converged" and len(h.thetas) == 1 and h.final.value[0] == 1.0
    status, h = toy_run("activation", [-0.5], params={"phi": "square"}, lr=0.05)
    assert status == "converged" and h.final.theta[0, 0] == pytest.approx(-1.0, abs=1e-8)
    status, h = toy_run("activation", [-0.5], params={"phi": "sigmoid"}, lr=1.0, steps=3000)
    assert status == "max_steps" and h.final.value[0] < 0.05 and h.thetas[-1, 0, 0] > 3


def test_large_learning_rate_diverges_and_keeps_its_finite_path():
    status, h = toy_run("shamir", [-1.5, -1.0], "gd", lr=10.0)
    assert status == "diverged"
    path = h.thetas[:, 0]
    assert np.isfinite(path).all() and len(path) >= 2
    np.testing.assert_array_equal(h.final.theta[0], path[-1])


def test_ball_projection_keeps_every_iterate_inside_and_finds_the_seed_c_minimum():
    status, h = toy_run("shamir", [-1.5, -1.5], "momentum", modes=Modes(constraint=Ball(2.0)))
    assert status == "converged"
    assert np.linalg.norm(h.thetas[:, 0], axis=1).max() <= 2.0 + 1e-12
    assert np.linalg.norm(h.final.theta[0]) == pytest.approx(2.0)
    assert h.final.value[0] > 0.03  # the spurious constrained minimum, not a zero-loss point
    # on the sphere the projected gradient vanishes while ∇F does not: both are reported
    assert h.projected[-1, 0] < 1e-8 < 0.01 < h.grad_norm[-1, 0]


def test_box_projection_clamps_coordinates():
    _, h = toy_run("shamir", [-1.0, -1.2], "adam", modes=Modes(constraint=Box(1.5)))
    assert np.abs(h.thetas).max() <= 1.5 + 1e-12
    np.testing.assert_allclose(h.final.theta[0], [-1.5, -1.5], atol=1e-6)


def test_l2_run_from_bottom_left_is_trapped_in_the_spurious_minimum():
    status, h = toy_run("shamir", [-1.5, -2.0], "nesterov", modes=Modes(l2=0.2))
    assert status == "converged"
    np.testing.assert_allclose(h.final.theta[0], [-1.0412, -1.6551], atol=1e-3)


def test_batched_runs_are_independent_and_stopped_runs_freeze():
    obj = build_problem("factorization").objective()
    starts = np.array([[0.5, 0.5], [-0.3, -1.2], [0.0, 0.0], [3.0, 3.0]])
    config = RunConfig.for_optimizer("gd", lr=0.2)
    final = run_to_end(descend(obj, Modes(), starts, config)).final
    names = [STATUS_NAMES[s] for s in final.status]
    assert names[:3] == ["converged"] * 3 and names[3] == "diverged"
    np.testing.assert_allclose(final.theta[2], [0, 0])  # the saddle itself: ∇F = 0, never moves
    for i in (0, 1):
        alone = run_to_end(descend(obj, Modes(), starts[i : i + 1], config)).final
        np.testing.assert_allclose(final.theta[i], alone.theta[0], atol=1e-12)


def test_newton_escapes_the_saddle_neighbourhood():
    status, h = toy_run("factorization", [0.01, -0.02], "newton", lr=0.5)
    assert status == "converged" and h.final.value[0] < 1e-14


# --- update rules, two steps each, against the formulas (shamir, ε = 1) ------------------


def _shamir_grad(theta, lam=0.0):
    w, v = theta
    r = w * (1 + v) - 1
    return np.array([r * (1 + v), r * w]) + lam * theta


def _two_steps(name, start, lam=0.0, **cfg):
    obj = build_problem("shamir").objective()
    config = RunConfig.for_optimizer(name, steps=2, tol=0, **cfg)
    h = run_to_end(descend(obj, Modes(l2=lam), np.array([start]), config))
    return h.thetas[:3, 0]


@pytest.mark.parametrize("lam", [0.0, 0.3])
def test_gradient_descent_steps_follow_the_formula_with_the_l2_gradient(lam):
    t0 = np.array([-1.5, -1.0])
    t = _two_steps("gd", t0, lam, lr=0.1)
    t1 = t0 - 0.1 * _shamir_grad(t0, lam)
    np.testing.assert_allclose(t[1], t1, rtol=1e-12)
    np.testing.assert_allclose(t[2], t1 - 0.1 * _shamir_grad(t1, lam), rtol=1e-12)


def test_heavy_ball_and_nesterov_steps_follow_their_formulas():
    t0, lr, beta = np.array([-1.5, -1.0]), 0.05, 0.7
    t = _two_steps("momentum", t0, lr=lr, momentum=beta)
    g0 = _shamir_grad(t0)
    t1 = t0 - lr * g0
    v2 = beta * g0 + _shamir_grad(t1)
    np.testing.assert_allclose(t[1], t1, rtol=1e-12)
    np.testing.assert_allclose(t[2], t1 - lr * v2, rtol=1e-12)
    t = _two_steps("nesterov", t0, lr=lr, momentum=beta)
    n1 = t0 - lr * (g0 + beta * g0)
    g1 = _shamir_grad(n1)
    v2 = beta * g0 + g1
    np.testing.assert_allclose(t[1], n1, rtol=1e-12)
    np.testing.assert_allclose(t[2], n1 - lr * (g1 + beta * v2), rtol=1e-12)


def test_adam_steps_use_the_users_beta1():
    t0, lr, b1, b2 = np.array([-1.5, -1.0]), 0.05, 0.5, 0.999
    t = _two_steps("adam", t0, lr=lr, momentum=b1)
    m = s = np.zeros(2)
    theta = t0
    for k in (1, 2):
        g = _shamir_grad(theta)
        m, s = b1 * m + (1 - b1) * g, b2 * s + (1 - b2) * g**2
        mh, sh = m / (1 - b1**k), s / (1 - b2**k)
        theta = theta - lr * mh / (np.sqrt(sh) + 1e-8)
        np.testing.assert_allclose(t[k], theta, rtol=1e-10)


def test_saddle_free_newton_step_uses_absolute_curvature():
    """Next to the saddle (0, −1) of shamir the Hessian has eigenvalues ≈ ±1; the step is
    −V|Λ|⁻¹Vᵀg (a descent step, short), not the Newton step towards the saddle."""
    t0 = np.array([0.05, -0.9])
    t = _two_steps("newton", t0, lr=1.0)
    w, v = t0
    r = w * (1 + v) - 1
    hess = np.array([[(1 + v) ** 2, r + w * (1 + v)], [r + w * (1 + v), w**2]])
    lam, vec = np.linalg.eigh(hess)
    step = -vec @ ((vec.T @ _shamir_grad(t0)) / np.maximum(np.abs(lam), 1e-3))
    step *= min(1.0, 1.0 / np.linalg.norm(step))
    np.testing.assert_allclose(t[1], t0 + step, rtol=1e-9)
    f = build_problem("shamir").objective().loss
    assert float(f(torch.tensor(t[1]))) < float(f(torch.tensor(t0)))


def test_minibatches_cover_every_sample_once_per_epoch_including_the_last_partial_batch():
    batches = Minibatches(10, 4, seed=0, device=torch.device("cpu"))
    epoch = [batches.next() for _ in range(batches.per_epoch)]
    assert [len(b) for b in epoch] == [4, 4, 2]
    assert sorted(torch.cat(epoch).tolist()) == list(range(10))
    assert Minibatches(10, 0, 0, torch.device("cpu")).next() is None


# --- contract ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        dict(lr=0.0),
        dict(lr=float("nan")),
        dict(momentum=1.0),
        dict(steps=0),
        dict(tol=-1.0),
        dict(batch_size=-1),
    ],
)
def test_impossible_settings_are_refused(bad):
    with pytest.raises(LandscapeError):
        RunConfig.for_optimizer("momentum", **bad)


def test_nan_start_and_minibatches_on_a_toy_are_refused():
    obj = build_problem("shamir").objective()
    with pytest.raises(LandscapeError, match="finite"):
        next(descend(obj, Modes(), np.array([[np.nan, 0.0]]), RunConfig()))
    with pytest.raises(LandscapeError, match="no data samples"):
        next(descend(obj, Modes(), np.array([[0.0, 0.0]]), RunConfig(batch_size=4)))


def test_closing_the_generator_midway_stops_the_run():
    obj = build_problem("shamir").objective()
    gen = descend(obj, Modes(), np.array([[-1.5, -1.0]]), RunConfig(steps=1000))
    steps = [next(gen).step for _ in range(5)]
    gen.close()
    assert steps == [0, 1, 2, 3, 4]
    with pytest.raises(StopIteration):
        next(gen)


def test_network_chunks_record_every_step_once_and_snapshots_in_order():
    problem = build_problem("li-yuan", {"dim": 4, "samples": 128})
    config = RunConfig.for_optimizer("gd", lr=0.05, steps=300, tol=0, record_every=7)
    gen = descend(problem.objective(), Modes(), problem.init[None, :], config)
    chunks = []
    while True:
        try:
            chunks.append(next(gen))
        except StopIteration as stop:
            final = stop.value
            break
    steps = np.concatenate([c.steps for c in chunks])
    assert steps.tolist() == list(range(301))  # every step recorded once in full batch
    snaps = np.concatenate([c.theta_steps for c in chunks])
    assert snaps[0] == 0 and snaps[-1] == 300 and np.all(np.diff(snaps) > 0)
    assert set(snaps[:-1]) == set(range(0, 300, 7))
    np.testing.assert_array_equal(chunks[-1].thetas[-1, 0], final.theta[0])
    assert STATUS_NAMES[final.status[0]] == "max_steps" and final.stopped_at[0] == 300


# --- networks: the outcomes seeds 000, 001 and 003 predict --------------------------------


def test_li_yuan_recovers_the_teacher_from_its_small_initialization():
    """Seed 000 / Li & Yuan: ‖W − W*‖_F 0.53 → 4e-6 (Adam converges after ~230 steps)."""
    _, h = net_run("li-yuan", steps=1000)
    assert STATUS_NAMES[h.final.status[0]] == "converged"
    metric = curve(h, "metric")
    assert metric[0] == pytest.approx(0.526, abs=0.01) and metric[-1] < 1e-4
    assert curve(h)[-1] < 1e-9


def test_li_yuan_student_does_not_fit_the_resnet_teacher():
    """Seed 000: the Li–Yuan student on the ResNet teacher ends at loss ≈ 0.35, not 0."""
    p, h = net_run("li-yuan-on-resnet", steps=1500)
    assert p.metric is None and "metric" not in h.metrics
    loss = curve(h)
    assert loss[-1] > 0.1 and loss[-1] < 0.1 * loss[0]  # it does learn, just not to zero


def test_relaxation_warm_start_keeps_the_li_yuan_weights_in_both_matrices():
    p = build_problem("relaxation", {"relax_steps": 200})
    assert p.baselines["Li–Yuan student"] > 0.1
    w = p.init.reshape(2, -1)
    assert torch.equal(w[0], w[1])


def test_residual_predictor_ends_no_worse_than_the_best_linear_predictor():
    """Seed 001, Theorems 1–3: the trained residual predictor reaches 0.0025 < F_lin = 0.105."""
    p, h = net_run("residual-predictor", {"samples": 256}, steps=1500)
    f_lin, loss = p.baselines["F_lin"], curve(h)
    assert loss[-1] <= f_lin + 1e-3 and loss[0] > f_lin
    assert curve(h, "metric")[-1] == pytest.approx(loss[-1] - f_lin, abs=1e-5)


def test_skip_connection_to_the_output_with_projected_sgd_on_a_ball():
    """Seed 001, Theorem 4: projected minibatch SGD with (w, v) ∈ M₁ = {‖(w, v)‖ ≤ R} and θ =
    (U, c) free ends at most at min_{(u, 0) ∈ M₁} F_lin(u) (+ the theorem's O(1/√T)). R = 0.5
    binds: the least-squares u is longer, the projection acts, and U grows past R freely."""
    from compute.landscapes.landscape import build_landscape
    from compute.landscapes.linear_baseline import UNCONSTRAINED

    sets = {"variant": "skip", "samples": 256}
    p = build_problem("residual-predictor", sets)
    modes = Modes(constraint=make_constraint("ball", 0.5, ("w", "v")))
    landscape = build_landscape(p, modes)
    bound = landscape.modes
    f_lin = landscape.problem.baselines["F_lin"]
    assert f_lin > landscape.problem.baselines[UNCONSTRAINED]  # the constraint is felt by u
    config = RunConfig.for_optimizer("sgd", lr=0.02, steps=1500, batch_size=32, record_every=10)
    start = landscape.problem.init[None, :]
    h = run_to_end(descend(landscape.objective, bound, start, config))
    layout = p.model.layout
    w, v, big_u = layout.block("w"), layout.block("v"), layout.block("U")
    assert (w.offset, w.stop, v.offset) == (0, 8, 8)  # (w, v) are the first 8 + 16 entries
    wv = np.linalg.norm(h.thetas[:, 0, : v.stop], axis=1)
    assert wv.max() <= 0.5 * (1 + 1e-6) and wv.max() >= 0.5 * (1 - 1e-4)  # it binds
    assert np.linalg.norm(h.thetas[-1, 0, big_u.offset : big_u.stop]) > 0.5  # U is free
    assert curve(h)[-1] <= f_lin + 1e-3
    assert curve(h, "metric")[-1] == pytest.approx(curve(h)[-1] - f_lin, abs=1e-5)
    assert STATUS_NAMES[h.final.status[0]] == "max_steps"


def test_one_network_gd_step_with_l2_follows_the_formula():
    """θ₁ = θ₀ − η (∇L(θ₀) + λ θ₀) for F = L + (λ/2)‖θ‖², with ∇L by central differences in
    float64 (an L2 term with λ instead of λ/2 would be off by η λ θ₀ / 2 ≈ 1e-3 here)."""
    p = build_problem("li-yuan", {"dim": 3, "samples": 32}).to(dtype=torch.float64)
    lam, lr, h = 0.7, 0.1, 1e-6
    theta0 = p.init.clone()
    config = RunConfig.for_optimizer("gd", lr=lr, steps=1)
    run = run_to_end(descend(p.objective(), Modes(l2=lam), theta0[None, :], config))
    eye = torch.eye(p.dim, dtype=torch.float64)
    with torch.no_grad():
        fd = torch.stack([(p.loss(theta0 + h * e) - p.loss(theta0 - h * e)) / (2 * h) for e in eye])
    expected = (theta0 - lr * (fd + lam * theta0)).numpy()
    np.testing.assert_allclose(run.thetas[1, 0], expected, atol=1e-8)
    assert np.abs(lr * lam * theta0.numpy() / 2).max() > 1e-3


def test_linear_residual_reaches_least_squares_tracking_max_norm():
    """Seed 003: full-batch Adam from near the identity reaches the least-squares loss with
    max_i ‖A_i‖₂ ≈ 0.25 for l = 5 layers."""
    p, h = net_run("linear-residual", steps=2000)
    assert STATUS_NAMES[h.final.status[0]] == "converged"
    assert curve(h)[-1] == pytest.approx(p.baselines["least squares"], rel=1e-3)
    norms = curve(h, "metric")
    assert len(norms) == len(curve(h)) and 0.05 < norms[-1] < 0.5


def test_digits_minibatch_training_records_loss_and_metrics_once_an_epoch():
    _, h = net_run("digits-resnet", {"width": 16, "blocks": 1}, steps=60, batch_size=128)
    evaluated = h.steps[np.isfinite(h.loss[:, 0])]
    assert evaluated.tolist() == [0, 12, 24, 36, 48, 60]  # 1438 samples: 12 batches an epoch
    test_loss = curve(h, "test_loss")
    assert test_loss[-1] < test_loss[0] and curve(h, "accuracy")[-1] > 0.8
    assert 0 <= curve(h, "test_accuracy")[-1] <= 1
    np.testing.assert_array_equal(curve(h, "metric"), curve(h, "test_accuracy"))


def test_minibatch_runs_are_reproducible_from_their_seed():
    sets = {"dim": 4, "samples": 128}
    _, a = net_run("li-yuan", sets, "momentum", steps=50, batch_size=16, seed=3)
    _, b = net_run("li-yuan", sets, "momentum", steps=50, batch_size=16, seed=3)
    _, c = net_run("li-yuan", sets, "momentum", steps=50, batch_size=16, seed=4)
    np.testing.assert_array_equal(a.final.theta, b.final.theta)
    assert not np.array_equal(a.final.theta, c.final.theta)


def test_network_divergence_keeps_the_finite_curve():
    p, h = net_run("li-yuan", {"dim": 4, "samples": 64}, "gd", lr=1e4, steps=100)
    assert STATUS_NAMES[h.final.status[0]] == "diverged"
    assert np.isfinite(h.loss).all() and np.isfinite(h.final.theta).all()
    theta = torch.as_tensor(h.final.theta[0], dtype=p.dtype)
    assert float(p.loss(theta)) == pytest.approx(h.loss[-1, 0], rel=1e-5)


def test_l2_shrinks_and_box_bounds_network_weights():
    sets = {"dim": 4, "samples": 128}
    _, plain = net_run("li-yuan", sets, steps=300)
    _, reg = net_run("li-yuan", sets, steps=300, modes=Modes(l2=1.0))
    assert np.linalg.norm(reg.final.theta) < np.linalg.norm(plain.final.theta)
    box = Modes(constraint=make_constraint("box", 0.01))
    _, boxed = net_run("li-yuan", sets, steps=100, modes=box)
    assert np.abs(boxed.thetas).max() <= 0.01 + 1e-7


def test_newton_refuses_full_space_networks_beyond_its_size():
    problem = build_problem("digits-resnet", {"width": 16, "blocks": 1})
    with pytest.raises(LandscapeError, match="Newton"):
        next(descend(problem.objective(), Modes(), problem.init[None, :], RunConfig("newton")))


def test_curvature_along_a_run_matches_finite_difference_hessians():
    """λ_max and λ_min of ∇²F recorded every 5 steps agree with the eigenvalues of the
    Hessian built by central differences of the gradient at the same points."""
    problem = build_problem("li-yuan", {"dim": 3, "samples": 64, "test_samples": 8})
    problem = problem.to(dtype=torch.float64)
    config = RunConfig("gd", lr=0.05, steps=20, tol=0, curvature_every=5)
    h = run_to_end(descend(problem.objective(), Modes(l2=0.1), problem.init[None, :], config))
    measured = np.isfinite(h.metrics["lambda_max"][:, 0])
    assert h.steps[measured].tolist() == [0, 5, 10, 15, 20]
    f = Modes(l2=0.1).apply(problem.objective()).loss
    for step in (5, 20):
        theta = torch.as_tensor(h.thetas[list(h.theta_steps).index(step), 0])
        eps, n = 1e-5, len(theta)
        hess = np.zeros((n, n))
        for i in range(n):
            e = torch.zeros(n, dtype=torch.float64)
            e[i] = eps
            g = [torch.func.grad(f)(theta + s * e).numpy() for s in (1, -1)]
            hess[i] = (g[0] - g[1]) / (2 * eps)
        lam = np.linalg.eigvalsh((hess + hess.T) / 2)
        row = list(h.steps).index(step)
        assert h.metrics["lambda_max"][row, 0] == pytest.approx(lam[-1], rel=1e-3)
        assert h.metrics["lambda_min"][row, 0] == pytest.approx(lam[0], abs=1e-3 * lam[-1])
