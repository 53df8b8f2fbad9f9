"""Several points in one stacked pass (``compute.networks.module_stacking``): each model's
outputs at P distinct points against the user's module itself (``load_state_dict`` + eval
forward, one point at a time); what is refused; a NaN that stays at its point; the choice that
refuses stacked values that disagree; and a slice of the BatchNorm CNN example, stacked and not,
against a plain loop over its module."""

import copy
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from compute import build_problem, drain, random_plane
from compute.networks.module_builder import ModuleOptions, module_problem
from compute.networks.module_fusion import fusion_of
from compute.networks.module_stacking import NotStackable, Stacking
from compute.networks.slices import evaluate_slice
from compute.scenarios.own_model import register_model

from .helpers import assert_slice_is_the_modules

EXAMPLE = Path(__file__).resolve().parents[2] / "resources/examples/digits_bn_cnn.py"


class Everything(nn.Module):
    """The shared input into a grouped functional convolution, a frozen kernel, BatchNorm
    that is not folded (after a residual sum), average pooling, ``x.view(x.size(0), -1)``,
    BatchNorm1d on rows, tanh, a learnt scale per channel (a parameter of each point's
    shape (C, 1, 1) times activations), a functional linear layer."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(4, 1, 3, 3) / 3)
        self.frozen = nn.Conv2d(4, 4, 3, padding=1)
        self.frozen.weight.requires_grad_(False)
        self.conv = nn.Conv2d(4, 4, 3, padding=1, groups=2)
        self.bn = nn.BatchNorm2d(4)
        self.rows = nn.BatchNorm1d(16)
        self.head = nn.Parameter(torch.randn(5, 16) / 4)
        self.scale = nn.Parameter(torch.rand(4, 1, 1) + 0.5)

    def forward(self, x):
        h = F.relu(F.conv2d(x, self.w, None, 1, 1, 1, 2))
        h = self.bn(h + self.conv(F.relu(self.frozen(h)))) * self.scale
        h = F.adaptive_avg_pool2d(F.relu(h), 2) + h.amax((2, 3), keepdim=True)
        h = torch.tanh(self.rows(h.view(h.size(0), -1)))
        return F.linear(h, self.head) * 2.0


def sequential_cnn():
    return nn.Sequential(
        nn.Conv2d(2, 6, 3, padding=1),
        nn.BatchNorm2d(6),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Dropout(0.3),
        nn.Flatten(),
        nn.Linear(6 * 3 * 3, 5),
    )


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(72, 10), nn.GELU(), nn.Linear(10, 5))


def with_statistics(model, gen):
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.running_mean.normal_(0, 0.5, generator=gen)
            m.running_var.uniform_(0.3, 2.0, generator=gen)
    return model.eval()


def moving(model):
    return {n: p for n, p in model.named_parameters() if p.requires_grad}


def points_of(model, count, gen):
    """``count`` states of the model far apart (every moving parameter + N(0, 1))."""
    names = moving(model)
    return [
        {n: p.detach() + torch.randn(p.shape, generator=gen) for n, p in names.items()}
        for _ in range(count)
    ]


def their_outputs(model, point, x):
    theirs = copy.deepcopy(model)
    with torch.no_grad():
        for n, p in theirs.named_parameters():
            if n in point:
                p.copy_(point[n])
        return theirs(x)


def stacked_outputs(evaluator, model, points, x):
    fixed = {k: v for k, v in model.state_dict().items() if k not in points[0]}
    params = {n: torch.stack([p[n] for p in points]) for n in points[0]}
    with torch.no_grad():
        return Stacking.of(evaluator).outputs(params, fixed, x)


@pytest.mark.parametrize(
    ("make", "rewritten"),
    [(Everything, False), (sequential_cnn, False), (sequential_cnn, True), (mlp, False)],
)
def test_stacked_points_give_the_modules_own_outputs(make, rewritten):
    gen = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    model = with_statistics(make(), gen)
    evaluator = model
    if rewritten:
        fusion = fusion_of(model)
        assert fusion is not None
        evaluator = fusion.module
    x = torch.randn(12, 2, 6, 6, generator=gen)
    points = points_of(model, 3, gen)
    got = stacked_outputs(evaluator, model, points, x)
    assert len(got) == 3
    for out, point in zip(got, points, strict=True):
        torch.testing.assert_close(out, their_outputs(model, point, x), rtol=1e-5, atol=1e-5)


def test_a_nan_at_one_point_stays_there():
    gen = torch.Generator().manual_seed(1)
    model = with_statistics(sequential_cnn(), gen)
    points = points_of(model, 3, gen)
    points[1]["0.weight"] = torch.full_like(points[1]["0.weight"], float("nan"))
    x = torch.randn(8, 2, 6, 6, generator=gen)
    got = stacked_outputs(model, model, points, x)
    assert torch.isnan(got[1]).all()
    for i in (0, 2):
        torch.testing.assert_close(got[i], their_outputs(model, points[i], x))


def test_what_is_not_known_per_channel_is_refused():
    class Softmaxed(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(2, 3, 3)

        def forward(self, x):  # softmax across channels mixes a point's channels
            return torch.softmax(self.conv(x), dim=1).flatten(1)

    gen = torch.Generator().manual_seed(2)
    model = Softmaxed().eval()
    with pytest.raises(NotStackable, match="softmax"):
        stacked_outputs(model, model, points_of(model, 2, gen), torch.randn(4, 2, 6, 6))


def test_a_library_layer_with_parameters_of_its_own_submodules_is_refused():
    """fx keeps torch.nn's modules whole: multi-head attention holds its output projection
    in a submodule, which the layer would otherwise use at θ₀ at every point."""

    class Attending(nn.Module):
        def __init__(self):
            super().__init__()
            self.attention = nn.MultiheadAttention(6, 2, batch_first=True)

        def forward(self, x):
            h = x.flatten(2)
            return self.attention(h, h, h)[0].flatten(1)

    model = Attending().eval()
    x = torch.randn(4, 2, 2, 3)
    points = points_of(model, 2, torch.Generator().manual_seed(5))
    with pytest.raises(NotStackable, match="submodules"):
        stacked_outputs(model, model, points, x.reshape(4, 2, 6).reshape(4, 2, 2, 3))


def problem_of(model, gen, samples=64):
    x = torch.randn(samples, 2, 6, 6, generator=gen)
    y = torch.randint(0, 5, (samples,), generator=gen)
    given = dict(model=model, train=(x, y), loss=F.cross_entropy)
    return drain(module_problem("stacking", {}, given, ModuleOptions()))


def test_stacked_values_that_disagree_are_not_chosen(monkeypatch):
    """Outputs of the points in reverse order: equal at copies of θ₀, wrong at distinct
    points, which the choice compares."""
    outputs = Stacking.outputs
    monkeypatch.setattr(Stacking, "outputs", lambda *a: outputs(*a)[::-1])
    problem = problem_of(sequential_cnn(), torch.Generator().manual_seed(3))
    assert problem.measured_choices()["stack"] == "not stacked"


def test_a_model_that_cannot_be_stacked_is_evaluated_one_by_one():
    class Gathered(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(2, 5, 3)

        def forward(self, x):
            return torch.cat([self.conv(x).amax((2, 3)), x[:, 0, 0, :5]], 0)[: x.shape[0]]

    gen = torch.Generator().manual_seed(4)
    model = Gathered().eval()
    with pytest.raises(NotStackable, match="cat"):
        stacked_outputs(model, model, points_of(model, 2, gen), torch.randn(4, 2, 6, 6))
    problem = problem_of(Gathered(), gen)
    assert problem.measured_choices()["stack"] == "not stacked"


@pytest.mark.parametrize("choice", ["stacked", "not stacked"])
def test_the_example_slices_like_its_module_stacked_or_not(choice):
    problem = build_problem(register_model(f"{EXAMPLE}:make").id, {"train_steps": 5})
    problem = problem.to("cpu", torch.float32)
    problem.repeat_choices({"stack": choice})
    plane = random_plane(problem.layout, problem.init, seed=5)
    result = drain(evaluate_slice(problem, plane, (-1, 1, -1, 1), 3))
    assert problem.measured_choices()["stack"] == choice
    assert_slice_is_the_modules(problem, plane, result)
