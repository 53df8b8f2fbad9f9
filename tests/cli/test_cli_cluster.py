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


@pytest.mark.parametrize(
    "command",
    [
        ("hessian", "li-yuan", "--curvature-map", "{out}"),
        ("critical", "li-yuan", "--basins", "{out}"),
    ],
)
def test_grid_maps_refuse_a_bad_scheduler_in_one_line(tmp_path, command):
    out = str(tmp_path / "m.npz")
    r = cli(*(c.format(out=out) for c in command), "--scheduler", "local:0")
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "a local cluster has 1 to 256 workers" in r.stderr and not (tmp_path / "m.npz").exists()


@pytest.mark.slow
def test_curvature_map_on_a_local_cluster_equals_in_process_and_a_dense_hessian(tmp_path):
    """hessian --curvature-map: the same bits in-process and on local:2, and λ_min, λ_max at
    a cell equal the extreme eigenvalues of the dense full-space Hessian there."""
    import torch

    from compute import Modes, build_landscape
    from compute.scenarios import build_problem

    here, there = tmp_path / "here.npz", tmp_path / "there.npz"
    base = ("hessian", "li-yuan", "--resolution", "5", "--curvature-map")
    r1 = cli(*base, str(here))
    r2 = cli(*base, str(there), "--scheduler", "local:2", "--json")
    assert r1.returncode == 0 and r2.returncode == 0, r1.stderr + r2.stderr
    assert json.loads(r2.stdout)["scheduler"] == "local:2"
    with np.load(here) as a, np.load(there) as b:
        for key in ("lam_min", "lam_max", "residuals", "converged"):
            assert np.array_equal(a[key], b[key]), key
        lam_min, lam_max, axes = a["lam_min"], a["lam_max"], (a["a"], a["b"])
    landscape = build_landscape(build_problem("li-yuan"), Modes())
    loss = landscape.objective.loss
    for i, j in ((0, 0), (2, 3), (4, 1)):
        point = landscape.point(np.array([axes[0][j], axes[1][i]]))[0]
        theta = torch.as_tensor(point, dtype=landscape.objective.dtype)
        dense = torch.autograd.functional.hessian(lambda t: loss(t[None]).sum(), theta)
        eig = torch.linalg.eigvalsh(dense.double()).numpy()
        scale = np.abs(eig).max()
        assert abs(lam_min[i, j] - eig[0]) <= 1e-3 * scale
        assert abs(lam_max[i, j] - eig[-1]) <= 1e-3 * scale


@pytest.mark.slow
def test_basin_map_on_a_local_cluster_equals_in_process(tmp_path):
    here, there = tmp_path / "here.npz", tmp_path / "there.npz"
    base = ("critical", "li-yuan", "--resolution", "9", "--lr", "0.05", "--json", "--basins")
    r1 = cli(*base, str(here))
    r2 = cli(*base, str(there), "--scheduler", "local:2")
    assert r1.returncode == 0 and r2.returncode == 0, r1.stderr + r2.stderr
    one, two = json.loads(r1.stdout)["basins"], json.loads(r2.stdout)["basins"]
    assert two["scheduler"] == "local:2" and one["share"] == two["share"]
    (minimum,) = [p for p in json.loads(r1.stdout)["points"] if p["kind"] == "minimum"]
    assert one["share"][one["attractors"][0]["label"]] == 1.0  # every cell reaches it
    assert one["attractors"][0]["loss"] == pytest.approx(minimum["loss"])
    assert "within one cell" in one["note"]
    with np.load(here) as a, np.load(there) as b:
        for key in ("labels", "final_points", "steps"):
            assert np.array_equal(a[key], b[key]), key
