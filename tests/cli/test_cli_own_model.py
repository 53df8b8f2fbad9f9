"""``--model FILE.py:FUNC`` on the command line: every command takes a user's model; its
spectrum against finite differences of gradients of the plain module; broken model files are
one line and exit 2 (their traceback only with ``--verbose``); ``new-model`` writes a template."""

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from compute.cli import main as cli

from .helpers import cli as console

MODEL = """
import torch
import torch.nn.functional as F
from torch import nn

def make(width: int = 4, seed: int = 0):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(5)
    x = torch.randn(64, 3, generator=gen)
    y = (x[:, 0] - x[:, 1] > 0).long()
    model = nn.Sequential(nn.Linear(3, width), nn.Tanh(), nn.Linear(width, 2))
    return dict(model=model, train=(x, y), test=(x[:16] * 2, y[:16]), loss=F.cross_entropy)
"""


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "tiny.py"
    path.write_text(MODEL)
    return f"{path}:make"


def run(capsys, *args):
    status = cli.main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def test_slice_writes_the_plane_in_parameters_to_vector_order(capsys, tmp_path, model_file):
    out = tmp_path / "s.npz"
    status, text, err = run(
        capsys,
        "slice",
        "--model",
        model_file,
        "--set",
        "width=5",
        "--plane",
        "random",
        "--resolution",
        "5",
        "--test",
        "--out",
        str(out),
        "--json",
    )
    assert status == 0, err
    assert json.loads(text)["shape"] == [5, 5]
    data = np.load(out)
    namespace: dict = {}
    exec(MODEL, namespace)
    model = namespace["make"](width=5)["model"]
    expected = torch.nn.utils.parameters_to_vector(model.parameters()).detach().numpy()
    np.testing.assert_array_equal(data["origin"], expected)
    meta = json.loads(str(data["metadata"]))
    assert meta["scenario"].startswith("model:") and meta["params"]["width"] == 5
    assert any("averages 64 training samples" in n for n in meta["evaluation"])
    assert {"loss", "accuracy", "test_loss", "test_accuracy"} <= set(data.files)


def test_train_and_critical_take_a_model(capsys, model_file):
    status, text, err = run(capsys, "train", "--model", model_file, "--steps", "60", "--json")
    assert status == 0, err
    summary = json.loads(text)
    assert summary["final_loss"] < 0.8 * summary["curve"][0]
    status, text, err = run(
        capsys, "critical", "--model", model_file, "--plane", "random", "--json"
    )
    assert status == 0, err
    assert json.loads(text)["in_plane"] is True


def _gradient(model, theta, x, y):
    """∇F at θ by writing θ into the module and calling backward (no torch.func)."""
    params = list(model.parameters())
    with torch.no_grad():
        torch.nn.utils.vector_to_parameters(theta, params)
    model.zero_grad()
    F.cross_entropy(model(x), y).backward()
    return torch.cat([p.grad.reshape(-1) for p in params])


def test_hessian_top_eigenvalues_match_finite_differences_of_the_plain_module(capsys, model_file):
    status, text, err = run(
        capsys,
        "hessian",
        "--model",
        model_file,
        "--train-steps",
        "0",
        "--top",
        "3",
        "--bottom",
        "0",
        "--method",
        "dense",
        "--json",
    )
    assert status == 0, err
    top = sorted(json.loads(text)["top"], reverse=True)
    namespace: dict = {}
    exec(MODEL, namespace)
    given = namespace["make"]()
    model = given["model"].double()
    x, y = given["train"][0].double(), given["train"][1]
    theta = torch.nn.utils.parameters_to_vector(model.parameters()).detach().clone()
    n, eps = len(theta), 1e-5
    h = torch.zeros(n, n, dtype=torch.float64)
    for j in range(n):
        e = torch.zeros(n, dtype=torch.float64)
        e[j] = eps
        h[:, j] = (_gradient(model, theta + e, x, y) - _gradient(model, theta - e, x, y)) / (
            2 * eps
        )
    expected = np.sort(np.linalg.eigvalsh(((h + h.T) / 2).numpy()))[::-1][:3]
    np.testing.assert_allclose(top, expected, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("def make(:\n", "syntax error"),
        ("def make():\n    raise KeyError('missing column')\n", "make() raised: KeyError"),
        (
            "import torch, torch.nn.functional as F\nfrom torch import nn\ndef make():\n"
            "    return dict(model=nn.Linear(2, 2), train=(torch.randn(8, 3), "
            "torch.zeros(8, dtype=torch.long)), loss=F.cross_entropy)\n",
            "running the model",
        ),
        (
            "import torch, torch.nn.functional as F\nfrom torch import nn\ndef make():\n"
            "    return dict(model=nn.Linear(3, 1), train=(torch.randn(8, 3), "
            "torch.full((8, 1), float('nan'))), loss=F.mse_loss)\n",
            "loss at the model's own parameters is nan",
        ),
    ],
)
def test_broken_model_files_are_one_line_and_exit_2(tmp_path, body, words):
    path = tmp_path / "broken.py"
    path.write_text(body)
    args = (
        "slice",
        "--model",
        f"{path}:make",
        "--plane",
        "random",
        "--out",
        str(tmp_path / "o.npz"),
    )
    proc = console(*args)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and words in proc.stderr, proc.stderr
    assert not (tmp_path / "o.npz").exists()
    if "syntax" not in words and "nan" not in words:
        verbose = console("--verbose", *args)
        assert verbose.returncode == 2 and "Traceback" in verbose.stderr


def test_a_scenario_and_a_model_together_are_refused(capsys, model_file, tmp_path):
    status, _, err = run(
        capsys,
        "slice",
        "li-yuan",
        "--model",
        model_file,
        "--plane",
        "random",
        "--out",
        str(tmp_path / "x.npz"),
    )
    assert status == 2 and "one of the two" in err


def test_new_model_writes_a_template_that_runs(capsys, tmp_path):
    path = tmp_path / "mine.py"
    status, _, err = run(capsys, "new-model", str(path))
    assert status == 0 and path.exists(), err
    status, _, err = run(capsys, "new-model", str(path))
    assert status == 2 and "exists" in err
    status, _, err = run(
        capsys,
        "slice",
        "--model",
        f"{path}:make",
        "--plane",
        "random",
        "--resolution",
        "3",
        "--out",
        str(tmp_path / "t.npz"),
        "--json",
    )
    assert status == 0, err
