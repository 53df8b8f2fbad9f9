"""``landscape-explorer connect``: one run per method through the console script, JSON and
output files checked against closed forms; bad input is one line and exit 2."""

import json
from pathlib import Path

import numpy as np
import pytest

from .helpers import cli


def _json(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_line_on_factorization_is_the_formula():
    out = _json(cli("connect", "factorization", "--from=1,1", "--to=-1,-1", "--json"))
    s = 1 - 2 * np.asarray(out["profile"]["t"])
    np.testing.assert_allclose(out["profile"]["loss"], (1 - s * s) ** 2, atol=1e-12)
    assert out["barrier"] == pytest.approx(1.0)
    assert out["saddle"]["index"] == 1
    np.testing.assert_allclose(out["saddle"]["theta"], [0, 0], atol=1e-12)


def test_neb_on_shamir_with_l2_finds_the_saddle_and_writes_the_path(tmp_path):
    target = tmp_path / "band.npz"
    out = _json(
        cli(
            "connect",
            "shamir",
            "--l2",
            "0.2",
            "--from=0.6723309,0.3378716",
            "--to=-1.0412499,-1.6550763",
            "--method",
            "neb",
            "--images",
            "9",
            "--json",
            "--out",
            str(target),
        )
    )
    assert out["converged"] and out["method"] == "neb"
    np.testing.assert_allclose(out["saddle"]["theta"], [-0.21036937, -1.04245301], atol=1e-6)
    assert out["saddle"]["index"] == 1
    assert out["barrier"] == pytest.approx(0.6042054217 - 0.4328786902, abs=1e-6)
    saved = np.load(target)
    assert saved["nodes"].shape == (11, 2)
    np.testing.assert_allclose(saved["profile_loss"], out["profile"]["loss"])


def test_bezier_on_factorization_crosses_between_the_branches_no_lower_than_y2(tmp_path):
    """Any path from one branch of uv = 1 to the other crosses an axis, where F = y² = 1: the
    barrier is at least 1 (reached through the saddle at 0); the trained curve gets closer
    to it than the straight line does."""
    ends = ("--from=2,0.5", "--to=-0.25,-4")
    line = _json(cli("connect", "factorization", *ends, "--json"))
    target = tmp_path / "curve.json"
    out = _json(
        cli(
            "connect",
            "factorization",
            *ends,
            "--method",
            "bezier",
            "--steps",
            "300",
            "--json",
            "--out",
            str(target),
        )
    )
    assert 1 - 1e-9 <= out["barrier"] < line["barrier"]
    saved = json.loads(target.read_text())
    assert len(saved["nodes"]) == len(saved["profile"]["t"]) == 33
    np.testing.assert_allclose(saved["nodes"][0], [2, 0.5])


def test_aligned_line_on_resnet_block():
    out = _json(
        cli(
            "connect",
            "resnet-block",
            "--from",
            "teacher",
            "--to",
            "init",
            "--method",
            "aligned",
            "--json",
        )
    )
    prov = out["provenance"]
    assert prov["aligned_distance"] <= prov["raw_distance"]
    assert "permutations" in prov["alignment"]
    assert len(out["saddle"]["theta"]) == 2 * 8 * 8  # W₁ (d, h), W₂ (h, d) with d = h = 8
    assert isinstance(out["saddle"]["index"], int)
    assert out["barrier"] == pytest.approx(out["highest"] - max(out["end_losses"]))


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("shamir", "--from=1,2", "--to=1,2"), "same point"),
        (("shamir", "--from=1,2,3", "--to=1,2"), "parameters"),
        (("shamir", "--from=1,2", "--to=0,0", "--method", "aligned"), "symmetry"),
        (("shamir", "--from=1,2", "--to=0,0", "--method", "walk"), "invalid choice"),
        (("shamir", "--from=1,2", "--to=0,0", "--images", "0"), "images"),
        (("shamir", "--from=1,2", "--to=0,0", "--out", "path.txt"), ".npz"),
        (("resnet-block", "--from", "teacher", "--to", "elsewhere"), "no reference point"),
        (("resnet-block", "--from", "final:x", "--to", "init"), "final:S"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, needle):
    result = cli("connect", *args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], result.stderr


BN_EXAMPLE = Path(__file__).resolve().parents[2] / "resources/examples/digits_bn_cnn.py"


@pytest.mark.parametrize(
    ("option", "words"),
    [("recompute", "recomputed at each image"), ("centre", "the centre's running statistics")],
)
def test_a_batchnorm_model_s_profile_says_how_its_statistics_were_treated(option, words):
    """digits_bn_cnn (a few samples and training steps): the provenance of the path's profile
    names the BatchNorm option it was evaluated with."""
    out = _json(
        cli(
            "connect",
            "--model",
            f"{BN_EXAMPLE}:make",
            *("--set", "eval_samples=64", "--set", "train_steps=5", "--set", f"batchnorm={option}"),
            *("--from", "init", "--to", "final", "--train-steps", "5", "--points", "3", "--json"),
        )
    )
    assert words in out["provenance"]["normalisation"]
    assert len(out["profile"]["loss"]) == 3 and out["params"]["batchnorm"] == option


def test_a_network_without_normalisation_says_so():
    out = _json(
        cli("connect", "li-yuan", "--from", "init", "--to", "teacher", "--points", "3", "--json")
    )
    assert out["provenance"]["normalisation"].startswith("none")
