"""A user's own nn.Module, data and loss as a landscape: values against plain loops over the
module, the module never touched, BatchNorm both ways, tied / frozen / integer tensors, dict
batches, the determinism check and one clear line for every kind of broken input."""

import copy
import textwrap

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from compute import LandscapeError, build_problem, drain, random_plane
from compute.networks.module_builder import ModuleOptions, module_problem
from compute.networks.slices import evaluate_slice
from compute.scenarios.own_model import register_model

torch.manual_seed(0)


def build(given, **options):
    return drain(module_problem("test", {}, given, ModuleOptions(**options)))


def data(n=96, d=6, classes=3, seed=0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=gen)
    y = torch.randint(0, classes, (n,), generator=gen)
    return x, y


def snapshot(model):
    return (
        {k: v.detach().clone() for k, v in model.state_dict().items()},
        {n: p.requires_grad for n, p in model.named_parameters()},
        [m.training for m in model.modules()],
    )


def assert_unchanged(model, snap):
    state, grads, modes = snap
    now = model.state_dict()
    assert now.keys() == state.keys()
    for k in state:
        assert torch.equal(now[k], state[k]), k
    assert {n: p.requires_grad for n, p in model.named_parameters()} == grads
    assert [m.training for m in model.modules()] == modes


def plain_loss(model, theta, x, y, loss=F.cross_entropy, train_stats=None):
    """The reference: a fresh copy of the module, θ written in with vector_to_parameters,
    eval mode, one forward over all the data."""
    m = copy.deepcopy(model)
    params = [p for p in m.parameters() if p.requires_grad]
    torch.nn.utils.vector_to_parameters(theta.detach().clone(), params)
    if train_stats is not None:
        train_stats(m)
    m.eval()
    with torch.no_grad():
        return float(loss(m(x), y))


FILE = """
import torch
import torch.nn.functional as F
from torch import nn

def make(width: int = 5, seed: int = 0):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(80, 4, generator=gen)
    y = torch.randint(0, 3, (80,), generator=gen)
    model = nn.Sequential(nn.Linear(4, width), nn.Tanh(), nn.Dropout(0.3), nn.Linear(width, 3))
    return dict(model=model, train=(x, y), loss=F.cross_entropy)
"""


def test_a_user_file_slices_like_a_plain_loop_over_its_module(tmp_path):
    path = tmp_path / "my_model.py"
    path.write_text(FILE)
    spec = register_model(f"{path}:make")
    assert [p.name for p in spec.params][-2:] == ["width", "seed"]
    problem = build_problem(spec.id, {"width": 7})
    assert problem.dim == 4 * 7 + 7 + 7 * 3 + 3
    plane = random_plane(problem.layout, problem.init, seed=3)
    result = drain(evaluate_slice(problem, plane, (-1, 1, -1, 1), 5))
    # an independent rebuild of the same model from the file's own code
    namespace = {}
    exec(compile(FILE, str(path), "exec"), namespace)
    given = namespace["make"](width=7)
    model, (x, y) = given["model"], given["train"]
    for i, b in enumerate(result.axes[1]):
        for j, a in enumerate(result.axes[0]):
            theta = plane.origin + a * plane.d1 + b * plane.d2
            expected = plain_loss(model, theta, x, y)
            assert result.values["loss"][i, j] == pytest.approx(expected, rel=2e-6, abs=1e-7)


def test_the_module_is_never_touched_by_any_tool():
    x, y = data()
    model = nn.Sequential(
        nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 3)
    )
    model.train()
    model[0].bias.requires_grad_(False)
    snap = snapshot(model)
    problem = build(dict(model=model, train=(x, y), loss=F.cross_entropy))
    objective = problem.objective()
    theta = problem.init + 0.1
    objective.loss(torch.stack([theta, theta * 0.5]))
    torch.func.grad(objective.loss)(theta)
    objective.training(theta[None], None).sum()
    problem.curvature_terms(None).loss(theta)
    drain(evaluate_slice(problem, random_plane(problem.layout, problem.init, 0), None, 3))
    assert_unchanged(model, snap)


def test_batchnorm_eval_values_and_recomputed_statistics():
    x, y = data(n=120)
    model = nn.Sequential(nn.Linear(6, 10), nn.BatchNorm1d(10), nn.ReLU(), nn.Linear(10, 3))
    model.train()
    with torch.no_grad():
        model(x[:40] * 3 + 1)  # running statistics unlike the training data's
    theta = torch.nn.utils.parameters_to_vector(model.parameters()).detach() * 1.1
    centre = build(dict(model=model, train=(x, y), loss=F.cross_entropy))
    assert float(centre.loss(theta)) == pytest.approx(plain_loss(model, theta, x, y), rel=1e-6)

    def recompute(m):  # a forward pass in train mode over the data, then eval
        for layer in m.modules():
            if isinstance(layer, nn.BatchNorm1d):
                layer.reset_running_stats()
                layer.momentum = None
        m.train()
        with torch.no_grad():
            m(x)

    fresh = build(dict(model=model, train=(x, y), loss=F.cross_entropy), batchnorm="recompute")
    expected = plain_loss(model, theta, x, y, train_stats=recompute)
    assert float(fresh.loss(theta)) == pytest.approx(expected, rel=1e-5)
    assert abs(expected - plain_loss(model, theta, x, y)) > 1e-3  # the option changes the value
    assert any("recomputed" in note for note in fresh.notes)


def test_tied_weights_count_once_frozen_stay_and_integer_buffers_are_never_touched():
    x, y = data()

    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = nn.Linear(6, 6, bias=False)
            self.dec = nn.Linear(6, 6, bias=False)
            self.dec.weight = self.enc.weight  # tied
            self.head = nn.Linear(6, 3)
            self.frozen = nn.Parameter(torch.ones(6), requires_grad=False)
            self.register_buffer("steps", torch.tensor(7, dtype=torch.int64))

        def forward(self, v):
            return self.head(torch.tanh(self.dec(torch.tanh(self.enc(v)))) * self.frozen)

    model = Tied()
    problem = build(dict(model=model, train=(x, y), loss=F.cross_entropy))
    assert problem.layout.names == ("enc.weight", "head.weight", "head.bias")
    assert problem.dim == 36 + 18 + 3
    trainable = [p for p in model.parameters() if p.requires_grad]
    expected = torch.nn.utils.parameters_to_vector(trainable).detach()
    assert torch.equal(problem.init, expected)  # parameters() order, tied ones once
    theta = problem.init * 0.9
    assert float(problem.loss(theta)) == pytest.approx(plain_loss(model, theta, x, y), rel=1e-6)
    g = torch.func.grad(problem.objective().loss)(theta)
    fd = (
        problem.loss(theta + 1e-3 * _unit(0, problem.dim))
        - problem.loss(theta - 1e-3 * _unit(0, problem.dim))
    ) / 2e-3
    assert float(g[0]) == pytest.approx(float(fd), rel=2e-2, abs=1e-4)  # both uses of the tie
    with_frozen = build(dict(model=model, train=(x, y), loss=F.cross_entropy), include_frozen=True)
    assert "frozen" in with_frozen.layout.names
    assert (
        int(problem.parts.fixed["steps"]) == 7 and problem.parts.fixed["steps"].dtype == torch.int64
    )
    problem.training_loss(theta[None], None)
    assert int(problem.parts.fixed["steps"]) == 7


def _unit(i, n):
    e = torch.zeros(n)
    e[i] = 1.0
    return e


def test_dict_batches_with_a_loss_of_the_model_and_the_batch():
    x, y = data()

    def loss(model, batch):
        return F.cross_entropy(model(batch["pixels"]), batch["label"])

    model = nn.Linear(6, 3)
    batches = [{"pixels": x[i : i + 32], "label": y[i : i + 32]} for i in range(0, 96, 32)]
    problem = build(dict(model=model, train=batches, loss=loss))
    theta = problem.init + 0.2
    assert float(problem.loss(theta)) == pytest.approx(plain_loss(model, theta, x, y), rel=1e-6)
    assert problem.curvature_terms(None).outputs is None  # no GGN for loss(model, batch)


def test_a_shuffling_data_loader_is_refused_by_the_determinism_check():
    x, y = data()
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x, y), batch_size=16, shuffle=True
    )
    with pytest.raises(LandscapeError, match="shuffling DataLoader"):
        build(dict(model=nn.Linear(6, 3), train=loader, loss=F.cross_entropy), samples=48)
    fixed = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=16)
    assert (
        build(dict(model=nn.Linear(6, 3), train=fixed, loss=F.cross_entropy)).capabilities.samples
        == 96
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("def make(:\n    pass\n", "syntax error"),
        ("def make():\n    raise RuntimeError('boom')\n", r"make\(\) raised: RuntimeError: boom"),
        (
            "import torch, torch.nn.functional as F\nfrom torch import nn\n"
            "def make():\n    return dict(model=nn.Linear(4, 2), train=(torch.randn(8, 5), "
            "torch.zeros(8, dtype=torch.long)), loss=F.cross_entropy)\n",
            "running the model",
        ),
        (
            "import torch, torch.nn.functional as F\nfrom torch import nn\n"
            "def make():\n    return dict(model=nn.Linear(4, 1), "
            "train=(torch.full((8, 4), float('nan')), torch.zeros(8, 1)), loss=F.mse_loss)\n",
            "nan",
        ),
        ("def make():\n    return 3\n", "must return a dict"),
    ],
)
def test_broken_user_code_is_one_clear_line(tmp_path, body, message):
    path = tmp_path / "broken.py"
    path.write_text(textwrap.dedent(body))
    with pytest.raises(LandscapeError, match=message) as err:
        build_problem(
            register_model(f"{path}:make").id
        ) if "syntax" not in message else register_model(f"{path}:make")
    assert "\n" not in str(err.value)


def test_checkpoints_are_named_points_and_a_trajectory(tmp_path):
    x, y = data()
    model = nn.Linear(6, 3)
    states = []
    for k in range(3):
        with torch.no_grad():
            for p in model.parameters():
                p.add_(0.1)
        torch.save(model.state_dict(), tmp_path / f"ckpt_{k}.pt")
        states.append(copy.deepcopy(model.state_dict()))
    problem = build(
        dict(
            model=model,
            train=(x, y),
            loss=F.cross_entropy,
            points={"epoch 1": states[0]},
            trajectory=tmp_path,
        )
    )
    np.testing.assert_array_equal(
        problem.reference("epoch 1").numpy(),
        torch.cat([states[0]["weight"].reshape(-1), states[0]["bias"]]).numpy(),
    )
    assert problem.trajectory.shape == (3, problem.dim)
    with pytest.raises(LandscapeError, match="lacks parameter weight"):
        build(
            dict(
                model=model,
                train=(x, y),
                loss=F.cross_entropy,
                points={"bad": {"bias": torch.zeros(3)}},
            )
        )


def test_a_session_keeps_the_model_reference_and_hash_never_a_pickle(tmp_path):
    from compute import default_session, load_session, save_session
    from compute import unregister_scenario as unregister_model_for_test
    from compute.sessions.model_reference import ModelNotLoaded

    path = tmp_path / "net.py"
    path.write_text(FILE)
    spec = register_model(f"{path}:make")
    session = default_session(spec.id).with_changes(params={"width": 6})
    saved = save_session(session, tmp_path / "s.json")
    text = saved.read_text()
    assert str(path) in text and '"sha256"' in text and "Linear" not in text
    unregister_model_for_test(spec.id)
    with pytest.raises(ModelNotLoaded) as missing:
        load_session(saved)
    assert missing.value.reference.source == str(path) and not missing.value.changed
    assert load_session(saved, run_models=True).params["width"] == 6  # the CLI runs it
    unregister_model_for_test(spec.id)
    path.write_text(FILE.replace("nn.Tanh()", "nn.ReLU()"))
    with pytest.raises(ModelNotLoaded) as changed:
        load_session(saved)
    assert changed.value.changed
