"""Forward/backward norms of random residual stacks against seed 004's closed forms."""

import math
import re

import numpy as np
import pytest
import torch

from compute.errors import LandscapeError
from compute.generators import drain
from compute.initlab.config import NormSweepConfig
from compute.initlab.stack import block_generator
from compute.initlab.sweep import PRESETS, norm_sweep
from compute.networks.init_schemes import ALPHA, scheme_scaling


def sweep(**kw):
    return drain(norm_sweep(NormSweepConfig(**kw)))


def within_se(profile, layer, expected, k=4.0):
    """The Monte-Carlo mean of r_l² is within k standard errors of the closed form."""
    assert profile.mean_square_valid[layer]
    mean, se = profile.mean_square[layer], profile.mean_square_sem[layer]
    assert se > 0
    assert abs(mean - expected) < k * se, (mean, expected, se)


def test_seed_004_xavier_blows_up_and_dl_scaling_does_not():
    result = sweep(schemes=("xavier", "scaled"), width=100, depth=100, trials=200)
    xavier = result.scheme("xavier").forward.final_ratio.median
    assert 1e14 / 30 < xavier < 1e14 * 30
    assert 1 < result.scheme("scaled").forward.final_ratio.median < 10


def test_matlab_preset_is_the_seed_loop():
    """L = 10 layers per pass × maxit = 10 passes, W = randn(d, d)/sqrt(d), x = ones, d = 100."""
    p = PRESETS["matlab"]
    c = p.config
    assert (c.depth, c.width, c.input, c.activation, c.matrices) == (100, 100, "ones", "linear", 1)
    assert "xavier" in c.schemes and scheme_scaling("xavier", 100, 100).stds == (0.1,)
    assert p.marks == tuple(range(10, 101, 10))


@pytest.mark.parametrize(
    ("c", "depth", "inp"), [(0.3, 5, "ones"), (1.0, 8, "random"), (0.05, 40, "ones")]
)
def test_linear_identity_mean_square(c, depth, inp):
    """E‖y‖² = (1 + c)^L ‖x‖² for entries N(0, c/d) (seed 004), at every layer l."""
    result = sweep(schemes=("xavier",), width=20, depth=depth, trials=3000, gain=c, input=inp)
    profile = result.schemes[0].forward
    for layer in (1, depth // 2, depth):
        within_se(profile, layer, (1 + c) ** layer)


def test_scaled_identity_and_alpha_keep_order_one():
    result = sweep(schemes=("scaled", "alpha"), width=50, depth=50, trials=1000)
    within_se(result.scheme("scaled").forward, 50, (1 + 1 / 50) ** 50)
    alpha = result.scheme("alpha").forward
    within_se(alpha, 50, 1.0)  # α² (1 + 1) = 1 per layer
    assert 0.3 < alpha.final_ratio.median < 3


def test_beta_in_the_normalised_setting_of_the_seed():
    """Branches that read a normalised input add β² each: E‖z_l‖²/‖x‖² = β²·l + 1 (x = ones),
    so β = 1/√L gives 2 at the end (the seed's "Var ≡ 2", its L − 1 = our L branches)."""
    depth = 30
    result = sweep(schemes=("xavier", "beta"), width=40, depth=depth, trials=1500, normalize=True)
    beta = result.scheme("beta").scaling.beta
    assert beta == pytest.approx(1 / math.sqrt(depth))
    for layer in (1, 10, depth):
        within_se(result.scheme("beta").forward, layer, beta**2 * layer + 1)
        within_se(result.scheme("xavier").forward, layer, layer + 1)


def test_backward_linear_identity():
    """E‖∂ℓ/∂z_l‖² = (1 + c)^(L − l) for ℓ = ⟨u, z_L⟩, ‖u‖ = 1."""
    depth = 12
    result = sweep(schemes=("xavier",), width=20, depth=depth, trials=3000, backward=True, gain=0.5)
    back = result.schemes[0].backward
    assert np.all(back.quantiles[:, depth] == 1.0)
    for layer in (0, 6, 11):
        within_se(back, layer, 1.5 ** (depth - layer))


def literal_loop(config, scheme, trials):
    """Seed 004's loop, one trial at a time in numpy, on the sweep's own draws of block 0:
    forward ratios and backward ratios by the chain rule g_{l−1} = J_lᵀ g_l (no autograd)."""
    s = scheme_scaling(scheme, config.width, config.depth, config.matrices, config.gain)
    d, relu = config.width, config.activation == "relu"
    gen_w, gen_x = block_generator(config.seed, 0, 0), block_generator(config.seed, 0, 1)
    x_all = torch.randn(trials, d, generator=gen_x, dtype=torch.float64).numpy()
    u_all = torch.randn(trials, d, generator=gen_x, dtype=torch.float64).numpy()
    draws = [
        [torch.randn(trials, d, d, generator=gen_w).double().numpy() for _ in s.stds]
        for _ in range(config.depth)
    ]
    fwd, bwd = np.ones((trials, config.depth + 1)), np.ones((trials, config.depth + 1))
    for t in range(trials):
        x = np.ones(d) if config.input == "ones" else x_all[t]
        z, jacobians = x.copy(), []
        for layer in range(config.depth):
            ws = [w[t] * std for w, std in zip(draws[layer], s.stds, strict=True)]
            pre = ws[0] @ z if len(ws) == 2 else z
            mask = (pre > 0).astype(float) if relu else np.ones(d)
            inner = ws[0] if len(ws) == 2 else np.eye(d)
            jacobians.append(s.alpha * (np.eye(d) + s.beta * ws[-1] @ (mask[:, None] * inner)))
            z = s.alpha * (z + s.beta * ws[-1] @ (pre * mask))
            fwd[t, layer + 1] = np.linalg.norm(z) / np.linalg.norm(x)
        g = u_all[t] / np.linalg.norm(u_all[t])
        for layer in range(config.depth - 1, -1, -1):
            g = jacobians[layer].T @ g
            bwd[t, layer] = np.linalg.norm(g)
    return fwd, bwd


@pytest.mark.parametrize(
    ("activation", "matrices", "inp"), [("relu", 2, "random"), ("relu", 1, "ones")]
)
def test_vectorised_sweep_equals_the_literal_loop(activation, matrices, inp):
    config = NormSweepConfig(
        width=6,
        depth=5,
        trials=3,
        activation=activation,
        matrices=matrices,
        input=inp,
        backward=True,
        seed=11,
    )
    assert config.block_trials >= 3  # one block
    result = drain(norm_sweep(config))
    for s in result.schemes:
        fwd, bwd = literal_loop(config, s.scheme, 3)
        np.testing.assert_allclose(np.sort(s.forward.final), np.sort(fwd[:, -1]), rtol=1e-12)
        np.testing.assert_allclose(s.forward.median, np.median(fwd, axis=0), rtol=1e-12)
        np.testing.assert_allclose(s.backward.median, np.median(bwd, axis=0), rtol=1e-10)


def test_fixup_is_the_identity_at_initialization():
    result = sweep(schemes=("fixup",), width=10, depth=20, trials=10, matrices=2, backward=True)
    s = result.schemes[0]
    assert s.scaling.stds == (pytest.approx(math.sqrt(0.1) / math.sqrt(20)), 0.0)
    assert np.all(s.forward.quantiles == 1.0)
    np.testing.assert_allclose(s.backward.quantiles, 1.0, rtol=1e-14)


def test_overflow_is_reported_never_nan():
    result = sweep(schemes=("xavier", "alpha"), width=16, depth=3000, trials=8, backward=True)
    for s in result.schemes:
        for profile in (s.forward, s.backward):
            for array in (profile.quantiles, profile.mean_square, profile.mean_square_sem):
                assert np.all(np.isfinite(array))
    fwd = result.scheme("xavier").forward
    layer = fwd.overflow_layer
    assert layer is not None and 1500 < layer < 3000  # √2 per layer: 10³⁰⁰ near l ≈ 2000
    assert not fwd.valid[2, layer:].any() and fwd.valid[2, :layer].all()
    assert fwd.first_overflow <= layer and fwd.final_ratio.median == 1e300
    assert result.scheme("alpha").forward.overflow_layer is None
    assert result.scheme("xavier").backward.overflow_layer is not None


def test_streaming_partials_and_cancel():
    config = NormSweepConfig(width=100, depth=100, trials=40)
    assert config.block_trials < 40
    gen = norm_sweep(config)
    seen = [next(gen) for _ in range(3)]
    while seen[-1].partial is None:
        seen.append(next(gen))
    part = seen[-1].partial
    assert 0 < seen[-1].trials_done < 40 and part[0].forward.trials == seen[-1].trials_done
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions)
    gen.close()  # stops the work: a closed generator is finished
    with pytest.raises(StopIteration):
        next(gen)


def test_common_random_numbers_and_reproducibility():
    """A scheme's result does not depend on the other schemes in the sweep or on backward."""
    kw = {"width": 30, "depth": 20, "trials": 50, "activation": "relu"}
    alone = sweep(schemes=("alpha",), **kw).schemes[0].forward
    both = sweep(schemes=("xavier", "alpha"), backward=True, **kw).scheme("alpha").forward
    np.testing.assert_allclose(alone.quantiles, both.quantiles, rtol=1e-13)  # same draws
    other = sweep(schemes=("alpha",), seed=1, **kw).schemes[0].forward
    assert not np.array_equal(alone.quantiles, other.quantiles)


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        ({"depth": 0}, "depth must be between 1 and 10,000"),
        ({"width": 5000}, "width must be between 1 and 1,024"),
        ({"trials": 20_000}, "trials must be between 1 and 10,000"),
        ({"trials": 5000, "depth": 1000, "width": 4}, "trials × (depth + 1)"),
        ({"trials": 1000, "depth": 1000, "width": 100}, "about a minute"),
        ({"schemes": ("kaiming",)}, "unknown initialization scheme"),
        ({"activation": "tanh"}, "activation must be linear or relu"),
        ({"seed": -1}, "seed must be a whole number ≥ 0"),
        ({"trials": 180, "depth": 10_000, "width": 16}, "layer passes of 5-trial blocks"),
    ],
)
def test_limits_are_named(kw, words):
    with pytest.raises(LandscapeError, match=re.escape(words)):
        NormSweepConfig(**kw)


def test_scheme_scalings():
    assert scheme_scaling("alpha", 10, 50).alpha == ALPHA
    assert scheme_scaling("scaled", 100, 25).stds == (pytest.approx(0.1 / 5),)
    assert scheme_scaling("beta", 100, 25).beta == pytest.approx(0.2)
    assert scheme_scaling("fixup", 100, 25).stds == (0.0,)
    assert scheme_scaling("scaled", 4, 9, matrices=2, gain=2.0).stds == (
        pytest.approx(math.sqrt(0.5)),
        pytest.approx(math.sqrt(0.5) / 3),
    )


# ---- digits-resnet initialization -------------------------------------------------------


def digits_layout(blocks, width=32):
    from compute.networks.models import residual_mlp

    return residual_mlp(64, width, blocks, 10)


def init_parts(scheme, blocks=10, width=32, seed=0):
    from compute.networks.resnet_init import residual_mlp_init

    model = digits_layout(blocks, width)
    theta = residual_mlp_init(model.layout, blocks, scheme, torch.Generator().manual_seed(seed))
    assert theta.dtype == torch.float32 and theta.shape == (model.layout.size,)
    return model, theta, model.layout.unflatten(theta)


def pooled_std(p, suffix, blocks):
    return float(torch.cat([p[f"W{k}{suffix}"].reshape(-1) for k in range(1, blocks + 1)]).std())


def test_residual_mlp_init_scales():
    _, _, p = init_parts("xavier")
    assert all(float(v.abs().max()) == 0 for k, v in p.items() if k.startswith("b"))
    assert pooled_std(p, 1, 10) == pytest.approx(1 / math.sqrt(32), rel=0.03)
    assert pooled_std(p, 2, 10) == pytest.approx(1 / math.sqrt(32), rel=0.03)
    assert float(p["W_in"].std()) == pytest.approx(1 / 8, rel=0.05)
    _, _, p = init_parts("scaled")
    assert pooled_std(p, 2, 10) == pytest.approx(1 / math.sqrt(320), rel=0.03)
    _, _, p = init_parts("fixup")
    assert pooled_std(p, 2, 10) == 0 and float(p["W_out"].abs().max()) == 0
    assert pooled_std(p, 1, 10) == pytest.approx(1 / math.sqrt(320), rel=0.03)


def test_forward_multipliers():
    from compute.networks.resnet_init import forward_multipliers

    assert forward_multipliers("alpha", 10) == (pytest.approx(ALPHA), 1.0)
    assert forward_multipliers("beta", 25) == (1.0, pytest.approx(0.2))
    assert forward_multipliers("xavier", 25) == (1.0, 1.0)


def test_xavier_digits_resnet_blows_up_where_scaled_does_not():
    """Through the scenario's own model (50 blocks, no normalisation): Xavier multiplies
    E‖h‖² by about 1 + 1/2 per block (ReLU halves the branch), 1/(dL) by 1 + 1/(2L)."""
    x = torch.rand(64, 64, generator=torch.Generator().manual_seed(1))
    spread = {}
    for scheme in ("xavier", "scaled"):
        model, _, p = init_parts(scheme, blocks=50)
        with torch.no_grad():
            spread[scheme] = float(model.forward(p, x).std())
    assert spread["xavier"] > 1e3 * spread["scaled"]
    assert 0.01 < spread["scaled"] < 10


# ---- CLI --------------------------------------------------------------------------------


def cli(capsys, *argv):
    import argparse
    import json

    from compute.cli import forward_norm

    parser = argparse.ArgumentParser()
    forward_norm.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    assert forward_norm.run(args) == 0
    out = capsys.readouterr().out
    return json.loads(out) if "--json" in argv else out


def test_cli_forward_norm_json(capsys):
    out = cli(capsys, "forward-norm", "--scheme", "xavier", "--trials", "100", "--json")
    assert list(out["schemes"]) == ["xavier"]  # one shape for one scheme and for several
    out = out["schemes"]["xavier"]
    assert out["overflowed"] is False
    assert len(out["per_layer_median"]) == 101 and out["overflow_layer"] is None
    assert 1e14 / 30 < out["final_ratio"]["median"] < 1e14 * 30
    assert out["final_ratio"]["q25"] < out["final_ratio"]["median"] < out["final_ratio"]["q75"]
    out = cli(capsys, "forward-norm", "--preset", "matlab", "--trials", "50", "--json")
    assert set(out["schemes"]) == {"xavier", "scaled", "alpha", "beta", "fixup"}
    assert out["marks"] == list(range(10, 101, 10))
    out = cli(
        capsys,
        "forward-norm",
        "--scheme",
        "alpha,scaled",
        "--backward",
        "--json",
        "--width",
        "20",
        "--depth",
        "10",
        "--trials",
        "20",
        "--activation",
        "relu",
    )
    assert out["config"]["activation"] == "relu"
    assert out["schemes"]["alpha"]["backward"]["input_ratio"]["median"] > 0


def test_cli_overflow_is_a_layer_not_nan(capsys):
    argv = ("forward-norm", "--width", "16", "--depth", "3000", "--trials", "4")
    text = cli(capsys, *argv)
    assert "overflow at layer" in text
    raw = cli(capsys, *argv, "--json")["schemes"]["xavier"]
    assert raw["overflow_layer"] > 1000 and raw["overflowed"] is True
    assert raw["final_ratio"]["median"] is None  # null with a flag, never 1e+300
    shown = [v for v in raw["per_layer_median"] if v is not None]
    assert all(np.isfinite(shown)) and max(shown) < 1e300
    assert raw["per_layer_median"][-1] is None


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (("--depth", "0"), "depth must be between"),
        (("--scheme", "he"), "unknown initialization scheme"),
        (("--preset", "nope"), "unknown preset"),
    ],
)
def test_cli_forward_norm_errors(capsys, argv, words):
    with pytest.raises(LandscapeError, match=words):
        cli(capsys, "forward-norm", *argv)


def test_cli_module_imports_no_numerics_at_top():
    """``--help`` must not pay for torch: the handlers import the numerics themselves."""
    import ast
    import inspect

    from compute.cli import forward_norm, near_identity

    for module in (forward_norm, near_identity):
        tree = ast.parse(inspect.getsource(module))
        top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
        names = {n.module for n in top if isinstance(n, ast.ImportFrom)}
        names |= {a.name for n in top if isinstance(n, ast.Import) for a in n.names}
        numerics = {"torch", "numpy", "compute.initlab.sweep", "compute.initlab.near_identity"}
        assert not names & numerics
