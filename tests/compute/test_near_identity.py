"""Near-identity depth sweeps (seeds 002, 003) and the ReLU residual flow they fit."""

import dataclasses

import numpy as np
import pytest
import torch
from scipy.integrate import solve_ivp

from compute.errors import LandscapeError
from compute.generators import drain
from compute.initlab.near_identity import DepthFit, DepthSweepResult, depth_sweep
from compute.initlab.near_identity_config import PRESETS, DepthSweepConfig
from compute.initlab.residual_flow import branch_jacobian_norms, flow_field, flow_map, relu_residual
from compute.scenarios import build_problem


def field_pair(dim=3, strength=1.0, seed=4):
    return flow_field(torch.Generator().manual_seed(seed), dim, strength)


def test_flow_map_matches_scipy_and_inverts():
    m, a = field_pair()
    x = torch.randn(5, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    y = flow_map(x, m, a)
    mm, aa = m.numpy(), a.numpy()
    for xi, yi in zip(x.numpy(), y.numpy(), strict=True):
        sol = solve_ivp(lambda _t, v: mm @ v + np.tanh(aa @ v), (0, 1), xi, rtol=1e-11, atol=1e-12)
        np.testing.assert_allclose(yi, sol.y[:, -1], rtol=1e-6, atol=1e-8)
    # −F(x) = (−M)x + tanh((−A)x): the flow of −F undoes h (h is invertible)
    np.testing.assert_allclose(flow_map(y, -m, -a).numpy(), x.numpy(), atol=1e-6)


def test_branch_jacobian_norms_match_finite_differences():
    dim, hidden, depth = 3, 7, 4
    model = relu_residual(dim, hidden, depth)
    gen = torch.Generator().manual_seed(2)
    theta = 0.5 * torch.randn(model.layout.size, generator=gen, dtype=torch.float64)
    x = torch.randn(6, dim, generator=gen, dtype=torch.float64)
    sizes = branch_jacobian_norms(model, theta, x).numpy()
    p = model.layout.unflatten(theta)
    h, eps, expected = x, 1e-6, []
    for i in range(1, depth + 1):

        def branch(v, i=i):
            return torch.relu(v @ p[f"U{i}"].T + p[f"b{i}"]) @ p[f"V{i}"].T

        norms = []
        for v in h:
            cols = [(branch(v + eps * e) - branch(v - eps * e)) / (2 * eps) for e in torch.eye(dim)]
            norms.append(np.linalg.norm(torch.stack(cols, dim=1).numpy(), 2))
        expected.append(max(norms))
        h = h + branch(h)
    np.testing.assert_allclose(sizes, expected, rtol=1e-6)


def test_linear_gd_finds_the_balanced_root_with_norms_one_over_m():
    """Plain GD from ‖A_i‖_F = 0.001: A_i ≈ exp(M/m) − I (the scenario's teacher), so
    m · max‖A_i‖ stays ≈ ‖M‖₂ (seed 003's 1/l law)."""
    config = dataclasses.replace(PRESETS["linear-gd"], depths=(2, 4, 8, 16))
    result = drain(depth_sweep(config))

    for fit in result.fits:
        assert fit.status == "converged"
        assert fit.loss == pytest.approx(result.baseline, rel=1e-3)
        teacher = build_problem("linear-residual", {"depth": fit.depth}).reference("teacher")
        root = torch.linalg.matrix_norm(teacher[:16].reshape(4, 4), ord=2)
        assert fit.max_size == pytest.approx(float(root), rel=0.1)
    assert np.ptp(result.scaled) < 0.1 * result.scaled.mean()
    assert "GD, lr 0.4/m" in result.label and "0.001 at start" in result.label


def test_adam_from_the_scenario_defaults_breaks_the_law():
    config = dataclasses.replace(PRESETS["linear-adam"], depths=(2, 8, 32))
    result = drain(depth_sweep(config))
    assert result.scaled[-1] > 2 * result.scaled[0]  # the issue measured 1 → 2.7


def test_relu_flow_layers_shrink_with_depth():
    config = dataclasses.replace(PRESETS["relu-gd"], depths=(2, 8), steps=200, samples=64)
    result = drain(depth_sweep(config))
    small, deep = result.fits
    assert deep.loss < 0.1 and small.loss < 0.1  # both fit the flow (its ‖h − Id‖ ≈ 2)
    assert small.max_size > 2.5 * deep.max_size
    assert deep.layer_sizes.shape == (8,) and deep.lr == pytest.approx(0.02 / 8)


def test_streams_one_depth_at_a_time_and_cancels():
    config = dataclasses.replace(PRESETS["linear-gd"], depths=(2, 4, 8))
    gen = depth_sweep(config)
    seen = []
    for progress in gen:
        seen.append(progress)
        if len(progress.partial.fits) == 2:
            break
    gen.close()
    assert [f.depth for f in seen[-1].partial.fits] == [2, 4]
    done = [len(p.partial.fits) for p in seen]
    assert done == sorted(done)
    with pytest.raises(StopIteration):
        next(gen)


def test_reference_curves_fit_exact_laws():
    def fit(m, size):
        return DepthFit(m, 0.1, np.array([size]), size, 0.0, 0.0, "converged", 1, 0.0)

    depths = (2, 4, 8, 16)
    exact = DepthSweepResult(PRESETS["linear-gd"], tuple(fit(m, 3.0 / m) for m in depths))
    np.testing.assert_allclose(exact.references()["1/m"], 3.0 / np.array(depths))
    log = DepthSweepResult(PRESETS["linear-gd"], tuple(fit(m, 2 * np.log(m) / m) for m in depths))
    np.testing.assert_allclose(log.references()["log(m)/m"], log.max_sizes)


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        ({"depths": (1, 4)}, "depths must be between 2 and 64"),
        ({"depths": (2, 128)}, "depths must be between 2 and 64"),
        ({"steps": 50_000}, "steps must be between 1 and 20000"),
        ({"optimizer": "sgd"}, "optimizer must be gd or adam"),
        ({"samples": 4096, "steps": 10_000}, "samples × width"),
        ({"samples": 8, "steps": 20_000}, "Σ depths × steps = 2,520,000"),
    ],
)
def test_limits_are_named(kw, words):
    with pytest.raises(LandscapeError, match=words):
        DepthSweepConfig(**kw)


def near_identity_cli(capsys, *argv):
    import argparse
    import json

    from compute.cli import near_identity

    parser = argparse.ArgumentParser()
    near_identity.add_parser(parser.add_subparsers(dest="command"))
    assert near_identity.run(parser.parse_args(["near-identity", *argv])) == 0
    out = capsys.readouterr().out
    return json.loads(out) if "--json" in argv else out


def test_cli_near_identity(capsys):
    out = near_identity_cli(capsys, "--depths", "2,4", "--json")
    assert out["depths"] == [2, 4] and len(out["references"]["1/m"]) == 2
    assert out["config"]["optimizer"] == "gd" and "GD" in out["label"]
    assert 0.6 < min(out["depth_times_max"]) <= max(out["depth_times_max"]) < 0.9
    text = near_identity_cli(capsys, "--depths", "2", "--optimizer", "adam")
    assert "Adam, lr 0.01" in text and "converged" in text


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (("--preset", "relu-gd", "--kind", "linear"), "has kind relu"),
        (("--depths", "2.5"), "whole numbers"),
        (("--preset", "deep"), "unknown preset"),
    ],
)
def test_cli_near_identity_errors(capsys, argv, words):
    with pytest.raises(LandscapeError, match=words):
        near_identity_cli(capsys, *argv)
