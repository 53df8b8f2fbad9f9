"""Connecting two minima in the window: the map's context menu, the Paths panel's profile and
barrier, the path on the map, kept in the session, and the spectrum at the highest point; on a
network slice, "Show in its plane" (and undo), and the BatchNorm note of the profile."""

import json
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from compute.paths.connect import CENTRE, RECOMPUTED

from .conftest import pick, wait_idle

SLOW = 90000


def right_click_data(qtbot, w, x, y):
    plot = w.view
    vb = plot.getPlotItem().vb
    pos = plot.mapFromScene(vb.mapViewToScene(QPointF(x, y)))
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.RightButton, pos=pos)


def _shamir_l2(theta):
    w, v = theta
    return 0.5 * (w * (1 + v) - 1) ** 2 + 0.1 * (w * w + v * v)


def test_connect_two_minima_of_shamir_from_the_context_menu(qtbot, window):
    window.state.apply("L2", l2=0.2)
    wait_idle(qtbot, window, 60000)
    points = window.state.results.critical
    minima = [p for p in points if p.kind == "minimum"]
    (saddle,) = [p for p in points if p.kind == "saddle"]
    assert len(minima) == 2
    window.paths_ctl.choose(method="neb", images=9)
    x, y = minima[0].point
    right_click_data(qtbot, window, x, y)
    menu = window.path_overlay.menu
    assert menu is not None and menu.isVisible()
    (sub,) = [a.menu() for a in menu.actions() if a.menu() is not None]
    assert sub.title().startswith("Connect minimum 1")
    target = next(a for a in sub.actions() if a.text().startswith("minimum 2"))
    menu.close()
    with qtbot.waitSignal(window.paths_ctl.sigResult, timeout=SLOW):
        target.trigger()
    wait_idle(qtbot, window)
    panel = window.path_panel
    assert window.paths_dock.isVisible()
    result = window.paths_ctl.latest
    # the band's highest image is the saddle the search reported; barrier from the formula
    np.testing.assert_allclose(result.saddle.theta, saddle.point, atol=1e-6)
    expected = _shamir_l2(saddle.point) - max(_shamir_l2(m.point) for m in minima)
    assert result.barrier.max_end == pytest.approx(expected, abs=1e-8)
    assert f"barrier {expected:.4g}" in panel.barrier.text()
    assert "index 1" in panel.barrier.text()
    t, f = panel.curves["loss"].getData()
    np.testing.assert_allclose(f, [_shamir_l2(n) for n in result.nodes], atol=1e-12)
    assert t[0] == 0 and t[-1] == pytest.approx(1)
    # kept in the session (undoable) and drawn on the map
    (kept,) = window.state.session.paths
    np.testing.assert_allclose(kept.coords[kept.highest], saddle.point, atol=1e-6)
    xy = np.column_stack(window.path_overlay.items[0].getData())
    np.testing.assert_allclose(xy, np.asarray(kept.coords))
    # one click: the spectrum at the highest point (eigenvalues of the saddle)
    qtbot.mouseClick(panel.spectrum_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.state.results.spectrum is not None, timeout=SLOW)
    spectrum = window.state.results.spectrum
    assert spectrum.report.eigen.bottom[0] == pytest.approx(saddle.hessian_eigenvalues[0], rel=1e-6)
    window.state.undo()
    assert window.state.session.paths == ()
    assert window.path_overlay.items == []


def _connect_in_panel(qtbot, w, method, steps):
    """Choose the method and steps in the panel, init → teacher, and click Connect."""
    panel = w.path_panel
    panel.method.setCurrentIndex(panel.method.findData(method))
    panel.steps.setValue(steps)
    panel.choose_ends("ref:init", "ref:teacher")
    with qtbot.waitSignal(w.paths_ctl.sigResult, timeout=SLOW):
        qtbot.mouseClick(panel.connect_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, w, SLOW)
    return w.paths_ctl.latest


def test_show_a_curve_in_its_own_plane_then_undo(qtbot, window):
    """A line has no plane of its own (the button says why); a Bezier curve's button switches
    the slice to the plane through its ends and bend: they lie on it, the drawn path is the
    projection of its θs there, the line drawn in the old plane is hidden; Ctrl+Z goes back."""
    pick(qtbot, window, "li-yuan")
    panel, state = window.path_panel, window.state
    old_plane, old_window = state.session.plane, state.session.window
    assert not panel.plane_button.isEnabled()
    window.paths_ctl.choose(points=5)
    _connect_in_panel(qtbot, window, "line", 0)
    assert not panel.plane_button.isEnabled()
    assert "straight line has no bend" in panel.plane_button.toolTip()
    assert "BatchNorm" not in panel.barrier.text()  # li-yuan has no normalisation statistics
    for note in (RECOMPUTED, CENTRE):  # a BatchNorm model's path: the panel says which
        panel.show_result(replace(window.paths_ctl.latest, provenance={"normalisation": note}))
        assert note[:40] in panel.barrier.text()
    result = _connect_in_panel(qtbot, window, "bezier", 30)
    assert panel.plane_button.isEnabled()
    before = state.session.paths[1].coords
    qtbot.mouseClick(panel.plane_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: state.session.plane.kind == "points", timeout=SLOW)
    wait_idle(qtbot, window, SLOW)
    landscape = state.results.landscape
    assert landscape.plane_spec == state.session.plane  # the map is computed on it
    scale = float(np.abs(result.nodes).max())
    three = np.stack([result.nodes[0], result.nodes[-1], result.control[1]])
    assert landscape.project(three).distance.max() < 1e-6 * scale
    expected = landscape.project(result.nodes).coords
    line, curve = state.session.paths
    np.testing.assert_array_equal(np.asarray(curve.coords), expected)
    assert curve.visible and not line.visible
    xy = np.column_stack(window.path_overlay.items[0].getData())
    np.testing.assert_allclose(xy, expected)
    assert set(state.results.marks) >= {"bend"}
    state.undo()
    wait_idle(qtbot, window, SLOW)
    assert state.session.plane == old_plane and state.session.window == old_window
    assert all(p.visible for p in state.session.paths)
    assert state.session.paths[1].coords == before


def test_file_export_flies_a_marker_along_the_latest_path(qtbot, window, tmp_path, monkeypatch):
    """File ▸ Export ▸ Flight along the latest path…: refused without a path; with one, a GIF of
    one frame per point (3 fps × 3 s for a 9-point line) beside the profile, in a worker."""
    from PIL import Image
    from PySide6.QtWidgets import QFileDialog, QInputDialog

    from compute import Modes, drain
    from compute.paths.connect import connect
    from compute.paths.result import PathRequest
    from compute.sessions.kept_paths import record_of

    pick(qtbot, window, "shamir")
    action = window.menu_actions["export_flight"]
    assert action.text() == "Flight along the latest path…"
    target = tmp_path / "fly.gif"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "GIF animation (*.gif)")
    )
    monkeypatch.setattr(QInputDialog, "getInt", lambda *a, **k: (3, True))
    monkeypatch.setattr(QInputDialog, "getDouble", lambda *a, **k: (3.0, True))
    action.trigger()
    assert "no path on the map" in window.banner.text() and not target.exists()
    problem = window.state.results.landscape.problem
    result = drain(connect(problem, Modes(), (1, 0), (-1, -1.5), PathRequest("line", points=9)))
    window.state.apply("connect", paths=(record_of(result, result.nodes),))
    wait_idle(qtbot, window)
    with qtbot.waitSignal(window.exporter.sigExported, timeout=SLOW):
        action.trigger()
    with Image.open(target) as gif:
        assert gif.n_frames == 9
    flight = json.loads((tmp_path / "fly.gif.json").read_text())["animation"]["flight"]
    assert flight["points"] == 9 and flight["profile"] and flight["path"].startswith("line")
