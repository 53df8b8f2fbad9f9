"""slice → the reference tool's .h5 (+ directions) and VTK, import-surface, render of 3-D panels."""

import json

import h5py
import numpy as np
import pytest
import torch

from tests.cli.helpers import cli

NET = ["--set", "width=8", "--set", "blocks=1"]
pytestmark = pytest.mark.slow  # CLI start-ups (torch) add up to about 100 s


@pytest.fixture(scope="module")
def sliced(tmp_path_factory):
    folder = tmp_path_factory.mktemp("slice")
    out = cli(
        "slice", "digits-resnet", *NET, "--plane", "random", "--resolution", "5",
        "--window=-1,1,-0.5,1.5", "--test", "--json", "--out", str(folder / "s.h5"),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    return folder, json.loads(out.stdout)


def test_slice_h5_holds_the_losses_of_the_tools_plane_at_its_coordinates(sliced):
    """Independent check: θ = w + x·xdirection + y·ydirection built the tool's way
    (set_weights, from the direction file) gives the loss stored at (x, y)."""
    from compute.scenarios import build_problem

    folder, summary = sliced
    assert summary["files"] == [str(folder / "s.h5"), str(folder / "s.directions.h5")]
    f = h5py.File(folder / "s.h5", "r")
    assert {
        "xcoordinates",
        "ycoordinates",
        "train_loss",
        "train_acc",
        "test_loss",
        "test_acc",
    } <= set(f)
    assert f["dir_file"][()].decode() == "s.directions.h5"
    x, y = f["xcoordinates"][:], f["ycoordinates"][:]
    loss, acc = f["train_loss"][:], f["train_acc"][:]
    f.close()
    d = h5py.File(folder / "s.directions.h5", "r")
    dx = [d["xdirection"][str(i)][()] for i in range(len(d["xdirection"]))]
    dy = [d["ydirection"][str(i)][()] for i in range(len(d["ydirection"]))]
    d.close()
    problem = build_problem("digits-resnet", {"width": 8, "blocks": 1})
    w = problem.init.to(torch.float64)
    xx, yy = np.meshgrid(x, y)
    objective = problem.objective()
    for ind in (0, 7, 24):
        cx, cy = xx.ravel()[ind], yy.ravel()[ind]
        changes = np.concatenate([(a * cx + b * cy).ravel() for a, b in zip(dx, dy, strict=True)])
        theta = (w + torch.as_tensor(changes, dtype=torch.float64)).to(problem.dtype)
        expected = float(objective.loss(theta))
        assert loss.ravel()[ind] == pytest.approx(expected, rel=1e-4)
    assert acc.min() >= 0 and acc.max() <= 100 and acc.max() > 1  # percent, as the tool


def test_slice_along_the_tools_direction_file_reproduces_the_plane(sliced):
    folder, _ = sliced
    out = cli(
        "slice", "digits-resnet", *NET, "--directions", str(folder / "s.directions.h5"),
        "--resolution", "5", "--window=-1,1,-0.5,1.5", "--out", str(folder / "again.h5"),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    with h5py.File(folder / "s.h5") as a, h5py.File(folder / "again.h5") as b:
        np.testing.assert_allclose(b["train_loss"][:], a["train_loss"][:], rtol=1e-5)


def test_directions_of_another_model_are_refused_in_one_line(sliced):
    folder, _ = sliced
    out = cli(
        "slice", "digits-resnet", "--set", "width=6", "--directions",
        str(folder / "s.directions.h5"), "--out", str(folder / "x.h5"),
    )  # fmt: skip
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "not the same model" in out.stderr
    assert not (folder / "x.h5").exists()


def test_slice_vts_and_vtp_read_back_with_pyvista(sliced):
    pv = pytest.importorskip("pyvista")
    folder, _ = sliced
    out = cli(
        "slice", "digits-resnet", *NET, "--plane", "pca", "--steps", "30", "--resolution", "5",
        "--out", str(folder / "s.vtp"),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    mesh = pv.read(folder / "s.vtp")
    assert mesh.n_lines == 1 and (mesh.point_data["run"] == 0).sum() >= 2
    assert np.isfinite(mesh.point_data["train_loss"]).all()
    out = cli(
        "slice", "digits-resnet", *NET, "--plane", "random", "--resolution", "5",
        "--window=-1,1,-0.5,1.5", "--out", str(folder / "s.vts"),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    with h5py.File(folder / "s.h5") as f:
        np.testing.assert_allclose(
            pv.read(folder / "s.vts")["train_loss"], f["train_loss"][:].ravel()
        )


def test_import_surface_keeps_the_values_and_render_shows_them(sliced, tmp_path):
    folder, _ = sliced
    target = tmp_path / "imported.json"
    out = cli("import-surface", str(folder / "s.h5"), "--out", str(target), "--json")
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["shape"] == [5, 5] and set(summary["fields"]) >= {"train_loss", "test_acc"}
    doc = json.loads(target.read_text())
    with h5py.File(folder / "s.h5") as f:
        np.testing.assert_array_equal(np.array(doc["fields"]["train_loss"]), f["train_loss"][:])
    data = tmp_path / "map.npz"
    out = cli("render", str(target), "--panel", "map,surface", "--out", str(data))
    assert out.returncode == 0, out.stderr
    pdf = tmp_path / "surface.pdf"
    out = cli("render", str(target), "--panel", "surface", "--out", str(pdf))
    assert out.returncode == 0, out.stderr
    assert pdf.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import-surface", "missing.h5", "--out", "x.json"], "no surface file"),
        (["import-surface", __file__, "--out", "x.json"], "not an HDF5 file"),
        (["import-surface", __file__, "--out", "x.h5"], "use .json"),
        (["slice", "digits-resnet", "--out", "x.h5"], "choose a plane"),
        (["slice", "digits-resnet", "--out", "x.obj", "--plane", "random"], "use .npz, .h5"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message):
    out = cli(*args)
    assert out.returncode == 2 and message in out.stderr and out.stderr.count("\n") == 1
