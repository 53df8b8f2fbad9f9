"""The reference tool's files in the window, driven as a user does: File ▸ Import ▸ Surface…
shows its surface .h5 read-only with the values as computed there (cells centred on the file's
coordinates, every field read out under the cursor, a figure exported); File ▸ Import ▸ Plane
from a direction file… puts a network's slice on exactly the file's plane (undo brings the old
one back); files that do not fit are refused in one line and nothing changes."""

from pathlib import Path

import h5py
import numpy as np
import pytest
import torch
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QFileDialog

from compute.formats.directions import write_reference_directions
from explorer.surface_window import SurfaceWindow

from .conftest import pick, wait_idle


def _like_the_tool(path: Path, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A surface file as the tool's plot_surface.py writes one (losses of shape (len(x), len(y))
    filled at the flat indices of np.meshgrid(x, y), accuracies in percent); returns the loss and
    accuracy as (ny, nx) maps computed here from the formula."""
    xx, yy = np.meshgrid(x, y)
    loss = 1.0 + (xx - 0.3) ** 2 + 2.0 * (yy + 0.1) ** 2
    acc = 100.0 * np.exp(-loss)
    with h5py.File(path, "w") as f:
        f["dir_file"] = "model_300.t7_weights_xignore=biasbn_xnorm=filter.h5"
        f["xcoordinates"], f["ycoordinates"] = x, y
        f["train_loss"] = loss.ravel().reshape(len(x), len(y))
        f["train_acc"] = acc.ravel().reshape(len(x), len(y))
    return loss, acc


def _choose_file(monkeypatch, path):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))


def _surface_window(window):
    found = window.findChildren(SurfaceWindow)
    return found[-1] if found else None


def test_a_surface_h5_of_the_tool_is_shown_with_its_values_read_out_and_exported(
    qtbot, window, monkeypatch, tmp_path
):
    x, y = np.linspace(-1.0, 1.0, 9), np.linspace(-0.5, 1.5, 5)  # nx ≠ ny, unequal cells
    loss, acc = _like_the_tool(tmp_path / "surf.h5", x, y)
    before = window.state.session
    _choose_file(monkeypatch, tmp_path / "surf.h5")
    window.menu_actions["import_surface"].trigger()
    qtbot.waitUntil(lambda: _surface_window(window) is not None, timeout=20000)
    shown = _surface_window(window)
    qtbot.waitUntil(lambda: shown.view.frame is not None, timeout=20000)
    np.testing.assert_array_equal(shown.view.frame.loss, loss)  # as computed there
    assert shown.view.frame.log_scale
    # the drawn image (a coarse map is upsampled bilinearly, through the samples) spans the
    # file's first to last coordinate, each pixel centred on its sample: half a pixel beyond
    ix, iy = shown.view.frame.image_axes
    assert (ix[0], ix[-1], iy[0], iy[-1]) == (x[0], x[-1], y[0], y[-1])
    hx, hy = (x[-1] - x[0]) / (len(ix) - 1), (y[-1] - y[0]) / (len(iy) - 1)
    rect = shown.view.image.mapRectToParent(shown.view.image.boundingRect())
    assert (rect.left(), rect.right()) == pytest.approx((x[0] - hx / 2, x[-1] + hx / 2))
    assert (rect.top(), rect.bottom()) == pytest.approx((y[0] - hy / 2, y[-1] + hy / 2))
    assert (
        "surf.h5" in shown.windowTitle()
        and "not recomputed" in shown.findChild(type(shown.readout), "surface-info").text()
    )
    shown.field.setCurrentText("train_acc")
    qtbot.waitUntil(
        lambda: shown.view.frame is not None and not shown.view.frame.log_scale, timeout=20000
    )
    np.testing.assert_allclose(shown.view.frame.loss, acc)
    # hovering a sample reads every field there
    vb = shown.view.getPlotItem().vb
    shown.view._moved(vb.mapViewToScene(QPointF(x[6], y[3])))
    text = shown.readout.text()
    assert f"train_loss = {loss[3, 6]:.6g}" in text and f"train_acc = {acc[3, 6]:.6g}" in text
    shown.export(str(tmp_path / "surf.png"))
    qtbot.waitUntil(lambda: shown.export_button.isEnabled(), timeout=60000)
    assert (tmp_path / "surf.png").stat().st_size > 1000
    assert (tmp_path / "surf.png.json").exists() or any(tmp_path.glob("surf*.json"))
    assert window.state.session == before  # the window's own session is untouched
    shown.close()


def test_a_file_that_is_not_a_surface_is_one_line_and_opens_nothing(
    qtbot, window, monkeypatch, tmp_path
):
    bad = tmp_path / "notes.h5"
    bad.write_text("not hdf5")
    _choose_file(monkeypatch, bad)
    window.menu_actions["import_surface"].trigger()
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=20000)
    assert window.banner.kind == "error" and "not an HDF5 file" in window.banner.label.text()
    assert "\n" not in window.banner.label.text() and _surface_window(window) is None


@pytest.mark.slow
def test_a_direction_file_puts_the_slice_on_its_plane_and_undo_brings_the_old_one_back(
    qtbot, window, monkeypatch, tmp_path
):
    pick(qtbot, window, "li-yuan")
    problem = window.state.results.landscape.problem
    old_plane = window.state.session.plane
    gen = torch.Generator().manual_seed(3)
    d1 = torch.randn(problem.dim, generator=gen, dtype=torch.float64)
    d2 = torch.randn(problem.dim, generator=gen, dtype=torch.float64)
    path = write_reference_directions(tmp_path / "dirs.h5", d1, d2, problem.layout)
    _choose_file(monkeypatch, path)
    window.menu_actions["import_directions"].trigger()
    qtbot.waitUntil(lambda: window.state.session.plane.kind == "directions", timeout=30000)
    wait_idle(qtbot, window, 60000)
    plane = window.state.results.landscape.plane
    np.testing.assert_allclose(plane.d1.double().numpy(), d1.numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(plane.d2.double().numpy(), d2.numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(plane.origin.double().numpy(), problem.init.double().numpy())
    assert tuple(window.state.session.window) == (-1.0, 1.0, -1.0, 1.0)
    assert "dirs.h5" in window.plane_panel.kind.currentText() or "dirs.h5" in (
        window.state.session.plane.describe()
    )
    window.menu_actions["undo"].trigger()
    assert window.state.session.plane == old_plane
    wait_idle(qtbot, window, 60000)
    # a file for another network is refused by name, and nothing changes
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:  # another network's tensors, in the tool's layout
        for group in ("xdirection", "ydirection"):
            f.create_group(group).create_dataset("0", data=np.ones((3, 2)))
    _choose_file(monkeypatch, other)
    window.menu_actions["import_directions"].trigger()
    qtbot.waitUntil(
        lambda: window.banner.kind == "error" and window.banner.isVisible(), timeout=30000
    )
    assert "\n" not in window.banner.label.text()
    assert window.state.session.plane == old_plane


def test_on_a_toy_a_direction_file_is_refused_with_the_reason(qtbot, window, monkeypatch, tmp_path):
    before = window.state.session
    _choose_file(monkeypatch, tmp_path / "dirs.h5")
    window.menu_actions["import_directions"].trigger()
    assert window.banner.kind == "error" and "toys" in window.banner.label.text()
    assert window.state.session == before
