"""Symmetry-aware distances to the teacher: aligned units, function space."""

import itertools

import numpy as np
import pytest
import scipy.optimize
import torch

from compute import RunConfig, run_from_init
from compute.networks.groups import align_columns, align_units_and_scales
from compute.networks.symmetry import (
    align,
    aligned_distance,
    function_distance,
    teacher_distances,
)
from compute.scenarios import build_problem


@pytest.fixture(scope="module")
def block():
    return build_problem("resnet-block").to(dtype=torch.float64)


def _act(problem, theta):
    out = problem.model.forward(problem.model.layout.unflatten(theta), problem.data.x_test)
    return out.numpy()


def _transform(w1, w2, perm, scales):
    """The group element (π, s) applied: W₁[:, j] → s_j W₁[:, π(j)], W₂[j] → W₂[π(j)] / s_j."""
    return w1[:, perm] * scales, w2[perm] / scales[:, None]


def _flat(problem, w1, w2):
    return problem.model.layout.flatten({"W1": torch.as_tensor(w1), "W2": torch.as_tensor(w2)})


def test_a_permuted_and_rescaled_teacher_is_at_aligned_distance_zero(block):
    teacher = block.reference("teacher")
    p = block.model.layout.unflatten(teacher)
    w1, w2 = p["W1"].numpy(), p["W2"].numpy()
    rng = np.random.default_rng(0)
    perm, scales = rng.permutation(w1.shape[1]), np.exp(rng.normal(size=w1.shape[1]))
    student = _flat(block, *_transform(w1, w2, perm, scales))
    # the same function on the test inputs (ReLU(s z) = s ReLU(z) for s > 0) ...
    np.testing.assert_allclose(_act(block, student), _act(block, teacher), rtol=1e-12, atol=1e-12)
    assert float(function_distance(block, student)) < 1e-12
    # ... far away in θ, at distance 0 once aligned, with the inverse element recovered
    assert float(torch.linalg.vector_norm(student - teacher)) > 3
    found = align(block, student, teacher)
    assert found.distance < 1e-9
    np.testing.assert_array_equal(perm[found.permutation], np.arange(len(perm)))
    np.testing.assert_allclose(found.scales * scales[found.permutation], 1, rtol=1e-9)


def test_a_positive_scaling_is_a_symmetry_and_a_negative_one_is_not(block):
    theta = block.init + 0.5 * block.reference("teacher")
    p = block.model.layout.unflatten(theta)
    w1, w2 = p["W1"].numpy(), p["W2"].numpy()
    scales = np.ones(w1.shape[1])
    scales[0] = 3.0
    same = _flat(block, *_transform(w1, w2, np.arange(len(scales)), scales))
    np.testing.assert_allclose(_act(block, same), _act(block, theta), rtol=1e-12)
    scales[0] = -3.0
    other = _flat(block, *_transform(w1, w2, np.arange(len(scales)), scales))
    assert np.abs(_act(block, other) - _act(block, theta)).max() > 1e-3


def _pair_cost_brute(a, b, a_ref, b_ref):
    """min over s > 0 of ‖s a − a*‖² + ‖b / s − b*‖², by bounded search over log s."""

    def cost(log_s):
        s = np.exp(log_s)
        return np.sum((s * a - a_ref) ** 2) + np.sum((b / s - b_ref) ** 2)

    res = scipy.optimize.minimize_scalar(cost, bounds=(-25, 25), method="bounded")
    grid = np.linspace(-25, 25, 2001)  # guard against a local minimum of the bounded search
    best = min(grid, key=cost)
    res2 = scipy.optimize.minimize_scalar(cost, bounds=(best - 0.05, best + 0.05), method="bounded")
    return min(res.fun, res2.fun, cost(25.0), cost(-25.0))


def test_closed_form_alignment_matches_brute_force_over_the_group():
    """h = 4: all 24 permutations, each pair's scale by a bounded 1-D search (independent of
    the quartic's roots). Includes a unit with a zero incoming and one with a zero outgoing
    vector, where the optimal scale is only approached (s → ∞ or s → 0)."""
    rng = np.random.default_rng(1)
    for trial in range(6):
        d, h = 3, 4
        w1, w2 = rng.normal(size=(d, h)), rng.normal(size=(h, d))
        w1r, w2r = rng.normal(size=(d, h)), rng.normal(size=(h, d))
        if trial % 2:  # the optimum is a limit (s → ∞ for unit 1, s → 0 for unit 2)
            w1[:, 1] = 0.0
            w2[2] = 0.0
        pair = np.array(
            [
                [_pair_cost_brute(w1[:, k], w2[k], w1r[:, j], w2r[j]) for k in range(h)]
                for j in range(h)
            ]
        )
        brute = min(
            sum(pair[j, k] for j, k in enumerate(p)) for p in itertools.permutations(range(h))
        )
        found = align_units_and_scales(w1, w2, w1r, w2r)
        assert found.distance**2 == pytest.approx(brute, rel=1e-7, abs=1e-9)
        if trial % 2 == 0:  # the returned element attains it
            t1, t2 = _transform(w1, w2, found.permutation, found.scales)
            direct = np.sum((t1 - w1r) ** 2) + np.sum((t2 - w2r) ** 2)
            assert direct == pytest.approx(found.distance**2, rel=1e-9)


def test_aligned_distance_equals_the_raw_one_where_the_identity_is_optimal():
    """Student = teacher + perturbations δa_j ⊥ a*_j, δb_j ⊥ b*_j with ‖δa_j‖ = ‖δb_j‖: then
    ψ'(1) = 0 for every unit (A − α = ‖δa‖² = ‖δb‖² = B − β), s = 1 and π = id are optimal
    (brute force over the group confirms) and the aligned distance is the raw one."""
    rng = np.random.default_rng(2)
    d, h = 5, 3
    w1r, w2r = rng.normal(size=(d, h)), rng.normal(size=(h, d))
    w1, w2 = w1r.copy(), w2r.copy()
    for j in range(h):
        da = rng.normal(size=d)
        da -= da @ w1r[:, j] / (w1r[:, j] @ w1r[:, j]) * w1r[:, j]
        db = rng.normal(size=d)
        db -= db @ w2r[j] / (w2r[j] @ w2r[j]) * w2r[j]
        size = 0.05 * (j + 1)
        w1[:, j] += size * da / np.linalg.norm(da)
        w2[j] += size * db / np.linalg.norm(db)
    raw = np.sqrt(np.sum((w1 - w1r) ** 2) + np.sum((w2 - w2r) ** 2))
    found = align_units_and_scales(w1, w2, w1r, w2r)
    assert found.distance == pytest.approx(raw, rel=1e-9)
    np.testing.assert_array_equal(found.permutation, np.arange(h))
    np.testing.assert_allclose(found.scales, 1, atol=1e-7)


def test_aligned_distance_is_strictly_below_the_raw_one_for_a_shuffled_noisy_teacher(block):
    teacher = block.reference("teacher")
    p = block.model.layout.unflatten(teacher)
    perm = np.roll(np.arange(p["W1"].shape[1]), 1)
    w1, w2 = _transform(p["W1"].numpy(), p["W2"].numpy(), perm, np.full(len(perm), 1.5))
    noise = np.random.default_rng(3).normal(scale=0.05, size=w1.size + w2.size)
    student = _flat(block, w1, w2) + torch.from_numpy(noise)
    raw = float(torch.linalg.vector_norm(student - teacher))
    aligned = float(aligned_distance(block, student))
    # the inverse of the shuffle and scaling is one element of the group: an upper bound
    q = block.model.layout.unflatten(student)
    back = _transform(
        q["W1"].numpy(), q["W2"].numpy(), np.argsort(perm), np.full(len(perm), 1 / 1.5)
    )
    bound = float(torch.linalg.vector_norm(_flat(block, *back) - teacher))
    assert aligned <= bound + 1e-12 and aligned < 0.2 * raw


def test_li_yuan_columns_permute_but_do_not_rescale():
    """f(x) = ‖ReLU((I + W)ᵀx)‖₁: W' = (I + W)P − I computes the same function, at aligned
    distance 0; a column scaled by 2 does not (no output weight absorbs it)."""
    problem = build_problem("li-yuan").to(dtype=torch.float64)
    teacher = problem.reference("teacher")
    m = np.eye(8) + problem.model.layout.unflatten(teacher)["W"].numpy()
    perm = np.random.default_rng(4).permutation(8)
    student = torch.from_numpy((m[:, perm] - np.eye(8)).reshape(-1))
    np.testing.assert_allclose(_act(problem, student), _act(problem, teacher), rtol=1e-12)
    assert float(torch.linalg.vector_norm(student - teacher)) > 3
    assert float(aligned_distance(problem, student)) < 1e-12
    scaled = m.copy()
    scaled[:, 0] *= 2
    other = torch.from_numpy((scaled - np.eye(8)).reshape(-1))
    assert np.abs(_act(problem, other) - _act(problem, teacher)).max() > 1e-2
    found = align_columns(scaled, m)
    assert found.distance == pytest.approx(np.linalg.norm(m[:, 0]), rel=1e-12)


def test_function_distance_is_batched_and_matches_its_definition(block):
    teacher = block.reference("teacher")
    thetas = teacher + 0.1 * torch.randn(
        2, 3, block.dim, generator=torch.Generator().manual_seed(5), dtype=torch.float64
    )
    got = function_distance(block, thetas)
    assert got.shape == (2, 3)
    for i, j in itertools.product(range(2), range(3)):
        diff = _act(block, thetas[i, j]) - _act(block, teacher)
        assert float(got[i, j]) == pytest.approx(np.sqrt(np.mean(diff**2)), rel=1e-12)
    assert aligned_distance(block, thetas).shape == (2, 3)
    assert teacher_distances(build_problem("li-yuan-on-resnet"), teacher[:64].float()) == {}


@pytest.mark.slow
def test_a_trained_resnet_block_reaches_the_teacher_up_to_its_symmetries():
    """Seed 000's 'stall' is the raw distance growing while the student learns the teacher
    exactly (seed 2 converges in ~1,700 Adam steps): aligned and function distances go to 0."""
    problem = build_problem("resnet-block", {"seed": 2})
    result = run_from_init(problem, RunConfig("adam", lr=0.01, steps=2500))
    theta = torch.as_tensor(result.final.theta[0], dtype=problem.dtype)
    before, after = teacher_distances(problem, problem.init), teacher_distances(problem, theta)
    assert after["distance"] > before["distance"] > 3  # the raw metric says "moved away"
    assert after["aligned_distance"] < 1e-3 * after["distance"]
    assert after["function_distance"] < 1e-3 * before["function_distance"]
