"""Network scenarios: registry, reproducible data, the seeds' formulas, gradients, F_lin."""

import math

import numpy as np
import pytest
import torch

from compute import SCENARIOS, LandscapeError, resolve_device, scenario
from compute.objectives.layout import ParamLayout
from compute.scenarios import build_problem

NETWORKS = {k: s for k, s in SCENARIOS.items() if s.capabilities.sliced}
TOYS = {k: s for k, s in SCENARIOS.items() if not s.capabilities.sliced}

SMALL = {
    "li-yuan": {"dim": 3, "samples": 40, "test_samples": 10},
    "resnet-block": {"dim": 3, "hidden": 4, "samples": 40, "test_samples": 10},
    "li-yuan-on-resnet": {"dim": 3, "hidden": 4, "samples": 40, "test_samples": 10},
    "relaxation": {"dim": 3, "samples": 40, "test_samples": 10, "relax_steps": 20},
    "residual-predictor": {"dim": 3, "hidden": 4, "samples": 40, "test_samples": 10},
    "linear-residual": {"dim": 3, "depth": 3, "samples": 40, "test_samples": 10},
    "digits-resnet": {"width": 6, "blocks": 1},
}


def small(sid, **extra):
    return build_problem(sid, SMALL[sid] | extra)


def test_the_seven_network_scenarios_are_registered_beside_the_unchanged_toys():
    assert list(NETWORKS) == list(SMALL)
    assert set(TOYS) == {
        "shamir",
        "factorization",
        "psd-factorization",
        "activation",
        "deep-linear",
    }
    for spec in NETWORKS.values():
        data = spec.to_json()
        assert data["kind"] == "network" and data["formula"] and data["seed"][:3].isdigit()
        assert {p["name"] for p in data["params"]} >= {"seed"}
    assert TOYS["shamir"].to_json()["kind"] == "toy"


def test_one_lookup_finds_toys_and_networks():
    assert scenario("li-yuan") is NETWORKS["li-yuan"] and scenario("shamir") is TOYS["shamir"]
    with pytest.raises(LandscapeError, match="unknown scenario 'nope' \\(known: shamir,"):
        scenario("nope")


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        ({"dim": 0}, "outside"),
        ({"dim": 2.5}, "whole number"),
        ({"samples": "many"}, "not a number"),
        ({"depth": 3}, "no parameter 'depth'"),
        ({"noise": math.inf}, "finite"),
    ],
)
def test_impossible_parameters_are_refused_with_a_clear_message(sets, message):
    with pytest.raises(LandscapeError, match=message):
        build_problem("li-yuan", sets)


def test_variant_choice_and_size_limits_are_checked():
    with pytest.raises(LandscapeError, match="one of residual, skip"):
        build_problem("residual-predictor", {"variant": "deep"})
    with pytest.raises(LandscapeError, match="too large"):
        build_problem("li-yuan", {"dim": 256, "samples": 100_000})


@pytest.mark.parametrize("sid", list(SMALL))
def test_the_same_values_build_the_same_problem_and_another_seed_another(sid):
    a, b, c = small(sid), small(sid), small(sid, seed=1)
    assert torch.equal(a.init, b.init) and torch.equal(a.data.x_train, b.data.x_train)
    assert torch.equal(a.data.y_train, b.data.y_train)
    assert not torch.equal(a.init, c.init)
    assert a.init.dtype == torch.float32 and a.init.shape == (a.dim,)
    assert "init" in a.references
    assert a.params["seed"] == 0 and c.params["seed"] == 1


@pytest.mark.parametrize("sid", list(SMALL))
def test_loss_is_batched_over_leading_dimensions(sid):
    p = small(sid)
    gen = torch.Generator().manual_seed(0)
    thetas = p.init + 0.1 * torch.randn(2, 3, p.dim, generator=gen)
    batched = p.loss(thetas)
    assert batched.shape == (2, 3)
    single = torch.stack([p.loss(t) for t in thetas.reshape(-1, p.dim)]).reshape(2, 3)
    torch.testing.assert_close(batched, single, rtol=1e-5, atol=1e-6)
    index = torch.arange(5)
    torch.testing.assert_close(
        p.batch_loss(p.init, index),
        p.model.sample_loss(
            p.model.forward(p.model.layout.unflatten(p.init), p.data.x_train[:5]),
            p.data.y_train[:5],
        ).mean(-1),
    )


@pytest.mark.parametrize("sid", list(SMALL))
def test_the_first_layer_is_affine_in_theta(sid):
    """features(θ₀ + a d₁ + b d₂) = Z(θ₀) + a (Z(d₁) − Z(0)) + b (Z(d₂) − Z(0)), in float64."""
    p = small(sid).to(dtype=torch.float64)
    gen = torch.Generator().manual_seed(1)
    d1, d2 = (torch.randn(p.dim, generator=gen, dtype=torch.float64) for _ in range(2))
    z = lambda t: p.model.features(p.model.layout.unflatten(t), p.data.x_train)  # noqa: E731
    a, b = 0.7, -1.3
    expected = z(p.init) + a * (z(d1) - z(0 * d1)) + b * (z(d2) - z(0 * d2))
    torch.testing.assert_close(z(p.init + a * d1 + b * d2), expected, rtol=1e-10, atol=1e-10)


def test_li_yuan_and_the_resnet_block_compute_the_seed_formulas():
    p = small("li-yuan").to(dtype=torch.float64)
    w = p.reference("teacher").numpy().reshape(3, 3)
    x = p.data.x_train.numpy()
    f = np.abs(np.maximum((np.eye(3) + w).T @ x.T, 0)).sum(axis=0)  # ‖ReLU((I + W)ᵀx)‖₁
    np.testing.assert_allclose(p.data.y_train.numpy(), f, rtol=1e-6)
    theta = p.init.numpy()
    wi = theta.reshape(3, 3)
    fi = np.maximum((np.eye(3) + wi).T @ x.T, 0).sum(axis=0)
    assert float(p.loss(p.init)) == pytest.approx(0.5 * np.mean((fi - f) ** 2), rel=1e-6)
    assert float(p.metric_value(p.init)) == pytest.approx(np.linalg.norm(wi - w), rel=1e-6)

    r = small("resnet-block").to(dtype=torch.float64)
    t = r.reference("teacher").numpy()
    w1, w2 = t[:12].reshape(3, 4), t[12:].reshape(4, 3)
    x = r.data.x_train.numpy()
    f = np.abs(w2.T @ np.maximum(w1.T @ x.T, 0) + x.T).sum(axis=0)  # ‖W₂ᵀReLU(W₁ᵀx) + x‖₁
    np.testing.assert_allclose(r.data.y_train.numpy(), f, rtol=1e-6)


def test_residual_predictor_formula_and_its_linear_reference_point_reaches_f_lin():
    for variant in ("residual", "skip"):
        p = small("residual-predictor", variant=variant, noise=0.3).to(dtype=torch.float64)
        parts = {k: v.numpy() for k, v in p.model.layout.unflatten(p.init).items()}
        x, y = p.data.x_train.numpy(), p.data.y_train.numpy()
        f = np.maximum(x @ parts["U"].T + parts["c"], 0)  # f_θ(x) = ReLU(Ux + c), (N, h)
        w = parts["w"][0]
        pred = x @ w + (f @ parts["v"][0] if variant == "skip" else f @ parts["V"].T @ w)
        assert float(p.loss(p.init)) == pytest.approx(0.5 * np.mean((pred - y) ** 2), rel=1e-9)
        w_lin, *_ = np.linalg.lstsq(x, y, rcond=None)
        f_lin = 0.5 * np.mean((x @ w_lin - y) ** 2)
        assert p.baselines["F_lin"] == pytest.approx(f_lin, rel=1e-5)
        assert float(p.loss(p.reference("linear"))) == pytest.approx(f_lin, rel=1e-5)
        assert float(p.metric_value(p.reference("linear"))) == pytest.approx(0, abs=1e-6)


def test_linear_residual_teacher_is_a_root_of_r_and_the_metric_is_the_max_spectral_norm():
    p = build_problem("linear-residual", {"dim": 3, "depth": 4, "noise": 0.0, "samples": 50})
    p = p.to(dtype=torch.float64)
    blocks = [a.numpy() for a in p.model.layout.unflatten(p.reference("teacher")).values()]
    product = np.eye(3)
    for a in blocks:
        product = (np.eye(3) + a) @ product
    x, y = p.data.x_train.numpy(), p.data.y_train.numpy()
    r_hat, *_ = np.linalg.lstsq(x, y, rcond=None)
    np.testing.assert_allclose(product, r_hat.T, atol=1e-5)  # noise-free: Y = R X exactly
    assert float(p.loss(p.reference("teacher"))) < 1e-9
    init = [a.numpy() for a in p.model.layout.unflatten(p.init).values()]
    expected = max(np.linalg.norm(a, 2) for a in init)
    assert float(p.metric_value(p.init)) == pytest.approx(expected, rel=1e-9)
    m = np.linalg.svd(blocks[0], compute_uv=False)[0]
    assert m < 1.5 / 4  # ‖exp(M/l) − I‖ ≤ ‖M‖/l · e^{‖M‖/l} with ‖M‖_F = 1, l = 4


def test_digits_model_matches_torch_nn_and_accuracy_is_a_fraction():
    p = small("digits-resnet", width=5, blocks=2)
    assert len(p.data.x_train) + len(p.data.x_test) == 1797
    assert len(p.data.x_test) == round(0.2 * 1797)
    assert float(p.data.x_train.min()) >= 0 and float(p.data.x_train.max()) <= 1
    parts = p.model.layout.unflatten(p.init)
    lin = lambda x, w, b: x @ w.T + b  # noqa: E731
    x = p.data.x_train
    h = torch.relu(lin(x, parts["W_in"], parts["b_in"]))
    for k in (1, 2):
        h = h + lin(
            torch.relu(lin(h, parts[f"W{k}1"], parts[f"b{k}1"])), parts[f"W{k}2"], parts[f"b{k}2"]
        )
    logits = lin(h, parts["W_out"], parts["b_out"])
    ce = torch.nn.functional.cross_entropy(logits, p.data.y_train)
    torch.testing.assert_close(p.loss(p.init), ce, rtol=1e-5, atol=1e-6)
    acc = (logits.argmax(1) == p.data.y_train).float().mean()
    torch.testing.assert_close(p.accuracy(p.init), acc)
    assert small("li-yuan").accuracy(small("li-yuan").init) is None


@pytest.mark.parametrize(
    "sid", ["li-yuan", "resnet-block", "residual-predictor", "linear-residual", "digits-resnet"]
)
def test_autograd_gradient_matches_central_differences(sid):
    """g·v against (F(θ + εv) − F(θ − εv)) / 2ε in float64, along random directions.

    Central differences err by O(ε²·F''') + O(δ/ε) with δ ≈ 1e-16·F; ε = 1e-6 puts both far
    below the 1e-6 relative tolerance (ReLU kinks are not crossed: they are a null set and
    the step is tiny).
    """
    p = small(sid).to(dtype=torch.float64)
    gen = torch.Generator().manual_seed(3)
    theta = p.init + 0.05 * torch.randn(p.dim, generator=gen, dtype=torch.float64)
    theta.requires_grad_(True)
    p.loss(theta).backward()
    grad = theta.grad
    eps = 1e-6
    with torch.no_grad():
        for _ in range(3):
            v = torch.randn(p.dim, generator=gen, dtype=torch.float64)
            fd = (p.loss(theta + eps * v) - p.loss(theta - eps * v)) / (2 * eps)
            assert float(grad @ v) == pytest.approx(float(fd), rel=1e-6, abs=1e-9)


def test_torch_func_grad_works_on_the_network_loss():
    p = small("digits-resnet")
    g = torch.func.vmap(torch.func.grad(p.loss))(torch.stack([p.init, 1.1 * p.init]))
    theta = p.init.clone().requires_grad_(True)
    p.loss(theta).backward()
    torch.testing.assert_close(g[0], theta.grad, rtol=1e-5, atol=1e-7)


def test_layout_round_trip_and_names():
    layout = ParamLayout.of([("W", (2, 3), "weight", 1), ("b", (3,), "bias")])
    theta = torch.arange(9.0)
    parts = layout.unflatten(theta)
    assert parts["W"].shape == (2, 3) and torch.equal(layout.flatten(parts), theta)
    assert layout.axis_names()[:2] == ("W[0,0]", "W[0,1]") and layout.axis_names()[-1] == "b[2]"
    batched = layout.unflatten(torch.zeros(4, 9))
    assert batched["W"].shape == (4, 2, 3)
    with pytest.raises(LandscapeError, match="needs 9"):
        layout.unflatten(torch.zeros(8))


def test_devices():
    assert resolve_device("cpu").type == "cpu"
    with pytest.raises(LandscapeError, match=r"unknown device|unsupported"):
        resolve_device("quantum")
    if not torch.cuda.is_available():
        with pytest.raises(LandscapeError, match="no CUDA GPU"):
            resolve_device("cuda")
        with pytest.raises(LandscapeError, match="no CUDA GPU"):
            small("li-yuan").to("cuda")
