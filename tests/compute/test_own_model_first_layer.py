"""A user's model on a plane with its first affine layer precomputed (Z₀ + a·Z₁ + b·Z₂): values
against a plain loop over the module, the layers it must not take, the choice kept and
repeated bit for bit, the module never touched."""

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from compute import random_plane
from compute.networks import module_first_layer
from tests.compute.test_own_model import assert_unchanged, build, data, plain_loss, snapshot


def mlp():
    torch.manual_seed(1)
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Dropout(0.3), nn.Linear(16, 3))


def cnn():
    torch.manual_seed(2)
    model = nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.Conv2d(4, 4, 3),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(4 * 4 * 4, 3),
    )
    x, _ = images()
    with torch.no_grad():
        model(x * 2 + 0.5)  # running statistics unlike the data's
    return model


def linear():  # the model is the layer
    torch.manual_seed(5)
    return nn.Linear(6, 3)


def images(n=64):
    gen = torch.Generator().manual_seed(3)
    return torch.randn(n, 2, 6, 6, generator=gen), torch.randint(0, 3, (n,), generator=gen)


def grid(k=4):
    a = torch.linspace(-1, 1, k)
    return torch.stack(torch.meshgrid(a, a, indexing="xy"), -1).reshape(-1, 2)


@pytest.mark.parametrize("mode", ["loop", "vmap"])
@pytest.mark.parametrize(("make", "layer"), [(mlp, "0"), (cnn, "0"), (linear, "")])
def test_precomputed_first_layer_equals_a_plain_loop_over_the_module(make, layer, mode):
    model = make()
    x, y = images() if make is cnn else data()
    snap = snapshot(model)
    problem = build(dict(model=model, train=(x, y), loss=F.cross_entropy))
    assert problem.first_layer is not None and problem.first_layer.name == layer
    assert problem.first_layer.note() in problem.notes
    problem.repeat_choices({"mode": mode, "first_layer": "precomputed"})
    plane = random_plane(problem.layout, problem.init, seed=4)
    evaluator = problem.plane_evaluator(plane)
    coords = grid()
    loss = evaluator(coords)["loss"]
    assert evaluator.first is not None  # the precomputed way ran
    for (a, b), value in zip(coords, loss, strict=True):
        expected = plain_loss(model, plane.origin + a * plane.d1 + b * plane.d2, x, y)
        assert float(value) == pytest.approx(expected, rel=2e-6, abs=1e-7)
    problem.repeat_choices({"first_layer": "plain"})
    assert not torch.equal(problem.plane_evaluator(plane)(coords)["loss"], loss)  # another way
    assert_unchanged(model, snap)


class Twice(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc, self.head = nn.Linear(6, 6), nn.Linear(6, 3)

    def forward(self, x):
        return self.head(torch.tanh(self.fc(torch.tanh(self.fc(x)))))


class Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc, self.dec, self.head = nn.Linear(6, 6), nn.Linear(6, 6), nn.Linear(6, 3)
        self.dec.weight = self.enc.weight

    def forward(self, x):
        return self.head(torch.tanh(self.dec(torch.tanh(self.enc(x)))))


class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        return self.fc(x * 2)


class Skip(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc, self.skip, self.head = nn.Linear(6, 8), nn.Linear(6, 8), nn.Linear(8, 3)

    def forward(self, x):
        return self.head(torch.tanh(self.fc(x)) + self.skip(x))


def frozen():
    model = mlp()
    model[0].weight.requires_grad_(False)
    return model


def batchnorm():
    return nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))


def by_model(model, batch):
    return F.cross_entropy(model(batch["x"]), batch["y"])


@pytest.mark.parametrize(
    ("make", "options", "found"),
    [
        (mlp, {}, "0"),
        (Skip, {}, "fc"),  # x also used elsewhere: only the layer's output is substituted
        (batchnorm, {}, "0"),
        (batchnorm, {"batchnorm": "recompute"}, None),
        (Twice, {}, None),
        (Tied, {}, None),
        (Scaled, {}, None),
        (frozen, {}, None),
        ("dict", {}, None),
    ],
)
def test_which_first_layers_are_precomputed(make, options, found):
    x, y = data()
    if make == "dict":
        given = dict(model=mlp(), train={"x": x, "y": y}, loss=by_model)
    else:
        given = dict(model=make(), train=(x, y), loss=F.cross_entropy)
    problem = build(given, **options)
    layer = problem.first_layer
    assert (layer.name if layer else None) == found
    assert any(note.startswith("first layer") for note in problem.notes) == (found is not None)
    evaluator = problem.plane_evaluator(random_plane(problem.layout, problem.init, seed=0))
    assert (evaluator.first is not None) == (found is not None)


def test_the_choice_is_kept_and_repeated_bit_for_bit():
    x, y = data()
    model = mlp()
    given = dict(model=model, train=(x, y), loss=F.cross_entropy)
    first = build(given)
    plane = random_plane(first.layout, first.init, seed=1)
    evaluator = first.plane_evaluator(plane)
    coords = grid()
    deciding = evaluator(coords)["loss"]
    choices = first.measured_choices()
    assert choices["first_layer"] in ("plain", "precomputed") and "mode" in choices
    assert torch.equal(evaluator(coords)["loss"], deciding)  # the way chosen, as ever after
    again = build(dict(given, model=copy.deepcopy(model)))
    again.repeat_choices(choices)
    assert torch.equal(again.plane_evaluator(plane)(coords)["loss"], deciding)
    assert again.measured_choices() == choices  # nothing timed anew
    fresh = build(dict(given, model=copy.deepcopy(model)))
    assert fresh.measured_choices()["first_layer"] in ("plain", "precomputed")


def test_a_first_layer_over_the_budget_is_not_precomputed(monkeypatch):
    x, y = data()
    problem = build(dict(model=mlp(), train=(x, y), loss=F.cross_entropy))
    assert problem.first_layer_for("train") is not None
    monkeypatch.setattr(module_first_layer, "CPU_BYTES", 3 * len(x) * 16 * 4 - 1)
    assert problem.first_layer_for("train") is None
    evaluator = problem.plane_evaluator(random_plane(problem.layout, problem.init, seed=0))
    assert evaluator.first is None
    assert "first_layer" not in problem.measured_choices()
