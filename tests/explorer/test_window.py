"""The explorer driven as a user drives it: clicks on the map, the controls, the menus."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from .conftest import click_data, last_run, path_of, toggle, wait_idle


def test_click_starts_a_run_that_reaches_the_known_minimum(qtbot, window):
    """psd-factorization: from a click near (0.3, 0.9) GD reaches ±√λ_max e_max (seed 004)."""
    window.scenario_panel.combo.setCurrentIndex(
        window.scenario_panel.combo.findData("psd-factorization")
    )
    wait_idle(qtbot, window)
    click_data(qtbot, window, 0.3, 0.9)
    qtbot.waitUntil(
        lambda: window.state.runs and last_run(window).status == "converged", timeout=20000
    )
    run = last_run(window)
    # the start is where the user clicked (to the pixel)
    assert np.allclose(run.path[0], [0.3, 0.9], atol=0.02)
    lam, vec = np.linalg.eigh(np.array([[2.0, 0.5], [0.5, 1.0]]))
    end = run.path[-1]
    assert end @ end == pytest.approx(lam[-1], rel=1e-6)
    assert abs(end @ vec[:, 0]) < 1e-5
    # drawn on the map and listed in the table
    xs, ys = window.view.paths[run.id].getData()
    assert xs[-1] == pytest.approx(end[0]) and ys[-1] == pytest.approx(end[1])
    assert window.run_table.table.item(0, 4).text() == "converged"


def test_undo_removes_a_mistaken_click(qtbot, window):
    click_data(qtbot, window, 1.0, 1.0)
    qtbot.waitUntil(lambda: len(window.state.runs) == 1)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.state.runs)
    assert not window.view.paths and window.run_table.table.rowCount() == 0
    wait_idle(qtbot, window)


def test_modifier_click_starts_every_optimizer_from_the_same_point(qtbot, window):
    click_data(qtbot, window, 1.5, 2.0, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(window.state.runs) == 5)
    names = [r.settings.optimizer.name for r in window.state.runs.values()]
    assert names == ["gd", "momentum", "nesterov", "adam", "newton"]
    starts = {r.settings.start for r in window.state.runs.values()}
    assert len(starts) == 1
    wait_idle(qtbot, window)
    for r in window.state.runs.values():
        w, v = r.path[-1]
        assert r.status == "converged" and w * (1 + v) == pytest.approx(1, abs=1e-5)


def test_l2_toggle_adds_a_spurious_local_minimum(qtbot, window):
    """Seed 001 (b): ε = 1 (the default) and λ = 0.2 put a non-global local minimum at
    (−1.04, −1.66), near the (−1, −1.6) the seed's figure shows; without L2 every minimum is
    global (a continuum at F = 0)."""
    table = window.critical_table
    assert table.rowCount() == 3 and not any(table.item(r, 0).text() == "minimum" for r in range(3))
    toggle(qtbot, window.modes_panel.l2_on)
    assert window.state.session.l2 == pytest.approx(0.2)
    wait_idle(qtbot, window)
    minima = [p for p in window.landscape_ctl.critical if p.kind == "minimum"]
    assert len(minima) == 2
    spurious = max(minima, key=lambda p: p.loss)
    assert np.allclose(spurious.point, [-1.04, -1.66], atol=0.01)
    assert spurious.loss > min(p.loss for p in minima) + 0.1
    rows = [table.item(r, 0).text() for r in range(table.rowCount())]
    assert rows.count("minimum") == 2
    # and a run started next to it gets trapped there
    click_data(qtbot, window, -1.5, -2.0)
    qtbot.waitUntil(lambda: last_run(window).status == "converged", timeout=20000)
    assert np.allclose(last_run(window).path[-1], spurious.point, atol=1e-4)


def test_ball_constraint_is_drawn_and_keeps_runs_inside(qtbot, window):
    panel = window.modes_panel
    panel.radius.setValue(1.5)
    panel.kind.setCurrentText("ball")
    assert window.state.session.constraint == "ball:1.5"
    xs, ys = window.view.constraint.getData()
    assert np.allclose(np.hypot(xs, ys), 1.5)
    wait_idle(qtbot, window)
    click_data(qtbot, window, -1.2, -1.4)
    qtbot.waitUntil(lambda: last_run(window).status == "converged", timeout=20000)
    path = path_of(last_run(window))
    assert np.linalg.norm(path, axis=1).max() <= 1.5 + 1e-9
    boundary = [p for p in window.landscape_ctl.critical if p.on_boundary]
    assert boundary and all(abs(np.linalg.norm(p.point) - 1.5) < 1e-9 for p in boundary)


def test_impossible_inputs_are_refused_and_the_state_kept(qtbot, window):
    panel = window.modes_panel
    panel.kind.setCurrentText("box")
    before = window.state.session
    panel.radius.setValue(0.0)
    assert window.state.session == before
    assert "positive" in window.banner.text() and window.banner.kind == "error"
    assert panel.radius.value() == pytest.approx(2.0)  # the widget shows the kept value again
    toggle(qtbot, panel.l2_on)
    panel.l2.setValue(-0.5)
    assert window.state.session.l2 == pytest.approx(0.2)
    assert "λ" in window.banner.text()
    wait_idle(qtbot, window)


def test_diverging_run_stops_and_says_so(qtbot, window):
    window.optimizer_panel.lr.setValue(10.0)
    click_data(qtbot, window, -1.5, -1.0)
    qtbot.waitUntil(lambda: last_run(window).status == "diverged", timeout=20000)
    run = last_run(window)
    assert np.isfinite(path_of(run)).all()
    assert window.run_table.table.item(0, 4).text() == "diverged"
    xs, ys = window.view.paths[run.id].getData()
    assert np.isfinite(xs).all() and np.isfinite(ys).all()


def test_slider_drag_redraws_the_map(qtbot, window):
    before = window.view.image.image.copy()
    slider = window.scenario_panel.controls["eps"].slider
    slider.setSliderDown(True)
    slider.setValue(slider.value() + 200)
    qtbot.waitUntil(lambda: not np.array_equal(window.view.image.image, before), timeout=5000)
    slider.setSliderDown(False)
    eps = window.state.session.params["eps"]
    assert eps > 1.5
    wait_idle(qtbot, window)
    saddle = next(p for p in window.landscape_ctl.critical if p.kind == "saddle")
    assert np.allclose(saddle.point, [0, -1 / eps], atol=1e-8)
    # the whole drag is one undo step
    window.actions["undo"].trigger()
    assert window.state.session.params["eps"] == 1.0
    wait_idle(qtbot, window)


def test_pause_step_resume(qtbot, window):
    window.optimizer_panel.delay.setValue(20)
    click_data(qtbot, window, -1.5, -1.0)
    run = last_run(window)
    qtbot.waitUntil(lambda: run.steps >= 1, timeout=10000)
    window.run_table.select(run.id)
    qtbot.mouseClick(window.run_table.buttons["pause"], Qt.MouseButton.LeftButton)
    qtbot.wait(300)
    held = run.steps
    qtbot.wait(300)
    assert run.steps == held and run.paused
    qtbot.mouseClick(window.run_table.buttons["step"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: run.steps == held + 1, timeout=5000)
    qtbot.mouseClick(window.run_table.buttons["pause"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: run.status == "converged", timeout=30000)


def test_selecting_a_critical_point_centres_it_and_draws_eigenvectors(qtbot, window):
    table = window.critical_table
    row = next(r for r in range(table.rowCount()) if table.item(r, 0).text() == "saddle")
    table.selectRow(row)
    # the saddle's eigenvectors (1, ±1)/√2: one arrow pair per sign of curvature
    for sign in ("positive", "negative"):
        xs, ys = window.view.selection[sign].getData()
        assert len(xs) == 12  # two arrows (±v), each a shaft and two head strokes
        tips = np.column_stack([xs[1::6], ys[1::6]]) - np.array([0.0, -1.0])
        direction = tips[0] / np.linalg.norm(tips[0])
        assert abs(abs(direction[0]) - abs(direction[1])) < 1e-9
    (x0, x1), (y0, y1) = window.view.getPlotItem().vb.viewRange()
    assert (x0 + x1) / 2 == pytest.approx(0.0, abs=0.05)
    assert (y0 + y1) / 2 == pytest.approx(-1.0, abs=0.05)
    wait_idle(qtbot, window)


def test_one_parameter_scenario_shows_the_curve_and_relu_gets_stuck(qtbot, window):
    window.scenario_panel.combo.setCurrentIndex(window.scenario_panel.combo.findData("activation"))
    wait_idle(qtbot, window)
    xs, ys = window.view.curve.getData()
    assert len(xs) == window.state.session.resolution
    assert ys[xs < 0] == pytest.approx(1.0)
    click_data(qtbot, window, -1.0, 1.0)  # on the curve, over the flat set's dots
    qtbot.waitUntil(lambda: last_run(window).status == "converged", timeout=20000)
    assert len(last_run(window).path) == 1  # ReLU: ∇F = 0 for w < 0, the run never moves
    click_data(qtbot, window, 0.5, 0.25)
    qtbot.waitUntil(lambda: last_run(window).status == "converged", timeout=20000)
    assert last_run(window).path[-1][0] == pytest.approx(1.0, abs=1e-6)


def test_gradient_and_negative_curvature_overlays(qtbot, window):
    toggle(qtbot, window.modes_panel.overlays["gradient"])
    toggle(qtbot, window.modes_panel.overlays["curvature"])
    wait_idle(qtbot, window)
    xs, ys = window.view.arrows.getData()
    assert len(xs) > 100 and np.isfinite(xs).all() and np.isfinite(ys).all()
    rgba = window.view.curvature.image
    hess_min = window.landscape_ctl.fields["hess_min"]
    assert rgba.shape[:2] == hess_min.shape
    # red only where the smallest Hessian eigenvalue is negative (around the saddle), and
    # visibly so wherever it is clearly negative
    red = rgba[..., 3] > 0
    assert not (red & (hess_min >= 0)).any()
    assert red[hess_min < 0.01 * hess_min.min()].all()
    assert (hess_min < 0).any() and (hess_min > 0).any()


def test_moving_a_start_handle_reruns_from_there(qtbot, window):
    click_data(qtbot, window, -1.5, -1.0)
    run = last_run(window)
    qtbot.waitUntil(lambda: run.status == "converged", timeout=20000)
    handle = window.view.handles[run.id]
    handle.setPos(1.0, 1.0)  # what a drag of the handle does, then it reports the end of the drag
    handle.sigPositionChangeFinished.emit(handle)
    qtbot.waitUntil(
        lambda: (
            last_run(window).status == "converged"
            and np.allclose(last_run(window).path[0], [1.0, 1.0])
        ),
        timeout=20000,
    )
    assert len(window.state.runs) == 1
    w, v = last_run(window).path[-1]
    assert w * (1 + v) == pytest.approx(1.0, abs=1e-6)
    window.actions["undo"].trigger()  # the move is undoable: back to the clicked start
    qtbot.waitUntil(lambda: np.allclose(last_run(window).settings.start, [-1.5, -1.0], atol=0.02))
    wait_idle(qtbot, window)
