"""The spectrum at a point of a landscape: closed forms (seed 001), slices lifted to θ, the L2
mode, blocks, sample subsets and the progress contract, against independent dense Hessians."""

import numpy as np
import pytest
import torch
from torch.func import grad, jacrev

from compute.errors import LandscapeError
from compute.generators import drain
from compute.landscapes.landscape import build_landscape
from compute.landscapes.point_spectrum import curvature_at, spectrum_at, spectrum_of, theta_at
from compute.landscapes.spectrum_types import (
    RitzTrail,
    SpectrumRequest,
    SpectrumStep,
    spectrum_options,
)
from compute.objectives.modes import Modes
from compute.scenarios import build_problem, scenario


def toy(sid, params=None, modes=None):
    problem = drain(scenario(sid).problem_stream(params or {}))
    return build_landscape(problem, modes or Modes())


def dense_hessian(loss, theta):
    """∇²F (n, n) in float64, assembled as the Jacobian of the gradient (no HVPs, no Lanczos)."""
    return jacrev(grad(loss))(theta.double()).numpy()


@pytest.mark.parametrize("eps, lam", [(0.5, 0.0), (2.0, 0.1)])
def test_shamir_saddle_with_the_l2_mode(eps, lam):
    """Seed 001, Example 1: ∇²F(0, −1/ε) = [[0, −ε], [−ε, 0]], so F + (λ/2)‖θ‖² has ±ε + λ;
    the gradient there is λθ (∇F = 0 at the saddle)."""
    landscape = toy("shamir", {"eps": eps}, Modes(l2=lam))
    result = drain(spectrum_at(landscape, (0.0, -1 / eps), SpectrumRequest(trace=True)))
    assert result.report.eigen.top == pytest.approx([eps + lam], rel=1e-12)
    assert result.report.eigen.bottom == pytest.approx([-eps + lam], rel=1e-12)
    assert result.report.trace.estimate == pytest.approx(2 * lam, abs=1e-12)  # exact (n = 2)
    assert result.grad_norm == pytest.approx(lam / eps, abs=1e-12)
    assert result.loss == pytest.approx(0.5 + 0.5 * lam / eps**2)
    assert "w = 0" in result.where and result.size == 2 and result.report.converged


@pytest.fixture(scope="module")
def li_yuan_slice():
    problem = build_problem("li-yuan", {"samples": 256})
    return build_landscape(problem, Modes(l2=0.05))


def test_a_slice_point_is_lifted_to_theta_and_shifted_by_l2(li_yuan_slice):
    """(a, b) on the slice means θ₀ + a·d₁ + b·d₂ in full space; the full-space Hessian there
    plus λI, against eigvalsh of the assembled Hessian; the dense pass gives every eigenvalue."""
    landscape, (a, b) = li_yuan_slice, (0.4, -0.3)
    plane = landscape.plane
    theta = plane.origin.double() + a * plane.d1.double() + b * plane.d2.double()
    np.testing.assert_allclose(theta_at(landscape, (a, b)), theta.numpy(), rtol=1e-6)
    loss = landscape.problem.to(dtype=torch.float64).loss
    ref = np.linalg.eigvalsh(dense_hessian(loss, theta)) + 0.05
    request = SpectrumRequest(top=3, bottom=2, tol=1e-9, histogram=True, density=True)
    result = drain(spectrum_at(landscape, (a, b), request))
    np.testing.assert_allclose(result.report.eigen.top, ref[::-1][:3], rtol=1e-6)
    np.testing.assert_allclose(result.report.eigen.bottom, ref[:2], rtol=1e-6)
    np.testing.assert_allclose(result.all_eigenvalues, ref, rtol=1e-6, atol=1e-9)
    assert "on the slice" in result.where and result.coords.tolist() == [a, b]
    assert "+ 0.05I" in result.matrix and "256 of 256 samples" in result.label()
    edges, density = result.histogram(20)
    assert np.sum(density * np.diff(edges)) == pytest.approx(1.0)
    grid, phi = result.report.density.grid, result.report.density.values
    assert np.trapezoid(phi, grid) == pytest.approx(1.0, abs=1e-3)


def test_sample_subset_and_block_are_the_hessian_of_that_loss(li_yuan_slice):
    """The first N samples: the Hessian of the mean loss over exactly those samples (written
    out here from the model); a block: the principal submatrix of the full Hessian."""
    problem = build_problem("residual-predictor", {"samples": 256}).to(dtype=torch.float64)
    gen = torch.Generator().manual_seed(1)
    theta = problem.init + 0.1 * torch.randn(problem.dim, dtype=torch.float64, generator=gen)
    model, x, y = problem.model, problem.data.x_train[:40], problem.data.y_train[:40]

    def subset_loss(t):
        return model.sample_loss(model.forward(model.layout.unflatten(t), x), y).mean()

    full = dense_hessian(subset_loss, theta)
    request = SpectrumRequest(samples=40, top=2, bottom=2, tol=1e-10, atol=0.0)
    result = drain(spectrum_of(problem, Modes(), theta, request))
    ref = np.linalg.eigvalsh(full)
    np.testing.assert_allclose(result.report.eigen.top, ref[::-1][:2], rtol=1e-6)
    np.testing.assert_allclose(result.report.eigen.bottom, ref[:2], rtol=1e-6, atol=1e-10)
    assert result.samples == 40 and result.total_samples == 256
    wv = np.r_[model.layout.block("w").offset : model.layout.block("V").stop]
    sub = np.linalg.eigvalsh(full[np.ix_(wv, wv)])
    request = SpectrumRequest(samples=40, blocks=("w", "V"), top=1, bottom=1, tol=1e-10)
    block = drain(spectrum_of(problem, Modes(), theta, request))
    assert block.size == len(wv) == 8 + 8 * 16
    np.testing.assert_allclose(block.report.eigen.eigenvalues, [sub[-1], sub[0]], rtol=1e-6)


def test_options_and_refusals():
    landscape = toy("shamir")
    assert spectrum_options(landscape).blocks == () and spectrum_options(landscape).samples == 0
    with pytest.raises(LandscapeError, match="toy"):
        curvature_at(landscape, (0.0, 1.0), matrix="ggn")
    with pytest.raises(LandscapeError, match="toy"):
        curvature_at(landscape, (0.0, 1.0), blocks=("w",))
    with pytest.raises(LandscapeError, match="map coordinates"):
        theta_at(landscape, (1.0, 2.0, 3.0))
    with pytest.raises(LandscapeError, match="at least one"):
        drain(spectrum_at(landscape, (0.0, 1.0), SpectrumRequest(top=0, bottom=0)))
    rp = build_landscape(build_problem("residual-predictor", {"samples": 64}), Modes())
    options = spectrum_options(rp)
    assert options.blocks == ("w", "V", "U", "c") and options.sopsp_blocks == ("w", "V")
    assert options.samples == 64 and options.matrices == ("hessian", "ggn")
    with pytest.raises(LandscapeError, match="samples"):
        curvature_at(rp, (0.0, 0.0), samples=65)


def test_two_dimensional_toys_share_top_and_bottom():
    """Five of each asked on n = 2: one top, one bottom (not two tops and no bottom)."""
    result = drain(spectrum_at(toy("factorization", {"y": 1.0}), (0.0, 0.0), SpectrumRequest()))
    assert result.report.eigen.top == pytest.approx([2.0]) and len(result.report.eigen.bottom) == 1


def test_progress_streams_ritz_values_and_closing_stops_the_work(li_yuan_slice):
    gen = spectrum_at(li_yuan_slice, (0.1, 0.2), SpectrumRequest(top=2, bottom=2, tol=1e-8))
    steps = []
    while True:
        try:
            steps.append(next(gen))
        except StopIteration as stop:
            result = stop.value
            break
    assert all(isinstance(s, SpectrumStep) for s in steps)
    fractions = [s.fraction for s in steps]
    assert fractions == sorted(fractions) and fractions[0] >= 0 and fractions[-1] < 1
    trail = RitzTrail().extend(steps[:5]).extend(steps[5:])
    assert trail.top.shape == (len(trail.counts), 2) and np.all(np.diff(trail.counts) >= 0)
    np.testing.assert_allclose(trail.top[-1], result.report.eigen.top, rtol=1e-8)
    assert np.isnan(trail.bottom[0, 1])  # one Ritz value only after the first product
    gen = spectrum_at(li_yuan_slice, (0.1, 0.2), SpectrumRequest(tol=1e-12))
    next(gen), next(gen), next(gen)
    gen.close()  # GeneratorExit at a yield: no result, nothing left running


def test_sopsp_of_the_regularised_loss():
    """Definition 1 for F + (λ/2)‖θ‖²: the (w, V) gradient gains λθ_S (computed here from the
    explicit loss) and the block's λ_min shifts by exactly λ."""
    problem = build_problem("residual-predictor", {"samples": 64})
    theta = problem.init.double()
    lam = 0.2
    request = SpectrumRequest(top=1, bottom=0, sopsp_eps=0.1, mu2=1.0)
    plain = drain(spectrum_of(problem, Modes(), theta, request)).sopsp
    reg = drain(spectrum_of(problem, Modes(l2=lam), theta, request)).sopsp
    assert reg.lambda_min == pytest.approx(plain.lambda_min + lam, rel=1e-9)
    p64 = problem.to(dtype=torch.float64)
    t = theta.clone().requires_grad_(True)
    (p64.loss(t) + 0.5 * lam * (t**2).sum()).backward()
    layout = problem.model.layout
    wv = slice(layout.block("w").offset, layout.block("V").stop)
    assert reg.grad_norm == pytest.approx(float(t.grad[wv].norm()), rel=1e-9)
    assert reg.threshold == pytest.approx(-np.sqrt(0.1)) and reg.is_sopsp == (
        reg.grad_norm <= 0.1 and reg.lambda_min >= reg.threshold
    )
