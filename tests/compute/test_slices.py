"""Slices: agreement with direct evaluation, progressive refinement, cancelling, overflow."""

import threading
import time

import numpy as np
import pytest
import torch

from compute import (
    LandscapeError,
    RunConfig,
    drain,
    evaluate_slice,
    interpolate,
    random_plane,
    run_from_init,
    three_point_plane,
)
from compute.networks.plane_evaluator import PlaneEvaluator
from compute.scenarios import build_problem


def digits(**sets):
    return build_problem("digits-resnet", {"width": 8, "blocks": 2} | sets)


def direct(problem, plane, sliced, split="train"):
    """Per-point evaluation of problem.loss at every grid point, one θ at a time."""
    a, b = sliced.axes
    out = np.empty((len(b), len(a)))
    with torch.no_grad():
        for i, bv in enumerate(b):
            for j, av in enumerate(a):
                theta = plane.origin + float(av) * plane.d1 + float(bv) * plane.d2
                out[i, j] = float(problem.loss(theta, split))
    return out


@pytest.mark.parametrize(
    "sid", ["digits-resnet", "li-yuan", "residual-predictor", "linear-residual"]
)
def test_slice_values_agree_with_direct_per_point_evaluation(sid):
    small = {"digits-resnet": {"width": 8, "blocks": 2}}.get(sid, {"samples": 200})
    p = build_problem(sid, small)
    theta = p.init + 0.05 * torch.randn(p.dim, generator=torch.Generator().manual_seed(0))
    plane = random_plane(p.model.layout, theta, seed=1)
    sliced = drain(evaluate_slice(p, plane, (-1, 1, -0.5, 1.5), (9, 7), include_test=True))
    assert sliced.values["loss"].shape == (7, 9)
    np.testing.assert_allclose(
        sliced.values["loss"], direct(p, plane, sliced), rtol=2e-5, atol=1e-7
    )
    np.testing.assert_allclose(
        sliced.values["test_loss"], direct(p, plane, sliced, "test"), rtol=2e-5, atol=1e-7
    )
    assert sliced.axes[0][0] == -1 and sliced.axes[1][-1] == 1.5


def direct_accuracy(problem, plane, a, b, split="train"):
    out = np.empty((len(b), len(a)))
    for i, bv in enumerate(b):
        for j, av in enumerate(a):
            theta = plane.origin + float(av) * plane.d1 + float(bv) * plane.d2
            out[i, j] = float(problem.accuracy(theta, split))
    return out


@pytest.mark.parametrize("sets", [{"width": 8, "blocks": 2}, {"width": 5, "blocks": 3}])
def test_residual_mlp_plane_head_matches_direct_evaluation_in_float64(sets):
    """The residual MLP's own plane head (per-point matrices from [1, a, b] @ basis, buffers
    reused across chunks of unequal size) against per-point ``problem.loss`` in float64, on an
    asymmetric, non-square window (a transposed grid or a swapped direction cannot pass)."""
    p = digits(**sets).to(dtype=torch.float64)
    theta = p.init + 0.3 * torch.randn(p.dim, generator=torch.Generator().manual_seed(4)).double()
    plane = random_plane(p.model.layout, theta, seed=3)
    assert PlaneEvaluator(p, plane).head is not None  # the fast path is the one tested
    sliced = drain(evaluate_slice(p, plane, (-1.5, 0.5, 0.25, 2.0), (6, 5), include_test=True))
    a, b = sliced.axes
    np.testing.assert_allclose(sliced.values["loss"], direct(p, plane, sliced), rtol=1e-12)
    np.testing.assert_allclose(
        sliced.values["test_loss"], direct(p, plane, sliced, "test"), rtol=1e-12
    )
    np.testing.assert_array_equal(sliced.values["accuracy"], direct_accuracy(p, plane, a, b))
    np.testing.assert_array_equal(
        sliced.values["test_accuracy"], direct_accuracy(p, plane, a, b, "test")
    )


def test_plane_evaluator_chunks_and_threads_give_the_same_values():
    p = digits()
    plane = random_plane(p.model.layout, p.init, seed=5)
    coords = torch.rand(23, 2, generator=torch.Generator().manual_seed(6)) * 4 - 2
    whole = PlaneEvaluator(p, plane)
    whole.chunk = 64
    expected = whole(coords)
    small = PlaneEvaluator(p, plane)
    small.chunk = 5  # chunks 5, 5, 5, 5, 3: buffers shrink and grow again
    for got in (small(coords[:3]), small(coords)):
        n = len(got["loss"])
        for f in ("loss", "accuracy"):
            np.testing.assert_allclose(got[f].numpy(), expected[f][:n].numpy(), rtol=1e-6)
    results: list[dict[str, torch.Tensor]] = []
    workers = [threading.Thread(target=lambda: results.append(small(coords))) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    for got in results:  # one evaluator shared by threads: calls are serialised, not mixed
        np.testing.assert_allclose(got["loss"].numpy(), expected["loss"].numpy(), rtol=1e-6)


def test_other_models_take_the_generic_head():
    for sid in ("li-yuan", "residual-predictor", "linear-residual"):
        p = build_problem(sid, {"samples": 50})
        assert PlaneEvaluator(p, random_plane(p.model.layout, p.init, seed=0)).head is None


def test_accuracy_fields_for_the_classifier():
    p = digits()
    plane = random_plane(p.model.layout, p.init, seed=0)
    sliced = drain(evaluate_slice(p, plane, resolution=5, include_test=True))
    assert set(sliced.values) == {"loss", "accuracy", "test_loss", "test_accuracy"}
    acc = sliced.values["accuracy"]
    assert ((acc >= 0) & (acc <= 1)).all()
    a, b = sliced.axes
    theta = plane.origin + float(a[1]) * plane.d1 + float(b[3]) * plane.d2
    assert acc[3, 1] == pytest.approx(float(p.accuracy(theta)), abs=1e-6)


def test_progressive_slice_refines_coarse_to_fine_and_ends_at_the_direct_values():
    p = digits()
    plane = random_plane(p.model.layout, p.init, seed=2)
    gen = evaluate_slice(p, plane, resolution=21, coarse=5)
    blocks = []
    while True:
        try:
            blocks.append(next(gen))
        except StopIteration as stop:
            sliced = stop.value
            break
    first = blocks[0]
    assert first.level == 0 and first.levels == 3
    coarse = np.zeros((21, 21), bool)
    coarse[np.ix_(range(0, 21, 4), range(0, 21, 4))] = True
    np.testing.assert_array_equal(first.evaluated, coarse)
    assert first.done == 36 and first.total == 441
    assert np.isfinite(first.values["loss"]).all()  # a full image from the first yield on
    # the coarse image is block-filled from the coarse values
    assert first.values["loss"][1, 1] == first.values["loss"][0, 0]
    levels = [blk.level for blk in blocks]
    assert levels == sorted(levels) and levels[-1] == 2
    done = [blk.done for blk in blocks]
    assert done == sorted(done) and done[-1] == 441 and blocks[-1].evaluated.all()
    for blk in blocks:  # exact values never change once computed
        np.testing.assert_array_equal(
            blk.values["loss"][blk.evaluated], sliced.values["loss"][blk.evaluated]
        )
    np.testing.assert_allclose(sliced.values["loss"], direct(p, plane, sliced), rtol=2e-5)


def test_closing_the_generator_cancels_cleanly():
    p = digits()
    plane = random_plane(p.model.layout, p.init, seed=0)
    gen = evaluate_slice(p, plane, resolution=101)
    block = next(gen)
    assert block.done < block.total
    gen.close()
    with pytest.raises(StopIteration):
        next(gen)


def test_overflowing_regions_come_out_non_finite_not_as_errors():
    p = build_problem("li-yuan", {"dim": 4, "samples": 64})
    plane = random_plane(p.model.layout, p.init, seed=0)
    sliced = drain(evaluate_slice(p, plane, (-1e25, 1e25, -1e25, 1e25), 5))
    loss = sliced.values["loss"]
    assert not np.isfinite(loss).all() and np.isfinite(loss[2, 2])
    q = digits()
    plane = random_plane(q.model.layout, q.init, seed=0)
    sliced = drain(evaluate_slice(q, plane, (-1e30, 1e30, -1e30, 1e30), 5))
    assert not np.isfinite(sliced.values["loss"]).all()


def test_reference_points_are_marked_with_their_distance_from_the_plane():
    p = build_problem("li-yuan", {"dim": 4, "samples": 128})
    run = run_from_init(p, RunConfig("adam", lr=0.01, steps=30))
    final = torch.as_tensor(run.final.theta[0], dtype=p.dtype)
    plane = three_point_plane({"init": p.init, "final": final, "teacher": p.reference("teacher")})
    sliced = drain(evaluate_slice(p, plane, resolution=5))
    a, b, dist = sliced.references["teacher"]
    assert (a, b) == pytest.approx(plane.marks["teacher"], abs=1e-6) and dist < 1e-6
    assert sliced.references["init"][:2] == pytest.approx((0.0, 0.0), abs=1e-9)
    assert sliced.plane is plane and sliced.axes[0].shape == (5,)


def test_interpolation_hits_both_ends():
    p = digits()
    end = p.init + 0.1 * torch.randn(p.dim, generator=torch.Generator().manual_seed(5))
    line = interpolate(p, p.init, end, np.array([0.0, 0.5, 1.0]), include_test=True)
    assert line.values["loss"][0] == pytest.approx(float(p.loss(p.init)), rel=1e-5)
    assert line.values["loss"][2] == pytest.approx(float(p.loss(end)), rel=1e-5)
    assert line.values["test_loss"][2] == pytest.approx(float(p.loss(end, "test")), rel=1e-5)
    with pytest.raises(LandscapeError, match="different points"):
        interpolate(p, p.init, p.init)


def test_bad_windows_and_resolutions_are_refused():
    p = digits()
    plane = random_plane(p.model.layout, p.init, seed=0)
    with pytest.raises(LandscapeError, match="resolution"):
        next(evaluate_slice(p, plane, resolution=1))
    with pytest.raises(LandscapeError, match="xmin < xmax"):
        next(evaluate_slice(p, plane, (1, -1, 0, 1)))
    with pytest.raises(LandscapeError, match="AMIN,AMAX,BMIN,BMAX"):
        next(evaluate_slice(p, plane, (0, 1)))


def test_first_coarse_digits_image_arrives_well_within_a_second():
    p = build_problem("digits-resnet")
    plane = random_plane(p.model.layout, p.init, seed=0)
    drain(evaluate_slice(p, plane, resolution=5))  # warm-up
    t0 = time.perf_counter()
    gen = evaluate_slice(p, plane, resolution=41)
    block = next(gen)
    elapsed = time.perf_counter() - t0
    gen.close()
    assert block.level == 0 and block.done == 121
    assert elapsed < 1.0


@pytest.mark.parametrize("init", ["alpha", "beta"])
def test_slices_of_alpha_and_beta_scaled_residual_nets_match_direct_evaluation(init):
    """β scales each branch (the fast path folds it into the branch's matrix); α scales h but
    not the constant row (the generic path): both agree with the model evaluated point by
    point."""
    problem = build_problem("digits-resnet", {"init": init, "blocks": 3, "width": 8})
    problem = problem.to(dtype=torch.float64)
    plane = random_plane(problem.model.layout, problem.init, seed=1)
    coords = torch.tensor([[0.3, -0.2], [-0.5, 0.4]], dtype=torch.float64)
    values = PlaneEvaluator(problem, plane)(coords)["loss"]
    direct = torch.stack([problem.loss(plane.point(c)) for c in coords])
    torch.testing.assert_close(values, direct, rtol=1e-10, atol=1e-12)
