"""The reference tool's files and VTK, both ways: round trips, the tool's own reading code run on
our files, files written in its layout by hand, and refusals of files that do not match."""

import json

import h5py
import numpy as np
import pytest
import torch

from compute.errors import LandscapeError
from compute.formats.directions import (
    plane_from_directions,
    read_reference_directions,
    write_reference_directions,
)
from compute.formats.imported import is_surface_file, load_surface, save_surface
from compute.formats.reference import (
    read_reference_surface,
    reference_fields,
    write_reference_surface,
)
from compute.formats.surface import Surface, SurfacePath, surface_heights
from compute.scenarios import build_problem

SMALL_NET = {"width": 8, "blocks": 1}


def bowl(x, y):
    """An analytic surface, so every value read back has an independent answer."""
    return 1.0 + (x[None, :] - 0.3) ** 2 + 2.0 * (y[:, None] + 0.1) ** 2


@pytest.fixture(scope="module")
def grid():
    x = np.linspace(-1.0, 1.0, 7)  # nx ≠ ny: orientation mistakes cannot hide
    y = np.linspace(-2.0, 2.0, 5)
    return x, y


@pytest.fixture(scope="module")
def surface(grid):
    x, y = grid
    loss = bowl(x, y)
    values = {"loss": loss, "accuracy": np.clip(1 - loss / 20, 0, 1), "test_loss": loss + 0.5}
    path = SurfacePath("run", "#E69F00", np.array([[x[1], y[1]], [x[3], y[2]], [x[5], y[4]]]))
    return Surface(x, y, reference_fields(values), (path,), {"scenario": "bowl"})


def test_h5_round_trip_is_exact_and_uses_the_tools_names_and_units(tmp_path, surface, grid):
    x, y = grid
    target = write_reference_surface(tmp_path / "s.h5", surface, dir_file="s.directions.h5")
    back = read_reference_surface(target)
    np.testing.assert_array_equal(back.x, x)
    np.testing.assert_array_equal(back.y, y)
    assert list(back.fields) == ["train_loss", "train_acc", "test_loss"]
    np.testing.assert_array_equal(back.fields["train_loss"], bowl(x, y))
    np.testing.assert_allclose(back.fields["train_acc"], 100 * np.clip(1 - bowl(x, y) / 20, 0, 1))
    assert back.meta["scenario"] == "bowl" and back.meta["dir_file"] == "s.directions.h5"
    with h5py.File(target) as f:
        assert f["train_loss"].dtype == np.float64 and f["xcoordinates"].dtype == np.float64


def test_the_reference_tools_plot_2d_reading_code_runs_on_our_file(tmp_path, surface):
    """plot_2D.plot_2d_contour's loading and contouring lines and h52vtp.h5_to_vtp's reading
    lines, as written in tomgoldstein/loss-landscape, on our file (nx ≠ ny)."""
    from matplotlib.figure import Figure

    surf_file = str(write_reference_surface(tmp_path / "s.h5", surface))
    # --- plot_2D.plot_2d_contour(surf_file, surf_name='train_loss') ---
    surf_name = "train_loss"
    f = h5py.File(surf_file, "r")
    x = np.array(f["xcoordinates"][:])
    y = np.array(f["ycoordinates"][:])
    X, Y = np.meshgrid(x, y)
    assert surf_name in f.keys()  # noqa: SIM118  (the tool's own line)
    Z = np.array(f[surf_name][:])
    fig = Figure()
    CS = fig.add_subplot().contour(X, Y, Z, cmap="summer", levels=np.arange(0.1, 10, 0.5))
    assert len(CS.levels) > 0
    f.close()
    # --- h52vtp.h5_to_vtp(surf_file, surf_name='train_loss') ---
    f = h5py.File(surf_file, "r")
    [xcoordinates, ycoordinates] = np.meshgrid(f["xcoordinates"][:], f["ycoordinates"][:][:])
    vals = f[surf_name]
    x_array, y_array, z_array = xcoordinates[:].ravel(), ycoordinates[:].ravel(), vals[:].ravel()
    np.testing.assert_allclose(z_array, 1 + (x_array - 0.3) ** 2 + 2 * (y_array + 0.1) ** 2)
    # --- plot_1D.plot_1d_loss_err / plot_surface.crunch: every key they expect ---
    assert {"xcoordinates", "ycoordinates", "train_loss", "train_acc", "test_loss"} <= set(f)
    f.close()


def write_like_the_tool(path, x, y, fn, computed=None):
    """A surface file exactly as plot_surface.py writes one: setup_surface_file (dir_file,
    linspace coordinates), crunch (losses of shape (len(x), len(y)) from -ones, filled at the
    flat indices of np.meshgrid(x, y), accuracies in percent)."""
    f = h5py.File(path, "a")
    f["dir_file"] = "model_300.t7_weights_xignore=biasbn_xnorm=filter.h5"
    f["xcoordinates"] = x
    f["ycoordinates"] = y
    shape = (len(x), len(y))
    losses, accuracies = -np.ones(shape=shape), -np.ones(shape=shape)
    xcoord_mesh, ycoord_mesh = np.meshgrid(x, y)
    inds = np.array(range(losses.size)) if computed is None else computed
    for ind in inds:
        cx, cy = xcoord_mesh.ravel()[ind], ycoord_mesh.ravel()[ind]
        losses.ravel()[ind] = fn(cx, cy)
        accuracies.ravel()[ind] = 100.0 * 0.5
    f["train_loss"] = losses
    f["train_acc"] = accuracies
    f.close()


def test_a_file_written_in_the_tools_layout_imports_with_its_values(tmp_path):
    x, y = np.linspace(-1, 1, 6), np.linspace(-0.5, 1.5, 4)
    path = tmp_path / "ref.h5"
    write_like_the_tool(path, x, y, lambda a, b: 1 + (a - 0.3) ** 2 + 2 * (b + 0.1) ** 2)
    s = read_reference_surface(path)
    np.testing.assert_array_equal(s.x, x)
    np.testing.assert_allclose(s.values("train_loss"), bowl(x, y))  # row j at y[j]
    np.testing.assert_array_equal(s.values("train_acc"), np.full((4, 6), 50.0))
    assert s.meta["dir_file"].startswith("model_300") and len(s.meta["sha256"]) == 64
    # the session-like surface file keeps the values and is read strictly
    saved = save_surface(tmp_path / "imported.json", s)
    assert is_surface_file(saved)
    back = load_surface(saved)
    np.testing.assert_array_equal(back.values("train_loss"), s.values("train_loss"))


def test_points_the_tool_has_not_computed_import_as_nan(tmp_path):
    x = y = np.linspace(-1, 1, 4)
    path = tmp_path / "partial.h5"
    write_like_the_tool(path, x, y, lambda a, b: 2 + a + b, computed=[0, 1, 2, 5])
    s = read_reference_surface(path)
    loss = s.values("train_loss")
    assert np.isfinite(loss).sum() == 4 and s.meta["not_computed"] == {"train_loss": 12}
    assert loss.ravel()[5] == 2 + x[1] + y[1]
    saved = save_surface(tmp_path / "partial.json", s)
    assert np.isnan(load_surface(saved).values("train_loss")).sum() == 12  # null in JSON


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_text("not hdf5"), "not an HDF5 file"),
        (lambda p: h5py.File(p, "w").create_dataset("xcoordinates", data=[0.0, 1.0]), "1-D"),
        (
            lambda p: h5py.File(p, "w").create_dataset("train_loss", data=[0.0, 1.0]),
            "not a surface",
        ),
    ],
)
def test_bad_surface_files_are_refused_in_one_line(tmp_path, make, message):
    path = tmp_path / "bad.h5"
    make(path)
    with pytest.raises(LandscapeError, match=message) as err:
        read_reference_surface(path)
    assert "\n" not in str(err.value)


def test_surface_file_refuses_unknown_fields_and_ragged_rows(tmp_path, surface):
    good = json.loads((save_surface(tmp_path / "s.json", surface)).read_text())
    for change, message in (
        ({"extra": 1}, "unknown field 'extra'"),
        ({"version": 99}, "version 99"),
        ({"fields": {"train_loss": [[1.0, 2.0]] * 5}}, "needs 7 values"),
    ):
        path = tmp_path / "bad.json"
        path.write_text(json.dumps(good | change))
        with pytest.raises(LandscapeError, match=message):
            load_surface(path)


def test_surface_heights_are_bilinear_and_nan_outside(grid):
    x, y = grid
    values = bowl(x, y)
    at_nodes = np.array([[x[2], y[1]], [x[6], y[4]]])
    np.testing.assert_allclose(
        surface_heights(x, y, values, at_nodes), [values[1, 2], values[4, 6]]
    )
    mid = np.array([[(x[0] + x[1]) / 2, (y[0] + y[1]) / 2]])
    corners = values[0, 0] + values[0, 1] + values[1, 0] + values[1, 1]
    np.testing.assert_allclose(surface_heights(x, y, values, mid), [corners / 4])
    assert np.isnan(surface_heights(x, y, values, np.array([[5.0, 0.0]])))[0]


# directions ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def net():
    return build_problem("digits-resnet", SMALL_NET)


def test_directions_round_trip_per_block_in_the_tools_layout(tmp_path, net):
    layout = net.layout
    gen = torch.Generator().manual_seed(0)
    d1 = torch.randn(net.dim, generator=gen, dtype=torch.float64)
    d2 = torch.randn(net.dim, generator=gen, dtype=torch.float64)
    path = write_reference_directions(tmp_path / "d.h5", d1, d2, layout)
    # the tool's reader: net_plotter.load_directions / h5_util.read_list, then
    # projection.nplist_to_tensor concatenates them in parameter order
    f = h5py.File(path, "r")
    xdirection = [f["xdirection"][str(i)] for i in range(len(f["xdirection"]))]
    flat = torch.cat([torch.tensor(d * np.float64(1.0)).view(-1) for d in xdirection])
    for d, block in zip(xdirection, layout.blocks, strict=True):
        assert d.shape == block.shape
    f.close()
    np.testing.assert_allclose(flat.numpy(), d1.numpy(), rtol=1e-6)  # float32 in the file
    r1, r2 = read_reference_directions(path, layout)
    np.testing.assert_allclose(r2, d2.numpy(), rtol=1e-6)
    plane = plane_from_directions(net, path)
    assert plane.kind == "directions"
    torch.testing.assert_close(plane.origin, net.init.to(plane.origin.dtype))
    np.testing.assert_allclose(plane.d1.double().numpy(), r1, rtol=1e-6)


def test_directions_of_another_model_are_refused_by_shape(tmp_path, net):
    other = build_problem("digits-resnet", SMALL_NET | {"width": 6})
    path = write_reference_directions(
        tmp_path / "d.h5", torch.ones(other.dim), torch.ones(other.dim), other.layout
    )
    with pytest.raises(LandscapeError, match=r"tensor 0 of xdirection .* has shape \(6, 64\)"):
        plane_from_directions(net, path)
    deeper = build_problem("digits-resnet", SMALL_NET | {"blocks": 2})
    path = write_reference_directions(
        tmp_path / "d2.h5", torch.ones(deeper.dim), torch.ones(deeper.dim), deeper.layout
    )
    with pytest.raises(
        LandscapeError, match="has 12 parameter tensors in xdirection, digits-resnet has 8"
    ):
        plane_from_directions(net, path)
    one = write_reference_directions(
        tmp_path / "one.h5", torch.ones(net.dim), torch.ones(net.dim), net.layout
    )
    with h5py.File(one, "a") as f:
        del f["ydirection"]  # what the tool writes for a 1-D plot
    with pytest.raises(LandscapeError, match="1-D direction file"):
        plane_from_directions(net, tmp_path / "one.h5")


# VTK -----------------------------------------------------------------------------------------
def test_vts_reads_back_with_pyvista_point_data_and_heights_equal(tmp_path, surface, grid):
    pv = pytest.importorskip("pyvista")  # installed by make (extra "vtk")
    from compute.formats.vtk import write_vtk

    x, y = grid
    mesh = pv.read(write_vtk(tmp_path / "s.vts", surface, "train_loss"))
    assert tuple(mesh.dimensions) == (7, 5, 1)
    np.testing.assert_allclose(mesh.point_data["train_loss"], bowl(x, y).ravel())
    xx, yy = np.meshgrid(x, y)
    np.testing.assert_allclose(mesh.points[:, 0], xx.ravel())
    np.testing.assert_allclose(mesh.points[:, 1], yy.ravel())
    np.testing.assert_allclose(mesh.points[:, 2], bowl(x, y).ravel())


def test_vtp_has_the_surface_as_quads_and_the_path_as_a_line_on_it(tmp_path, surface, grid):
    pv = pytest.importorskip("pyvista")
    from compute.formats.vtk import write_vtk

    x, y = grid
    mesh = pv.read(write_vtk(tmp_path / "s.vtp", surface, "train_loss"))
    assert mesh.n_cells == 6 * 4 + 1  # 24 quads and one line
    on_path = mesh.point_data["run"] == 0
    path_points = mesh.points[on_path]
    np.testing.assert_allclose(path_points[:, :2], surface.paths[0].points)
    loss = bowl(x, y)
    np.testing.assert_allclose(path_points[:, 2], [loss[1, 1], loss[2, 3], loss[4, 5]])
    assert mesh.lines.tolist() == [3, *np.flatnonzero(on_path).tolist()]
    np.testing.assert_allclose(mesh.point_data["train_loss"][~on_path], loss.ravel())
