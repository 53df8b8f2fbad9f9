"""The network commands in a subprocess: `train --json`, `slice --out`, and one-line errors."""

import json

import numpy as np
import pytest
import torch

from compute.cli import main

from .helpers import cli

SMALL = ["--set", "dim=4", "--set", "samples=128", "--set", "test_samples=32"]


def test_scenarios_json_adds_the_networks_and_keeps_the_toys_as_they_were():
    out = cli("scenarios", "--json")
    assert out.returncode == 0
    data = {s["id"]: s for s in json.loads(out.stdout)["scenarios"]}
    networks = {k for k, s in data.items() if s.get("kind") == "network"}
    assert networks == {
        "li-yuan",
        "resnet-block",
        "li-yuan-on-resnet",
        "relaxation",
        "residual-predictor",
        "linear-residual",
        "digits-resnet",
    }
    assert "kind" not in data["shamir"] and data["shamir"]["window"] == [-3, 3, -3, 3]
    li = data["li-yuan"]
    assert "ReLU((I + W)ᵀx)" in li["formula"] and li["metric"] == "‖W − W*‖_F"
    dim = next(p for p in li["params"] if p["name"] == "dim")
    assert dim["integer"] is True and dim["default"] == 8


def test_train_json_reports_the_li_yuan_recovery():
    out = cli("train", "li-yuan", *SMALL, "--steps", "500", "--seed", "1", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert {"final_loss", "metric", "steps", "status", "curve"} <= set(data)
    assert data["status"] == "converged" and data["params"]["seed"] == 1
    assert data["metric"]["name"] == "‖W − W*‖_F"
    assert data["metric"]["initial"] > 0.3 and data["metric"]["final"] < 1e-3
    assert len(data["curve"]) == data["steps"] + 1 and data["curve"][-1] == data["final_loss"]


def test_train_diverged_run_keeps_a_finite_curve_in_valid_json():
    out = cli("train", "li-yuan", *SMALL, "--optimizer", "sgd", "--lr", "1e4", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout, parse_constant=lambda c: pytest.fail(f"non-JSON {c}"))
    assert data["status"] == "diverged"
    assert all(isinstance(v, float) for v in data["curve"])


def test_slice_writes_the_grid_plane_and_projected_trajectory(tmp_path):
    out_file = tmp_path / "slice.npz"
    out = cli(
        "slice",
        "li-yuan",
        *SMALL,
        "--plane",
        "pca",
        "--steps",
        "200",
        "--resolution",
        "9",
        "--test",
        "--json",
        "--out",
        str(out_file),
    )
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["plane"] == "pca" and sum(summary["explained_variance"]) <= 1 + 1e-9
    data = np.load(out_file)
    assert data["loss"].shape == (9, 9) and data["test_loss"].shape == (9, 9)
    assert data["a"].shape == (9,) and data["d1"].shape == (16,)
    assert data["trajectory_coords"].shape[1] == 2
    assert data["trajectory_distance"].max() >= 0
    meta = json.loads(str(data["metadata"]))
    assert meta["scenario"] == "li-yuan" and meta["training"]["steps"] > 0
    assert set(meta["references"]) == {"init", "teacher"}


def test_slice_through_three_points_marks_them(tmp_path):
    out_file = tmp_path / "points.npz"
    out = cli(
        "slice",
        "li-yuan",
        *SMALL,
        "--plane",
        "points",
        "--points",
        "init,final,teacher",
        "--steps",
        "20",
        "--resolution",
        "5",
        "--window=-0.2,1,-0.2,1",
        "--out",
        str(out_file),
    )
    assert out.returncode == 0, out.stderr
    meta = json.loads(str(np.load(out_file)["metadata"]))
    assert meta["marks"]["init"] == [0.0, 0.0] and meta["window"] == [-0.2, 1, -0.2, 1]
    a, b, dist = meta["references"]["teacher"]
    assert [a, b] == pytest.approx(meta["marks"]["teacher"], abs=1e-5) and dist < 1e-5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "nope"], "unknown network scenario"),
        (["train", "li-yuan", "--set", "dim=-3"], "outside"),
        (["train", "li-yuan", "--steps", "0"], "steps"),
        (["slice", "digits-resnet", "--plane", "points", "--out", "x.npz"], "no reference point"),
        (
            ["slice", "li-yuan", "--plane", "points", "--points", "init,teacher", "--out", "x.npz"],
            "three names",
        ),
        (["grid", "li-yuan", "--out", "x.npz"], "network scenario"),
    ],
)
def test_bad_input_is_one_line_and_exit_status_2(args, message, capsys):
    """In process (the console script is compute.cli.main; one subprocess check follows)."""
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_bad_input_from_the_console_script():
    out = cli("slice", "li-yuan", "--plane", "random", "--center", "nowhere", "--out", "x.npz")
    assert out.returncode == 2
    assert "no reference point 'nowhere'" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_cuda_without_a_gpu_is_refused_clearly():
    out = cli("train", "li-yuan", "--device", "cuda")
    assert out.returncode == 2 and "no CUDA GPU" in out.stderr
