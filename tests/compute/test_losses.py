"""Per-sample losses: values against closed forms, float32 precision near zero loss, derivatives
against central finite differences (float64)."""

import math

import numpy as np
import pytest
import torch

from compute import RunConfig, run_from_init
from compute.networks.models import (
    correct,
    cross_entropy,
    cross_entropy_and_correct,
    half_squared,
    squared_norm,
)
from compute.scenarios import build_problem


def exact_cross_entropy(logits: np.ndarray, y: np.ndarray) -> np.ndarray:
    """log Σ_c exp(z_c − z_y) per sample in float64, as log1p of the other classes' sum when
    the true class has the largest logit (the closed form, free of cancellation)."""
    out = np.empty(logits.shape[-1])
    for n in range(logits.shape[-1]):
        d = logits[:, n].astype(np.float64) - float(logits[y[n], n])
        others = np.delete(d, y[n])
        top = max(0.0, others.max())
        out[n] = top + math.log1p(math.expm1(-top) + math.fsum(np.exp(others - top)))
    return out


def logits_and_labels(dtype=torch.float64, scale=4.0, seed=0, classes=10, samples=40):
    gen = torch.Generator().manual_seed(seed)
    z = scale * torch.randn(classes, samples, generator=gen, dtype=torch.float64)
    y = torch.randint(0, classes, (samples,), generator=gen)
    return z.to(dtype), y


@pytest.mark.parametrize("scale", [0.5, 4.0, 200.0])
def test_cross_entropy_values_match_the_closed_form(scale):
    z, y = logits_and_labels(scale=scale)
    expected = exact_cross_entropy(z.numpy(), y.numpy())
    np.testing.assert_allclose(cross_entropy(z, y).numpy(), expected, rtol=1e-13, atol=1e-300)
    loss, hit = cross_entropy_and_correct(z.clone(), y)
    # the inference version floors exponents at −87 (no denormals): 10 terms of ≤ e⁻⁸⁷ ≈ 1.6e-38
    np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-13, atol=2e-36)
    np.testing.assert_array_equal(hit.numpy(), correct(z, y).numpy())
    assert np.isfinite(expected).all()


def test_near_zero_losses_keep_their_relative_precision_in_float32():
    """True class ahead by margins of about 11…22: per-sample losses 1e-9…1e-3, which
    ``logsumexp − z_y`` in float32 gets wrong by up to 100 % (it rounds 1 + ℓ first)."""
    gen = torch.Generator().manual_seed(3)
    z = torch.randn(10, 64, generator=gen, dtype=torch.float64)
    y = torch.randint(0, 10, (64,), generator=gen)
    z[y, torch.arange(64)] += torch.linspace(9, 20, 64, dtype=torch.float64) + 2
    z32 = z.float()
    expected = exact_cross_entropy(z32.double().numpy(), y.numpy())  # the float32 inputs, exactly
    assert expected.max() < 1e-3 and expected.min() < 1e-8
    np.testing.assert_allclose(cross_entropy(z32, y).double().numpy(), expected, rtol=2e-6)
    loss, hit = cross_entropy_and_correct(z32.clone(), y)
    np.testing.assert_allclose(loss.double().numpy(), expected, rtol=2e-6)
    assert hit.all()


def test_batched_leading_axes_and_ties():
    z, y = logits_and_labels(scale=3.0, samples=12)
    batch = torch.stack([z, 2 * z, -z])  # (3, C, N)
    expected = np.stack([exact_cross_entropy(b.numpy(), y.numpy()) for b in batch])
    np.testing.assert_allclose(cross_entropy(batch, y).numpy(), expected, rtol=1e-13)
    tie = torch.zeros(10, 3, dtype=torch.float64)  # all classes equal: ℓ = log 10, a tie: wrong
    tie[4, 1] = 1.0  # sample 1: class 4 ahead of the true class 0
    labels = torch.tensor([0, 0, 9])
    loss, hit = cross_entropy_and_correct(tie.clone(), labels)
    np.testing.assert_allclose(loss[[0, 2]].numpy(), math.log(10), rtol=1e-14)
    np.testing.assert_array_equal(hit.numpy(), [0.0, 0.0, 0.0])
    np.testing.assert_allclose(cross_entropy(tie, labels).numpy(), loss.numpy(), rtol=1e-14)


def test_overflowing_logits_give_non_finite_losses_not_errors():
    z = torch.tensor([[0.0, 1.0], [float("inf"), 2.0]])
    loss, _ = cross_entropy_and_correct(z.clone(), torch.tensor([0, 0]))
    assert not math.isfinite(float(loss[0])) and math.isfinite(float(loss[1]))
    assert not math.isfinite(float(cross_entropy(z, torch.tensor([0, 0]))[0]))


@pytest.mark.parametrize("scale", [0.5, 6.0])
def test_cross_entropy_gradient_and_hessian_match_finite_differences(scale):
    """torch.autograd.gradcheck / gradgradcheck compare with central differences (float64)."""
    z, y = logits_and_labels(scale=scale, samples=6)
    weights = torch.linspace(0.5, 1.5, 6, dtype=torch.float64)

    def fn(logits):
        return (cross_entropy(logits, y) * weights).sum()

    z = z.requires_grad_()
    assert torch.autograd.gradcheck(fn, (z,), eps=1e-6, atol=1e-8, rtol=1e-6)
    assert torch.autograd.gradgradcheck(fn, (z,), eps=1e-6, atol=1e-7, rtol=1e-5)


def test_cross_entropy_gradient_is_softmax_minus_one_hot():
    z, y = logits_and_labels(scale=2.0, samples=5)
    z = z.requires_grad_()
    cross_entropy(z, y).sum().backward()
    e = np.exp(z.detach().numpy() - z.detach().numpy().max(0))
    expected = e / e.sum(0)
    expected[y.numpy(), np.arange(5)] -= 1
    np.testing.assert_allclose(z.grad.numpy(), expected, rtol=1e-12, atol=1e-15)


def test_squared_losses_match_their_closed_forms_and_stay_exact_near_zero():
    out = torch.tensor([1.0, 2.0, 1.0 + 2**-20], dtype=torch.float32)
    y = torch.tensor([1.0, 0.5, 1.0], dtype=torch.float32)
    np.testing.assert_array_equal(half_squared(out, y).numpy(), [0.0, 1.125, 2.0**-41])
    vec = torch.tensor([[[1.0, 2.0], [3.0, 1.0 + 2**-20]]], dtype=torch.float32)  # (1, N=2, k=2)
    target = torch.tensor([[1.0, 0.0], [3.0, 1.0]], dtype=torch.float32)
    np.testing.assert_array_equal(squared_norm(vec, target).numpy(), [[4.0, 2.0**-40]])


def test_float32_digits_loss_at_a_trained_point_agrees_with_float64():
    """At a trained point (loss ~1e-4) the float32 loss is within 2e-5 relative of float64
    (``logsumexp − z_y`` was off by ~4e-4 here, ``log_softmax`` by ~2.6e-5)."""
    problem = build_problem("digits-resnet")
    run = run_from_init(problem, RunConfig("adam", lr=0.01, steps=300, tol=0))
    theta = torch.as_tensor(run.final.theta[0], dtype=torch.float32)
    wide = problem.to(dtype=torch.float64)
    with torch.no_grad():
        single = float(problem.loss(theta))
        double = float(wide.loss(theta.double()))
    assert double < 1e-2  # trained: the regime where the old formula lost its digits
    assert abs(single - double) <= 2e-5 * double


def _unique_top(z, y):
    """Independent reference: the true class's logit is strictly above every other one."""
    z = np.asarray(z)
    out = np.zeros(z.shape[:-2] + z.shape[-1:])
    for idx in np.ndindex(*out.shape):
        *lead, n = idx
        col = z[(*lead, slice(None), n)]
        out[idx] = float(all(col[y[n]] > col[c] for c in range(len(col)) if c != y[n]))
    return out


def test_all_zero_logits_have_accuracy_zero_and_ties_count_as_wrong():
    """A model that outputs zeros for every class is right on no sample (it was 1.0 when ties
    counted as correct); a tie between the true class and another is wrong, a unique top right."""
    y = torch.tensor([0, 3, 9, 5])
    zero = torch.zeros(2, 10, 4)
    assert float(correct(zero, y).mean()) == 0.0
    assert float(cross_entropy_and_correct(zero.clone(), y)[1].mean()) == 0.0
    z = torch.zeros(10, 4, dtype=torch.float64)
    z[0, 0] = 1.0  # sample 0: unique top at the true class → right
    z[3, 1] = z[7, 1] = 2.0  # sample 1: the true class 3 ties with 7 → wrong
    z[2, 2] = 0.5  # sample 2: another class on top → wrong
    z[5, 3], z[1, 3] = 1.0, 1.0 - 1e-12  # sample 3: true class ahead by a hair → right
    expected = _unique_top(z.numpy(), y.numpy())
    np.testing.assert_array_equal(expected, [1.0, 0.0, 0.0, 1.0])
    np.testing.assert_array_equal(correct(z, y).numpy(), expected)
    np.testing.assert_array_equal(cross_entropy_and_correct(z.clone(), y)[1].numpy(), expected)


def test_correct_matches_the_unique_top_reference_on_random_and_tied_logits():
    gen = torch.Generator().manual_seed(5)
    z = torch.randint(-2, 3, (3, 10, 50), generator=gen).double()  # small integers: many ties
    y = torch.randint(0, 10, (50,), generator=gen)
    expected = _unique_top(z.numpy(), y.numpy())
    assert 0 < expected.mean() < 1
    np.testing.assert_array_equal(correct(z, y).numpy(), expected)
    np.testing.assert_array_equal(cross_entropy_and_correct(z.clone(), y)[1].numpy(), expected)
