"""``--scheduler`` and ``--resume`` on the command line: bad addresses are one line and exit 2
before anything is built; a local cluster's slice equals the in-process one; a partial grid of
another run is refused."""

import json

import numpy as np
import pytest

from tests.cli.helpers import cli

pytest.importorskip("distributed")

BASE = ("slice", "digits-resnet", "--set", "width=8", "--set", "blocks=2", "--plane", "random")


@pytest.mark.parametrize(
    ("address", "says"),
    [
        ("tcp://nowhere", "is not an address: use local:N"),
        ("local:0", "a local cluster has 1 to 256 workers"),
        ("http://127.0.0.1:8786", "is not an address"),
        ("tcp://127.0.0.1:99999", "the port must be 1 to 65535"),
    ],
)
def test_a_bad_scheduler_address_is_one_line_and_exit_2(tmp_path, address, says):
    r = cli(*BASE, "--out", str(tmp_path / "s.npz"), "--scheduler", address)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and says in r.stderr
    assert not (tmp_path / "s.npz").exists()


@pytest.mark.slow
def test_an_unreachable_scheduler_is_one_line_and_exit_2(tmp_path):
    r = cli(*BASE, "--out", str(tmp_path / "s.npz"), "--scheduler", "tcp://127.0.0.1:1")
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().endswith(")") or "cannot reach the Dask scheduler" in r.stderr
    assert (
        r.stderr.count("\n") == 1
        and "cannot reach the Dask scheduler at tcp://127.0.0.1:1" in r.stderr
    )


@pytest.mark.slow
def test_slice_on_a_local_cluster_equals_in_process_and_refuses_a_foreign_partial(tmp_path):
    here, there = tmp_path / "here.npz", tmp_path / "there.npz"
    r1 = cli(*BASE, "--resolution", "9", "--out", str(here))
    r2 = cli(*BASE, "--resolution", "9", "--out", str(there), "--scheduler", "local:2", "--json")
    assert r1.returncode == 0 and r2.returncode == 0, r1.stderr + r2.stderr
    assert json.loads(r2.stdout)["scheduler"] == "local:2"
    with np.load(here) as a, np.load(there) as b:
        assert np.array_equal(a["loss"], b["loss"]) and np.array_equal(a["accuracy"], b["accuracy"])
    # a file that is not a partial grid of this run is refused, not mixed in
    (tmp_path / "here.partial.npz").write_bytes((tmp_path / "here.npz").read_bytes())
    r3 = cli(*BASE, "--resolution", "9", "--out", str(here), "--resume")
    assert r3.returncode == 2 and "cannot read the partial grid" in r3.stderr
