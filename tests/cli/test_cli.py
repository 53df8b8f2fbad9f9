"""The console script in a subprocess: JSON outputs and one-line errors with exit status 2."""

import json

import numpy as np
import pytest

from .helpers import cli


def test_scenarios_json_lists_every_toy_with_formula_params_and_window():
    out = cli("scenarios", "--json")
    assert out.returncode == 0
    data = {s["id"]: s for s in json.loads(out.stdout)["scenarios"]}
    assert {"shamir", "factorization", "psd-factorization", "activation", "deep-linear"} <= set(
        data
    )
    assert data["shamir"]["params"][0]["name"] == "eps"
    assert "½" in data["shamir"]["formula"] and len(data["shamir"]["window"]) == 4
    assert data["activation"]["params"][0]["choices"][:3] == ["relu", "square", "sigmoid"]


def test_critical_json_reports_the_shamir_saddle():
    out = cli("critical", "shamir", "--set", "eps=0.5", "--window=-3,3,-4,2", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["scenario"] == "shamir"
    saddles = [p for p in data["points"] if p["kind"] == "saddle"]
    assert len(saddles) == 1
    s = saddles[0]
    np.testing.assert_allclose(s["point"], [0, -2], atol=1e-9)
    assert s["loss"] == pytest.approx(0.5) and s["on_boundary"] is False
    np.testing.assert_allclose(s["hessian_eigenvalues"], [-0.5, 0.5], atol=1e-9)
    assert {"point", "loss", "grad_norm", "hessian_eigenvalues", "kind", "on_boundary"} <= set(s)
    assert len(data["points"]) == 3  # the saddle and the two branches of minima, each once


def test_critical_with_ball_reports_boundary_points():
    out = cli("critical", "shamir", "--constraint", "ball:2", "--json")
    points = json.loads(out.stdout)["points"]
    boundary = [p for p in points if p["on_boundary"]]
    assert boundary and all(abs(np.linalg.norm(p["point"]) - 2) < 1e-9 for p in boundary)
    assert any(p["kind"] == "minimum" and p["point"][0] < 0 for p in boundary)


def test_descend_json_converges_with_trajectory():
    out = cli(
        "descend",
        "factorization",
        "--start=-1.5,-0.2",
        "--optimizer",
        "momentum",
        "--lr",
        "0.02",
        "--steps",
        "3000",
        "--json",
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["status"] == "converged"
    u, v = data["final_point"]
    assert u * v == pytest.approx(1.0, abs=1e-6)
    assert data["trajectory"][0] == [-1.5, -0.2] and data["trajectory"][-1] == data["final_point"]
    assert len(data["trajectory"]) == data["steps"] + 1


def test_descend_reports_divergence():
    out = cli("descend", "shamir", "--start=-1.5,-1", "--lr", "10", "--json")
    data = json.loads(out.stdout)
    assert out.returncode == 0 and data["status"] == "diverged"
    assert np.isfinite(np.array(data["trajectory"])).all()


def test_grid_writes_npz_with_axes_fields_and_metadata(tmp_path):
    path = tmp_path / "grid.npz"
    out = cli(
        "grid",
        "shamir",
        "--l2",
        "0.1",
        "--window=-2,2,-3,1",
        "--resolution",
        "33",
        "--out",
        str(path),
    )
    assert out.returncode == 0, out.stderr
    with np.load(path) as z:
        assert z["loss"].shape == (33, 33) and z["x"][0] == -2 and z["y"][-1] == 1
        for field in ("grad_norm", "hess_min", "hess_max"):
            assert z[field].shape == (33, 33)
        assert (z["hess_min"] <= z["hess_max"]).all()
        meta = json.loads(str(z["metadata"]))
    assert meta["scenario"] == "shamir" and meta["modes"]["l2"] == 0.1


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["grid", "nope", "--out", "x.npz"], "unknown scenario"),
        (["critical", "shamir", "--set", "bogus=1"], "no parameter"),
        (["critical", "shamir", "--constraint", "ball:0"], "positive"),
        (["critical", "shamir", "--constraint", "ball:-2"], "positive"),
        (["critical", "shamir", "--window=3,1,0,1"], "xmin < xmax"),
        (["grid", "shamir", "--resolution", "0", "--out", "x.npz"], "resolution"),
        (["grid", "shamir", "--resolution", "100000", "--out", "x.npz"], "resolution"),
        (["descend", "shamir", "--start=nan,1"], "finite"),
        (["descend", "shamir", "--start=1"], "needs 2 numbers (w, v)"),
        (["descend", "shamir", "--start", "-1,1"], "= form"),
        (["descend", "shamir", "--start=1,1", "--lr", "-1"], "learning rate"),
        (["critical", "shamir", "--l2", "nan"], "L2"),
        (["critical", "shamir", "--set", "eps=inf"], "finite"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_errors_are_one_readable_line_with_exit_2(args, needle):
    out = cli(*args)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in out.stderr


def test_non_psd_m_warns_once_on_stderr_and_in_the_json():
    out = cli("critical", "psd-factorization", "--set", "m11=-1", "--set", "m12=0", "--json")
    assert out.returncode == 0, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("landscape-explorer: warning: M = [[-1, 0]")
    (warning,) = json.loads(out.stdout)["warnings"]
    assert "λ_min = -1" in warning and "⪰ 0" in warning
    fine = cli("critical", "psd-factorization", "--json")
    assert fine.stderr == "" and json.loads(fine.stdout)["warnings"] == []
