"""Scenarios are plug-ins: a toy and a network registered from inside this test are listed by
the command line and every command runs on them; nothing in compute/ names them."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from compute import ParamSpec, ToySpec, register_scenario, unregister_scenario
from compute.cli import main as cli
from compute.networks.datasets import Dataset
from compute.networks.models import li_yuan
from compute.networks.problem import NetworkProblem
from compute.scenarios.networks import NetworkSpec

ROOT = Path(__file__).resolve().parents[2]


def bowl(a: float):
    """F(p, q) = a p² + (q − 1)² (a > 0): one minimum at (0, 1), Hessian diag(2a, 2)."""
    return lambda t: a * t[..., 0] ** 2 + (t[..., 1] - 1) ** 2


def tiny_network(samples: int, seed: int) -> NetworkProblem:
    gen = torch.Generator().manual_seed(seed)
    model = li_yuan(3)
    x = torch.randn(samples, 3, generator=gen)
    teacher = 0.3 * torch.randn(9, generator=gen)
    with torch.no_grad():
        y = model.forward(model.layout.unflatten(teacher), x)
    init = 0.1 * torch.randn(9, generator=gen)
    data = Dataset(x, y, x[:8], y[:8])
    return NetworkProblem("plug-net", {}, model, data, init, {"init": init, "teacher": teacher})


TOY = ToySpec(
    "plug-bowl",
    "A bowl registered by a test",
    "F(p, q) = a p² + (q − 1)²",
    "none",
    ("p", "q"),
    (-2.0, 2.0, -2.0, 2.0),
    bowl,
    (ParamSpec("a", 3.0, "curvature along p", 0.01, 100.0, span=(0.1, 5.0)),),
)
NET = NetworkSpec(
    "plug-net",
    "A network registered by a test",
    "f(x) = ‖ReLU((I + W)ᵀx)‖₁",
    "none",
    None,
    tiny_network,
    (
        ParamSpec("samples", 64, "samples", 8, 1000, integer=True),
        ParamSpec("seed", 0, "seed", 0, 100, integer=True),
    ),
)


@pytest.fixture(scope="module", autouse=True)
def registered():
    register_scenario(TOY)
    register_scenario(NET)
    yield
    unregister_scenario(TOY.id)
    unregister_scenario(NET.id)


def run(capsys, *args):
    status = cli.main(list(args))
    out, err = capsys.readouterr()
    assert status == 0, err
    return out


def test_nothing_in_the_code_names_the_plug_ins():
    for folder in ("compute", "explorer"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text()
            assert "plug-bowl" not in text and "plug-net" not in text, path


def test_the_cli_lists_them(capsys):
    ids = [s["id"] for s in json.loads(run(capsys, "scenarios", "--json"))["scenarios"]]
    assert "plug-bowl" in ids and "plug-net" in ids


def test_every_command_runs_on_the_registered_toy(capsys, tmp_path):
    run(capsys, "grid", "plug-bowl", "--resolution", "9", "--out", str(tmp_path / "g.npz"))
    grid = np.load(tmp_path / "g.npz")
    p, q = np.meshgrid(grid["x"], grid["y"])
    np.testing.assert_allclose(grid["loss"], 3 * p**2 + (q - 1) ** 2, rtol=1e-12)
    points = json.loads(run(capsys, "critical", "plug-bowl", "--json"))["points"]
    assert len(points) == 1 and np.allclose(points[0]["point"], [0, 1], atol=1e-6)
    end = json.loads(
        run(
            capsys,
            "descend",
            "plug-bowl",
            "--start=1,-1",
            "--steps",
            "500",
            "--lr",
            "0.1",
            "--json",
        )
    )
    assert end["status"] == "converged" and np.allclose(end["final_point"], [0, 1], atol=1e-4)
    spectrum = json.loads(
        run(
            capsys,
            "hessian",
            "plug-bowl",
            "--set",
            "a=2",
            "--at=0.5,0",
            "--top",
            "1",
            "--bottom",
            "1",
            "--method",
            "dense",
            "--json",
        )
    )
    assert spectrum["top"][0] == pytest.approx(4.0) and spectrum["bottom"][0] == pytest.approx(2.0)


def test_every_command_runs_on_the_registered_network(capsys, tmp_path):
    out = json.loads(
        run(
            capsys,
            "slice",
            "plug-net",
            "--plane",
            "teacher",
            "--resolution",
            "5",
            "--out",
            str(tmp_path / "s.npz"),
            "--json",
        )
    )
    assert out["shape"] == [5, 5] and "teacher" in out["references"]
    trained = json.loads(run(capsys, "train", "plug-net", "--steps", "50", "--json"))
    assert trained["final_loss"] < trained["curve"][0]
    assert "distance" not in trained["metrics"]  # no teacher metrics were declared
    found = json.loads(run(capsys, "critical", "plug-net", "--plane", "random", "--json"))
    assert found["in_plane"] is True
    spectrum = json.loads(
        run(
            capsys,
            "hessian",
            "plug-net",
            "--train-steps",
            "0",
            "--top",
            "2",
            "--bottom",
            "0",
            "--json",
        )
    )
    assert len(spectrum["top"]) == 2
