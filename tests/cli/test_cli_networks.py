"""The network commands in a subprocess: `train --json`, `slice --out`, and one-line errors."""

import json

import numpy as np
import pytest
import torch

from compute.cli.main import main

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
    assert data["shamir"]["kind"] == "toy" and data["shamir"]["window"] == [-3, 3, -3, 3]
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


@pytest.mark.slow
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
    # the projected run against an independent projection of the same run, retrained here:
    # θ_t ≈ origin + a d₁ + b d₂ by least squares (numpy), the distance is the residual norm
    from compute import NETWORK_LR, RunConfig, build_problem, run_from_init

    problem = build_problem("li-yuan", {"dim": 4, "samples": 128, "test_samples": 32})
    run = run_from_init(problem, RunConfig.for_optimizer("adam", NETWORK_LR, steps=200))
    thetas = run.thetas[:, 0, :].astype(np.float64)
    basis = np.stack([data["d1"], data["d2"]], axis=1).astype(np.float64)  # (n, 2)
    rel = thetas - data["origin"].astype(np.float64)
    coords = np.linalg.lstsq(basis, rel.T, rcond=None)[0].T
    distance = np.linalg.norm(rel - coords @ basis.T, axis=1)
    assert data["trajectory_coords"].shape == coords.shape
    np.testing.assert_allclose(data["trajectory_coords"], coords, atol=2e-4)
    np.testing.assert_allclose(data["trajectory_distance"], distance, atol=2e-4)
    assert distance.max() > 1e-3 and distance.min() < 1e-5  # off the plane, through its centre
    meta = json.loads(str(data["metadata"]))
    assert meta["scenario"] == "li-yuan" and meta["training"]["steps"] > 0
    assert set(meta["marks"]) == {"init", "teacher"}


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
    assert meta["marks"]["init"] == [0.0, 0.0, 0.0] and meta["window"] == [-0.2, 1, -0.2, 1]
    a, b, dist = meta["marks"]["teacher"]
    assert a > 0 and b > 0 and dist < 1e-5  # the teacher lies in the plane through it


@pytest.mark.slow
def test_critical_on_a_slice_lists_the_in_plane_minimum_at_the_teacher():
    """The issue's example: in the plane through init, final and teacher, the in-plane
    minimum sits at the teacher, where the full-space gradient vanishes as well."""
    out = cli("critical", "li-yuan", "--seed", "0", "--plane", "points")
    out = cli(
        "critical", "li-yuan", "--seed", "0", "--plane", "points",
        "--points", "init,final,teacher", "--steps", "20", "--json",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    teacher = data["marks"]["teacher"][:2]
    assert data["in_plane"] is True
    at_teacher = [
        p for p in data["points"] if np.linalg.norm(np.subtract(p["point"], teacher)) < 1e-4
    ]
    assert [p["kind"] for p in at_teacher] == ["minimum"]
    assert at_teacher[0]["grad_norm"] < 1e-6 and at_teacher[0]["full_grad_norm"] < 1e-5


@pytest.mark.slow
def test_grid_and_descend_work_in_plane_coordinates(tmp_path):
    out_file = tmp_path / "g.npz"
    out = cli("grid", "li-yuan", *SMALL, "--resolution", "7", "--out", str(out_file))
    assert out.returncode == 0, out.stderr
    with np.load(out_file) as z:
        assert z["loss"].shape == (7, 7) and z["hess_min"].shape == (7, 7)
        assert z["a"][0] == -1 and z["d1"].shape == (16,)
        assert (z["hess_max"] >= z["hess_min"]).all()
    out = cli(
        "descend", "li-yuan", *SMALL, "--plane", "teacher", "--start=0,0",
        "--optimizer", "gd", "--lr", "0.5", "--steps", "300", "--json",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["in_plane"] is True and len(data["final_point"]) == 2
    assert data["final_point"] == pytest.approx([1.0, 0.0], abs=0.05)  # a = 1 is the teacher
    assert data["trajectory"][0] == [0.0, 0.0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "nope"], "unknown scenario"),
        (["train", "shamir"], "use descend"),
        (["train", "li-yuan", "--set", "dim=-3"], "outside"),
        (["train", "li-yuan", "--steps", "0"], "steps"),
        (["slice", "digits-resnet", "--plane", "points", "--out", "x.npz"], "no reference point"),
        (
            ["slice", "li-yuan", "--plane", "points", "--points", "init,teacher", "--out", "x.npz"],
            "three names",
        ),
        (["grid", "li-yuan", "--out", "x"], "use .npz"),
        (["grid", "shamir", "--seed", "1", "--out", "x.npz"], "no seed"),
    ],
)
def test_bad_input_is_one_line_and_exit_status_2(args, message, capsys, tmp_path, monkeypatch):
    """In process (the console script is compute.cli.main.main; one subprocess check follows)."""
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    assert not list(tmp_path.iterdir())  # nothing written
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_bad_input_from_the_console_script(tmp_path):
    out = cli(
        "slice", "li-yuan", "--plane", "random", "--center", "nowhere",
        "--out", str(tmp_path / "x.npz"),
    )  # fmt: skip
    assert out.returncode == 2
    assert "no reference point 'nowhere'" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_cuda_without_a_gpu_is_refused_clearly():
    out = cli("train", "li-yuan", "--device", "cuda")
    assert out.returncode == 2 and "no CUDA GPU" in out.stderr


def _train_json(capsys, *extra):
    args = ["train", "residual-predictor", "--set", "variant=skip", "--steps", "300", "--json"]
    assert main([*args, "--trajectory", "none", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_theorem_4_block_ball_binds_on_w_v_only_and_constrains_f_lin(capsys):
    """Shamir's Theorem 4: projected training with ‖(w, v)‖ ≤ 1 and θ = (U, c) free. Without
    the constraint ‖(w, v)‖ ends above 1; with it the projection acts (it ends at 1) while U
    grows freely, and F_lin is the best linear predictor with ‖u‖ ≤ 1."""
    free = _train_json(capsys)
    held = _train_json(capsys, "--constraint", "ball:1@w,v")

    def wv(summary):
        b = summary["block_norms"]
        return float(np.hypot(b["w"]["final"], b["v"]["final"]))

    assert wv(free) > 1.05
    assert wv(held) == pytest.approx(1.0, abs=1e-6)
    assert held["constrained_norm"]["final"] == pytest.approx(1.0, abs=1e-6)
    assert held["constrained_norm"]["initial"] < 1 and held["modes"]["constraint"] == "ball:1@w,v"
    assert held["block_norms"]["U"]["final"] > 1  # the other blocks are not constrained
    assert free["baselines"]["F_lin"] < held["baselines"]["F_lin"]
    assert held["baselines"]["F_lin (unconstrained)"] == free["baselines"]["F_lin"]
    assert held["metric"]["final"] == pytest.approx(
        held["final_loss"] - held["baselines"]["F_lin"], abs=1e-6
    )
    # ‖θ − P(θ − ∇F)‖ ≤ ‖∇F‖ for feasible θ (P is non-expansive and P(θ) = θ); equal unconstrained
    assert held["projected_grad_norm"] <= held["grad_norm"] * (1 + 1e-5)
    assert free["projected_grad_norm"] == pytest.approx(free["grad_norm"], rel=1e-5)


def test_block_names_are_checked_against_the_scenario(capsys):
    code = main(["train", "residual-predictor", "--steps", "2", "--constraint", "ball:1@w,v"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "no parameter block 'v' (blocks: w, V, U, c)" in err[0]
