"""Training: the seeds' predicted outcomes, the generator contract, modes, divergence, planes."""

import numpy as np
import pytest
import torch

from compute import (
    LandscapeError,
    Modes,
    TrainConfig,
    directions_plane,
    drain,
    make_constraint,
    network,
    train,
)


def run(sid, sets=None, optimizer="adam", modes=None, start=None, plane=None, **config):
    problem = network(sid).problem(sets or {})
    cfg = TrainConfig.for_optimizer(optimizer, **config)
    return problem, drain(train(problem, cfg, modes, start, plane))


# --- the outcomes seed 000, 001 and 003 predict (numbers measured with these defaults) -------


def test_li_yuan_recovers_the_teacher_from_its_small_initialization():
    """Seed 000 / Li & Yuan: ‖W − W*‖_F 0.53 → 4e-6 (Adam converges after ~230 steps)."""
    _, r = run("li-yuan", steps=1000)
    assert r.status == "converged"
    assert r.history[0].metric == pytest.approx(0.526, abs=0.01)
    assert r.history[-1].metric < 1e-4
    assert r.history[-1].loss < 1e-9


def test_resnet_block_stalls_at_a_positive_distance_from_the_teacher():
    """Seed 000: the one-block ResNet fits the data (loss 2.2 → 0.002) but its weights end
    far from the teacher's (distance 4.1 → 5.1): it never approaches W*."""
    _, r = run("resnet-block", steps=1500)
    distances = r.curve("metric")
    assert distances[-1] > 3.0
    assert distances.min() > 0.9 * distances[0]  # never got closer than it started


def test_li_yuan_student_does_not_fit_the_resnet_teacher():
    """Seed 000: the Li–Yuan student on the ResNet teacher ends at loss ≈ 0.35, not 0."""
    p, r = run("li-yuan-on-resnet", steps=1500)
    assert r.history[-1].metric is None and p.metric is None
    assert r.history[-1].loss > 0.1
    assert r.history[-1].loss < 0.1 * r.history[0].loss  # it does learn, just not to zero


def test_relaxation_warm_start_does_not_recover_the_teacher():
    """Seed 000: ResNet from W₁ = W₂ = W_LY: distance 8.7 → 6.6, far from the teacher."""
    p, r = run("relaxation", steps=1500)
    assert p.baselines["Li–Yuan student"] > 0.1
    assert r.history[0].metric > 8 and r.history[-1].metric > 3.0
    w = p.init.reshape(2, -1)
    assert torch.equal(w[0], w[1])  # the same Li–Yuan weights in both matrices


def test_residual_predictor_ends_no_worse_than_the_best_linear_predictor():
    """Seed 001, Theorems 1–3: the trained residual predictor reaches 0.0025 < F_lin = 0.105."""
    p, r = run("residual-predictor", {"samples": 256}, steps=1500)
    f_lin = p.baselines["F_lin"]
    assert r.history[-1].loss <= f_lin + 1e-3
    assert r.history[-1].metric == pytest.approx(r.history[-1].loss - f_lin, abs=1e-5)
    assert r.history[0].loss > f_lin  # the start was worse than F_lin


def test_skip_connection_to_the_output_with_projected_sgd_on_a_ball():
    """Seed 001, Theorem 4: projected minibatch SGD onto a ball holding (w_lin, 0, U₀, c₀)."""
    p = network("residual-predictor").problem({"variant": "skip", "samples": 256})
    radius = 1.05 * float(p.reference("linear").norm())
    modes = Modes(constraint=make_constraint("ball", radius))
    cfg = TrainConfig.for_optimizer("sgd", lr=0.02, steps=1500, batch_size=32, record_every=10)
    r = drain(train(p, cfg, modes))
    assert np.linalg.norm(r.trajectory, axis=1).max() <= radius * (1 + 1e-5)
    assert r.history[-1].loss <= p.baselines["F_lin"] + 1e-3
    assert r.status == "max_steps"


def test_linear_residual_reaches_least_squares_with_small_layers_tracking_max_norm():
    """Seed 003: full-batch Adam from near the identity reaches the least-squares loss with
    max_i ‖A_i‖₂ ≈ 0.25 for l = 5 layers (Hardt & Ma: minima of norm ~1/l)."""
    p, r = run("linear-residual", steps=2000)
    assert r.status == "converged"
    assert r.history[-1].loss == pytest.approx(p.baselines["least squares"], rel=1e-3)
    norms = r.curve("metric")
    assert np.isfinite(norms).all() and len(norms) == len(r.history)
    assert 0.05 < norms[-1] < 0.5


def test_digits_training_reports_train_and_test_loss_and_accuracy():
    _, r = run("digits-resnet", {"width": 16, "blocks": 1}, steps=60, batch_size=128)
    first, last = r.history[0], r.history[-1]
    assert last.test_loss < first.test_loss and last.accuracy > 0.8
    assert 0 <= last.test_accuracy <= 1 and last.metric == last.test_accuracy
    assert [s.step for s in r.history] == [0, 11, 22, 33, 44, 55, 60]  # once an epoch + the end


# --- contract ----------------------------------------------------------------------------


def test_generator_yields_progress_from_step_zero_and_returns_the_whole_curve():
    p = network("li-yuan").problem({"dim": 4, "samples": 128})
    cfg = TrainConfig.for_optimizer("sgd", lr=0.05, steps=300, tol=0, record_every=7)
    gen = train(p, cfg)
    first = next(gen)
    assert first.step == 0 and first.records[0].step == 0 and first.theta_steps[0] == 0
    progress = [first]
    while True:
        try:
            progress.append(next(gen))
        except StopIteration as stop:
            result = stop.value
            break
    steps = [s.step for pr in progress for s in pr.records]
    assert steps == list(range(301))  # every step recorded once in full batch
    assert [s.step for s in result.history] == steps
    snaps = np.concatenate([pr.theta_steps for pr in progress])
    assert np.array_equal(snaps, result.trajectory_steps)
    assert snaps[0] == 0 and snaps[-1] == 300 and np.all(np.diff(snaps) > 0)
    np.testing.assert_array_equal(result.trajectory[-1], result.theta)
    assert result.status == "max_steps" and result.steps == 300


def test_closing_midway_leaves_the_problem_untouched():
    p = network("li-yuan").problem({"dim": 4, "samples": 128})
    init = p.init.clone()
    gen = train(p, TrainConfig(steps=100_000))
    next(gen)
    gen.close()
    assert torch.equal(p.init, init)


def test_minibatch_runs_are_reproducible_from_their_seed():
    sets = {"dim": 4, "samples": 128}
    _, a = run("li-yuan", sets, "momentum", steps=50, batch_size=16, seed=3)
    _, b = run("li-yuan", sets, "momentum", steps=50, batch_size=16, seed=3)
    _, c = run("li-yuan", sets, "momentum", steps=50, batch_size=16, seed=4)
    np.testing.assert_array_equal(a.theta, b.theta)
    assert not np.array_equal(a.theta, c.theta)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_every_optimizer_decreases_the_loss(optimizer):
    _, r = run("li-yuan", {"dim": 4, "samples": 128}, optimizer, steps=100)
    assert r.history[-1].loss < 0.5 * r.history[0].loss


def test_divergence_stops_with_status_diverged_and_keeps_the_finite_curve():
    p, r = run("li-yuan", {"dim": 4, "samples": 64}, "sgd", lr=1e4, steps=100)
    assert r.status == "diverged"
    losses = r.curve("loss")
    assert np.isfinite(losses).all() and len(losses) == r.steps + 1
    assert np.isfinite(r.theta).all()
    assert float(p.loss(torch.as_tensor(r.theta))) == pytest.approx(losses[-1], rel=1e-5)


def test_l2_and_box_modes():
    sets = {"dim": 4, "samples": 128}
    _, plain = run("li-yuan", sets, steps=300)
    _, reg = run("li-yuan", sets, steps=300, modes=Modes(l2=1.0))
    assert np.linalg.norm(reg.theta) < np.linalg.norm(plain.theta)
    _, boxed = run("li-yuan", sets, steps=100, modes=Modes(constraint=make_constraint("box", 0.01)))
    assert np.abs(boxed.trajectory).max() <= 0.01 + 1e-7


def test_plane_restricted_descent_stays_in_the_plane():
    p = network("li-yuan").problem({"dim": 4, "samples": 128})
    teacher = p.reference("teacher")
    gen = torch.Generator().manual_seed(0)
    plane = directions_plane(p.init, teacher - p.init, 0.1 * torch.randn(p.dim, generator=gen))
    cfg = TrainConfig.for_optimizer("adam", lr=0.05, steps=200, record_every=5)
    r = drain(train(p, cfg, start=torch.tensor([0.2, 0.3]), plane=plane))
    assert r.coords.shape == (len(r.trajectory), 2)
    np.testing.assert_allclose(r.coords[0], [0.2, 0.3])
    proj = plane.project(r.trajectory)
    assert proj.distance.max() < 1e-5
    np.testing.assert_allclose(proj.coords, r.coords, atol=1e-4)
    assert r.coords[-1] == pytest.approx([1.0, 0.0], abs=0.1)  # the teacher is at (1, 0)
    assert r.history[-1].loss < 1e-3 * r.history[0].loss
    with pytest.raises(LandscapeError, match="constraint"):
        next(train(p, cfg, Modes(constraint=make_constraint("ball", 1)), plane=plane))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"optimizer": "newton"}, "unknown optimizer"),
        ({"lr": 0.0}, "learning rate"),
        ({"steps": 0}, "steps"),
        ({"momentum": 1.0}, "momentum"),
        ({"batch_size": -1}, "≥ 0"),
    ],
)
def test_bad_configs_are_refused(kwargs, message):
    with pytest.raises(LandscapeError, match=message):
        TrainConfig(**kwargs)


def test_bad_starts_are_refused():
    p = network("li-yuan").problem({"dim": 2, "samples": 16})
    with pytest.raises(LandscapeError, match="4 parameters"):
        next(train(p, TrainConfig(), start=np.zeros(3)))
    with pytest.raises(LandscapeError, match="finite"):
        next(train(p, TrainConfig(), start=np.full(4, np.nan)))
