"""``landscape-explorer hessian``: closed forms of the seeds, dense references, one-line errors.

Run in-process through ``compute.cli.main.main``, and once through the console script."""

import json

import numpy as np
import pytest
import torch
from torch.func import grad, jacrev

from compute.cli import main as cli
from compute.scenarios import build_problem

from .helpers import cli as console


@pytest.fixture
def run(capsys):
    """``run(*args) -> (status, stdout, stderr)`` of ``landscape-explorer hessian ARGS``."""

    def call(*args):
        status = cli.main(["hessian", *args])
        out, err = capsys.readouterr()
        return status, out, err

    return call


@pytest.mark.parametrize("eps", [0.25, 2.0])
def test_shamir_saddle_has_eigenvalues_plus_minus_eps(run, eps):
    """Seed 001, Example 1: the Hessian of ½(w(1 + εv) − 1)² at (0, −1/ε) is [[0, −ε], [−ε, 0]]."""
    status, out, err = run("shamir", "--set", f"eps={eps}", f"--at=0,{-1 / eps}", "--json")
    assert status == 0 and err == ""
    data = json.loads(out)
    assert data["top"] == pytest.approx([eps], rel=1e-12)
    assert data["bottom"] == pytest.approx([-eps], rel=1e-12)
    assert data["converged"] is True and max(data["residuals"]["top"]) < 1e-12
    assert data["point"]["theta"] == pytest.approx([0.0, -1 / eps])
    assert data["point"]["grad_norm"] == pytest.approx(0.0, abs=1e-12)  # a critical point
    assert {"hvp_count", "trace", "density", "scenario", "matrix"} <= set(data)


@pytest.mark.parametrize("y", [-1.5, 0.5])
def test_factorization_origin_has_eigenvalues_plus_minus_two_y(run, y):
    """Seed 004 §5.3.1: (y − uv)² has Hessian [[0, −2y], [−2y, 0]] at the origin; --l2 adds λ."""
    status, out, _ = run("factorization", "--set", f"y={y}", "--at=0,0", "--trace", "--json")
    assert status == 0
    data = json.loads(out)
    assert data["top"] == pytest.approx([2 * abs(y)], rel=1e-12)
    assert data["bottom"] == pytest.approx([-2 * abs(y)], rel=1e-12)
    assert data["trace"]["estimate"] == pytest.approx(0.0, abs=1e-12)  # exact for n = 2
    status, out, _ = run("factorization", "--set", f"y={y}", "--at=0,0", "--l2", "0.3", "--json")
    data = json.loads(out)
    assert data["top"] == pytest.approx([2 * abs(y) + 0.3], rel=1e-12)
    assert data["bottom"] == pytest.approx([-2 * abs(y) + 0.3], rel=1e-12)


def test_li_yuan_agrees_with_dense_and_an_independent_hessian(run, tmp_path):
    """Lanczos against --method dense (to 1e-6 relative) at a point saved with --at-file, and
    both against eigvalsh of the Hessian assembled column by column (float64)."""
    problem = build_problem("li-yuan", {"samples": 256}).to(dtype=torch.float64)
    gen = torch.Generator().manual_seed(3)
    theta = problem.init + 0.3 * torch.randn(problem.dim, dtype=torch.float64, generator=gen)
    path = tmp_path / "theta.npy"
    np.save(path, theta.numpy())
    common = ("li-yuan", "--set", "samples=256", "--at-file", str(path), "--top", "4")
    common += ("--bottom", "3", "--tol", "1e-10")
    results = {}
    for method in ("lanczos", "dense"):
        status, out, err = run(*common, "--method", method, "--json")
        assert status == 0, err
        results[method] = json.loads(out)
    status, out, _ = run(*common)
    assert status == 0 and "λ =" in out and "products" in out  # the readable listing
    lan, den = results["lanczos"], results["dense"]
    np.testing.assert_allclose(lan["top"], den["top"], rtol=1e-6)
    np.testing.assert_allclose(lan["bottom"], den["bottom"], rtol=1e-6)
    ref = np.linalg.eigvalsh(jacrev(grad(problem.loss))(theta).numpy())
    np.testing.assert_allclose(den["top"], ref[::-1][:4], rtol=1e-9)
    np.testing.assert_allclose(lan["bottom"], ref[:3], rtol=1e-6)
    assert lan["converged"] and lan["hvp_count"] <= problem.dim + 1


def test_trained_network_ggn_is_psd_and_block_is_smaller(run):
    """The GGN has no negative eigenvalues; a block's operator has the block's size."""
    args = ("residual-predictor", "--set", "samples=128", "--train-steps", "30")
    status, out, err = run(*args, "--matrix", "ggn", "--bottom", "2", "--json")
    assert status == 0, err
    data = json.loads(out)
    assert min(data["bottom"]) > -1e-6 * max(data["top"])
    assert data["point"]["train_steps"] == 30 and data["matrix"] == "ggn"
    status, out, err = run(*args, "--block", "w,V", "--top", "2", "--bottom", "1", "--json")
    data = json.loads(out)
    assert status == 0 and data["size"] == 8 + 8 * 16 and data["block"] == ["w", "V"]


def test_sopsp_reports_both_conditions(run):
    """Seed 001, Definition 1 at θ₀ of the residual predictor with μ₂ given: the verdict is
    the two inequalities the report states."""
    args = ("residual-predictor", "--set", "samples=128", "--train-steps", "0")
    status, out, err = run(*args, "--sopsp", "0.5", "--mu2", "2", "--top", "1", "--json")
    assert status == 0, err
    s = json.loads(out)["sopsp"]
    assert s["threshold"] == pytest.approx(-np.sqrt(2 * 0.5))
    ok = s["grad_norm"] <= s["eps"] and s["lambda_min"] >= s["threshold"]
    assert s["is_sopsp"] is ok and s["blocks"] == ["w", "V"]


@pytest.mark.parametrize(
    "args, words",
    [
        (("shamir",), "--at"),
        (("shamir", "--at=1,2,3"), "2 parameters"),
        (("shamir", "--at=0,1", "--matrix", "ggn"), "toy"),
        (("shamir", "--at=0,1", "--block", "w"), "toy"),
        (("shamir", "--at=0,1", "--top", "0", "--bottom", "0"), "at least one"),
        (("shamir", "--at=0,1", "--train-steps", "5"), "toy"),
        (("li-yuan", "--at=0,1"), "--at-file"),
        (("li-yuan", "--train-steps", "0", "--block", "nope"), "nope"),
        (("li-yuan", "--train-steps", "0", "--samples", "999999"), "samples"),
        (("li-yuan", "--at-file", "/nonexistent.npy"), "cannot read"),
        (("li-yuan", "--train-steps", "0", "--sopsp", "0.1"), "residual"),
        (("nope",), "nope"),
        (("shamir", "--at=0,1", "--method", "magic"), "magic"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(run, args, words):
    status, out, err = run(*args)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("landscape-explorer: error:"), err
    assert words in err


def test_console_script(tmp_path):
    """The installed command: shamir's saddle (0, −1/ε) for ε = 0.1 has eigenvalues ±0.1."""
    done = console("hessian", "shamir", "--set", "eps=0.1", "--at=0,-10", "--json")
    assert done.returncode == 0 and done.stderr == ""
    assert json.loads(done.stdout)["top"] == pytest.approx([0.1], rel=1e-12)
    bad = console("hessian", "shamir")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
