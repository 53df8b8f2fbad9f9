"""The rewritten model for values (``compute.networks.module_fusion``): BatchNorm folded into
convolutions, ReLU after max-pooling, non-overlapping pooling as strided views, each against
the user's module itself (``load_state_dict`` + eval forward) at points away from θ₀; what is
left as written; the check that refuses a wrong rewrite; and a slice of the BatchNorm CNN
example against a plain loop over its module."""

import copy
import pickle
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from compute import build_problem, drain, random_plane
from compute.networks import module_fusion
from compute.networks.module_builder import ModuleOptions, module_problem
from compute.networks.module_fusion import fusion_of
from compute.networks.slices import evaluate_slice
from compute.scenarios.own_model import register_model

from .helpers import assert_slice_is_the_modules

EXAMPLE = Path(__file__).resolve().parents[2] / "resources/examples/digits_bn_cnn.py"


class Functional2d(nn.Module):
    """conv → BN → F.relu → conv → BN → F.relu → F.max_pool2d(2) on odd planes (7×7: floor)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 4, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 3, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(3, affine=False)
        self.head = nn.Linear(3 * 3 * 3, 5)

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = F.max_pool2d(F.relu(self.bn2(self.conv2(h))), kernel_size=(2, 2), stride=2)
        return self.head(h.flatten(1))


def sequential_1d():
    return nn.Sequential(
        nn.Conv1d(3, 4, 3, bias=False),
        nn.BatchNorm1d(4),
        nn.ReLU(),
        nn.MaxPool1d(3),
        nn.Flatten(),
        nn.Linear(4 * 3, 5),
    )


def sequential_3d():
    return nn.Sequential(
        nn.Conv3d(1, 2, 3, padding=1, groups=1, stride=1, dilation=1),
        nn.BatchNorm3d(2, eps=1e-3),
        nn.ReLU(),
        nn.MaxPool3d(2),
        nn.Flatten(),
        nn.Linear(2 * 2 * 2 * 2, 5),
    )


def overlapping_pool():
    """ResNet's stem: 3×3 pooling, stride 2, padding 1 (windows overlap: only the ReLU moves)."""
    return nn.Sequential(
        nn.Conv2d(1, 3, 3, padding=1),
        nn.BatchNorm2d(3),
        nn.ReLU(),
        nn.MaxPool2d(3, stride=2, padding=1),
        nn.Flatten(),
        nn.Linear(3 * 4 * 4, 5),
    )


CASES = {
    "functional 2-D": (Functional2d, (2, 7, 7), 2, 1, 1),
    "sequential 1-D": (sequential_1d, (3, 11), 1, 1, 1),
    "sequential 3-D": (sequential_3d, (1, 4, 4, 4), 1, 1, 1),
    "overlapping pool": (overlapping_pool, (1, 8, 8), 1, 1, 0),
}


def with_statistics(model, gen):
    """The model with random BatchNorm running statistics (so that a fold must use them)."""
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.running_mean.normal_(0, 0.5, generator=gen)
            m.running_var.uniform_(0.3, 2.0, generator=gen)
    return model.eval()


@pytest.mark.parametrize("case", CASES)
def test_each_rewrite_gives_the_modules_own_outputs_away_from_the_centre(case):
    make, shape, folds, pools, strided = CASES[case]
    gen = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    model = with_statistics(make(), gen)
    fusion = fusion_of(model)
    assert fusion is not None
    assert (len(fusion.folds), len(fusion.pools), len(fusion.strided)) == (folds, pools, strided)
    x = torch.randn(16, *shape, generator=gen)
    x[0].fill_(-1.0)  # a window of negatives: ReLU then pooling gives 0 either way
    fused = fusion.module
    for _ in range(3):
        theirs = copy.deepcopy(model)
        with torch.no_grad():
            for p in theirs.parameters():  # a point far from the centre, γ of both signs
                p.add_(torch.randn(p.shape, generator=gen))
        state = theirs.state_dict()
        with torch.no_grad():
            want = theirs(x)
            got = torch.func.functional_call(fused, state, (x,))
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)


def test_what_is_not_exact_stays_as_written():
    """A convolution whose output also feeds a residual sum, BatchNorm in train mode, a ReLU
    in place and pooling that returns indices: no rewrite applies."""

    class Residual(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(2, 2, 3, padding=1)
            self.bn = nn.BatchNorm2d(2)
            self.relu = nn.ReLU(inplace=True)

        def forward(self, x):
            z = self.conv(x)
            h = self.relu(self.bn(z) + z)
            return F.max_pool2d(h, 2, return_indices=True)[0].flatten(1)

    assert fusion_of(Residual().eval()) is None
    assert fusion_of(nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2)).train()) is None


def test_a_model_fx_cannot_trace_is_evaluated_as_written():
    class Branchy(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.bn = nn.Conv2d(1, 2, 3, padding=1), nn.BatchNorm2d(2)
            self.head = nn.Linear(2 * 4 * 4, 3)

        def forward(self, x):
            h = self.bn(self.conv(x))
            if h.sum() > 0:  # data-dependent control flow: fx cannot trace it
                h = -h
            return self.head(h.flatten(1))

    assert fusion_of(Branchy().eval()) is None
    gen = torch.Generator().manual_seed(1)
    x, y = torch.randn(20, 1, 4, 4, generator=gen), torch.randint(0, 3, (20,), generator=gen)
    given = dict(model=Branchy(), train=(x, y), loss=F.cross_entropy)
    problem = drain(module_problem("branchy", {}, given, ModuleOptions()))
    assert problem.value_parts is None
    assert not any("folded" in n for n in problem.notes)


def test_a_rewrite_that_disagrees_is_not_used(monkeypatch):
    """The check at θ₀ and a perturbed point catches a fold that is off by 1e-3."""
    forward = module_fusion.ConvBatchNorm.forward
    monkeypatch.setattr(
        module_fusion.ConvBatchNorm, "forward", lambda self, *a: forward(self, *a) * (1 + 1e-3)
    )
    gen = torch.Generator().manual_seed(2)
    x, y = torch.randn(40, 2, 7, 7, generator=gen), torch.randint(0, 5, (40,), generator=gen)
    given = dict(model=Functional2d(), train=(x, y), loss=F.cross_entropy)
    problem = drain(module_problem("off", {}, given, ModuleOptions()))
    assert problem.value_parts is None


def test_the_example_slices_like_its_module_and_says_how():
    """The BatchNorm CNN example: its values go through the rewritten model, the notes (the
    window's and every file's provenance) say so, the slice equals a plain loop of
    load_state_dict + eval forward, gradients see the model as written, and the rewritten
    model survives pickling (fx rebuilds it by tracing its code)."""
    problem = build_problem(register_model(f"{EXAMPLE}:make").id, {"train_steps": 5})
    assert problem.value_parts is not None
    note = problem.notes[-1]
    assert "bn1 into conv1" in note and "bn2 into conv2" in note and "strided views" in note
    plane = random_plane(problem.layout, problem.init, seed=4)
    result = drain(evaluate_slice(problem, plane, (-1, 1, -1, 1), 3))
    assert_slice_is_the_modules(problem, plane, result)
    theta = problem.init.clone().requires_grad_(True)
    problem.loss(theta).backward()  # through the model as written: BatchNorm modules called
    assert theta.grad is not None and torch.isfinite(theta.grad).all()
    x, y = problem.train
    again = pickle.loads(pickle.dumps(problem.value_parts))
    p = problem.layout.unflatten(plane.origin + 0.5 * plane.d1)
    with torch.no_grad():
        torch.testing.assert_close(
            again.value(p, (x[:64], y[:64])), problem.value_parts.value(p, (x[:64], y[:64]))
        )


def test_the_kernels_layout_is_chosen_by_timing_for_convolutions_only():
    gen = torch.Generator().manual_seed(3)
    x, y = torch.randn(30, 2, 7, 7, generator=gen), torch.randint(0, 5, (30,), generator=gen)
    conv = drain(
        module_problem(
            "c", {}, dict(model=Functional2d(), train=(x, y), loss=F.cross_entropy), ModuleOptions()
        )
    )
    assert conv.measured_choices()["layout"] in ("channels_last", "as given")
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(98, 5))
    flat = drain(
        module_problem(
            "m", {}, dict(model=mlp, train=(x, y), loss=F.cross_entropy), ModuleOptions()
        )
    )
    choices = flat.measured_choices()
    assert choices.get("layout", "as given") == "as given"
