"""The explorer driven as a user drives it on the toys: clicks on the map, the controls, the
menus, undo."""

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt

from .conftest import click_data, last_run, path_of, pick, toggle, type_into, wait_idle


def test_click_starts_a_run_that_reaches_the_known_minimum(qtbot, window):
    """psd-factorization: from a click near (0.3, 0.9) GD reaches ±√λ_max e_max (seed 004)."""
    pick(qtbot, window, "psd-factorization")
    click_data(qtbot, window, 0.3, 0.9)
    qtbot.waitUntil(lambda: last_run(window).status == "converged", timeout=20000)
    run = last_run(window)
    path = path_of(run)
    assert np.allclose(path[0], [0.3, 0.9], atol=0.02)  # where the user clicked, to the pixel
    lam, vec = np.linalg.eigh(np.array([[2.0, 0.5], [0.5, 1.0]]))
    end = path[-1]
    assert end @ end == pytest.approx(lam[-1], rel=1e-6)
    assert abs(end @ vec[:, 0]) < 1e-5
    wait_idle(qtbot, window)
    xs, ys = window.view.paths[run.id].getData()
    assert xs[-1] == pytest.approx(end[0]) and ys[-1] == pytest.approx(end[1])
    assert window.run_table.table.item(0, window.run_table.column("status")).text() == "converged"
    # nothing computes any more: the status bar says so (no progress bar left at 5 %)
    assert not window.status.progress.isVisible()


def test_undo_removes_a_mistaken_click_even_from_a_focused_field(qtbot, window):
    click_data(qtbot, window, 1.0, 1.0)
    qtbot.waitUntil(lambda: len(window.state.runs) == 1)
    assert window.menu_actions["undo"].text() == "&Undo click"
    window.optimizer_panel.lr.setFocus()  # a text field has the focus: Ctrl+Z still undoes
    qtbot.keyClick(window.optimizer_panel.lr, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.state.runs)
    wait_idle(qtbot, window)
    assert not window.view.paths and window.run_table.table.rowCount() == 0


def test_modifier_click_starts_every_optimizer_and_is_one_undo_step(qtbot, window):
    click_data(qtbot, window, 1.5, 2.0, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(window.state.runs) == 5)
    names = [r.settings.optimizer.optimizer for r in window.state.runs.values()]
    assert names == ["gd", "momentum", "nesterov", "adam", "newton"]
    assert len({r.settings.start for r in window.state.runs.values()}) == 1
    assert window.menu_actions["undo"].text() == "&Undo click (5 runs)"
    wait_idle(qtbot, window)
    for r in window.state.runs.values():
        w, v = path_of(r)[-1]
        assert r.status == "converged" and w * (1 + v) == pytest.approx(1, abs=1e-5)
    window.run_table.table.setFocus()  # undo works while the table has the focus
    qtbot.keyClick(window.run_table.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.state.runs)
    wait_idle(qtbot, window)


def test_l2_toggle_adds_a_spurious_local_minimum(qtbot, window):
    """Seed 001 (b): ε = 1 (the default) and λ = 0.2 put a non-global local minimum at
    (−1.04, −1.66), near the (−1, −1.6) the seed's figure shows; without L2 every minimum is
    global (a continuum at F = 0)."""
    table = window.critical_table.table
    assert table.rowCount() == 3 and not any(table.item(r, 0).text() == "minimum" for r in range(3))
    toggle(qtbot, window.modes_panel.l2_on)
    assert window.state.session.l2 == pytest.approx(0.2)
    wait_idle(qtbot, window)
    minima = [p for p in window.state.results.critical if p.kind == "minimum"]
    assert len(minima) == 2
    spurious = max(minima, key=lambda p: p.loss)
    assert np.allclose(spurious.point, [-1.04, -1.66], atol=0.01)
    assert spurious.loss > min(p.loss for p in minima) + 0.1
    rows = [table.item(r, 0).text() for r in range(table.rowCount())]
    assert rows.count("minimum") == 2
    click_data(qtbot, window, -1.5, -2.0)  # a run started next to it gets trapped there
    qtbot.waitUntil(lambda: last_run(window).status == "converged", timeout=20000)
    assert np.allclose(path_of(last_run(window))[-1], spurious.point, atol=1e-4)


def test_ball_constraint_is_drawn_round_and_keeps_runs_inside(qtbot, window):
    panel = window.modes_panel
    type_into(qtbot, panel.radius, "1.5")
    panel.kind.setCurrentText("ball")
    assert window.state.session.constraint.spec() == "ball:1.5"
    assert not window.state.session.equal_axes  # a ball locks the aspect by itself
    window.resize(1100, 700)  # a wide view: an unlocked aspect would draw an ellipse
    wait_idle(qtbot, window)
    qtbot.wait(100)
    xs, ys = window.view.constraint.getData()
    assert np.allclose(np.hypot(xs, ys), 1.5)
    vb = window.view.getPlotItem().vb
    (x0, x1), (y0, y1) = vb.viewRange()
    w, h = vb.width(), vb.height()
    assert (x1 - x0) / w == pytest.approx((y1 - y0) / h, rel=1e-3)  # a circle looks round
    from explorer.scene import scene_of

    assert scene_of(window.state).map.equal_axes  # and in the exported figure too
    click_data(qtbot, window, -1.2, -1.4)
    qtbot.waitUntil(lambda: last_run(window).status == "converged", timeout=20000)
    assert np.linalg.norm(path_of(last_run(window)), axis=1).max() <= 1.5 + 1e-9
    wait_idle(qtbot, window)
    boundary = [p for p in window.state.results.critical if p.on_boundary]
    assert boundary and all(abs(np.linalg.norm(p.point) - 1.5) < 1e-9 for p in boundary)


def test_impossible_and_malformed_inputs_are_marked_refused_and_the_state_kept(qtbot, window):
    panel, opt = window.modes_panel, window.optimizer_panel
    panel.kind.setCurrentText("box")
    before = window.state.session
    type_into(qtbot, panel.radius, "0")
    assert window.state.session == before
    assert "positive" in window.banner.text() and window.banner.kind == "error"
    assert not panel.radius.valid and panel.radius.text() == "0"  # marked, not rewritten
    type_into(qtbot, opt.lr, "1e-4")  # scientific notation is taken literally
    assert window.state.session.optimizer.lr == pytest.approx(1e-4)
    type_into(qtbot, opt.lr, "0.0000001")
    assert window.state.session.optimizer.lr == pytest.approx(1e-7)
    type_into(qtbot, opt.steps, "-5")
    assert window.state.session.optimizer.steps == 1000 and not opt.steps.valid
    type_into(qtbot, opt.momentum, "7.5")
    assert window.state.session.optimizer.momentum == pytest.approx(0.9)
    assert not opt.momentum.valid and "momentum" in window.banner.text()
    type_into(qtbot, opt.lr, "abc")
    assert not opt.lr.valid and window.state.session.optimizer.lr == pytest.approx(1e-7)
    type_into(qtbot, opt.momentum, "0.5")
    assert opt.momentum.valid and window.state.session.optimizer.momentum == pytest.approx(0.5)
    wait_idle(qtbot, window)


def test_diverging_run_stops_and_says_so(qtbot, window):
    type_into(qtbot, window.optimizer_panel.lr, "10")
    click_data(qtbot, window, -1.5, -1.0)
    qtbot.waitUntil(lambda: last_run(window).status == "diverged", timeout=20000)
    run = last_run(window)
    assert np.isfinite(path_of(run)).all()
    wait_idle(qtbot, window)
    assert window.run_table.table.item(0, window.run_table.column("status")).text() == "diverged"
    xs, ys = window.view.paths[run.id].getData()
    assert np.isfinite(xs).all() and np.isfinite(ys).all()


def test_slider_drag_redraws_the_map_and_is_one_undo_step(qtbot, window):
    before = window.view.image.image.copy()
    slider = window.scenario_panel.controls["eps"].slider
    slider.setSliderDown(True)
    slider.setValue(slider.value() + 100)
    slider.setValue(slider.value() + 100)
    qtbot.waitUntil(lambda: not np.array_equal(window.view.image.image, before), timeout=5000)
    slider.setSliderDown(False)
    eps = window.state.session.params["eps"]
    assert eps > 1.1
    wait_idle(qtbot, window)
    saddle = next(p for p in window.state.results.critical if p.kind == "saddle")
    assert np.allclose(saddle.point, [0, -1 / eps], atol=1e-8)
    window.menu_actions["undo"].trigger()
    assert window.state.session.params["eps"] == 1.0
    wait_idle(qtbot, window)


def test_pause_step_resume(qtbot, window):
    window.optimizer_panel.delay.setValue(20)
    click_data(qtbot, window, -1.5, -1.0)
    run = last_run(window)
    qtbot.waitUntil(lambda: run.data.step >= 1, timeout=10000)
    window.run_table.select(run.id)
    qtbot.mouseClick(window.run_table.buttons["pause"], Qt.MouseButton.LeftButton)
    qtbot.wait(300)
    held = run.data.step
    qtbot.wait(300)
    assert run.data.step == held and run.paused
    qtbot.mouseClick(window.run_table.buttons["step"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: run.data.step == held + 1, timeout=5000)
    qtbot.mouseClick(window.run_table.buttons["pause"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: run.status == "converged", timeout=30000)


def test_selecting_a_critical_point_centres_the_computed_map_and_draws_eigenvectors(qtbot, window):
    table = window.critical_table.table
    row = next(r for r in range(table.rowCount()) if table.item(r, 0).text() == "saddle")
    table.selectRow(row)
    for sign in ("positive", "negative"):  # the saddle's eigenvectors (1, ±1)/√2
        xs, ys = window.view.selection[sign].getData()
        assert len(xs) == 12  # two arrows (±v), each a shaft and two head strokes
        tips = np.column_stack([xs[1::6], ys[1::6]]) - np.array([0.0, -1.0])
        direction = tips[0] / np.linalg.norm(tips[0])
        assert abs(abs(direction[0]) - abs(direction[1])) < 1e-9
    x0, x1, y0, y1 = window.state.session.window  # the map is recomputed where it is centred
    assert (x0 + x1) / 2 == pytest.approx(0.0, abs=1e-6)
    assert (y0 + y1) / 2 == pytest.approx(-1.0, abs=1e-6)
    wait_idle(qtbot, window)
    frame = window.state.results.frame
    assert frame.axes[1][0] == pytest.approx(y0) and frame.axes[1][-1] == pytest.approx(y1)


def test_one_parameter_scenario_shows_the_curve_and_relu_gets_stuck(qtbot, window):
    pick(qtbot, window, "activation")
    xs, ys = window.view.curve.getData()
    assert len(xs) == window.state.session.resolution
    assert ys[xs < 0] == pytest.approx(1.0)
    click_data(qtbot, window, -1.0, 1.0)  # on the curve, over the flat set's dots
    qtbot.waitUntil(lambda: last_run(window).status == "converged", timeout=20000)
    assert len(path_of(last_run(window))) == 1  # ReLU: ∇F = 0 for w < 0, the run never moves
    click_data(qtbot, window, 0.5, 0.25)
    qtbot.waitUntil(lambda: last_run(window).status == "converged", timeout=20000)
    assert path_of(last_run(window))[-1][0] == pytest.approx(1.0, abs=1e-6)
    wait_idle(qtbot, window)


def test_gradient_and_negative_curvature_overlays(qtbot, window):
    toggle(qtbot, window.modes_panel.overlays["gradient"])
    toggle(qtbot, window.modes_panel.overlays["curvature"])
    wait_idle(qtbot, window)
    xs, ys = window.view.arrows.getData()
    assert len(xs) > 100 and np.isfinite(xs).all() and np.isfinite(ys).all()
    rgba = window.view.layers["curvature"].image
    hess_min = window.state.results.fields["hess_min"]
    assert rgba.shape[:2] == hess_min.shape
    red = rgba[..., 3] > 0  # red only where λ_min < 0 (around the saddle), visibly so there
    assert not (red & (hess_min >= 0)).any()
    assert red[hess_min < 0.01 * hess_min.min()].all()
    assert (hess_min < 0).any() and (hess_min > 0).any()


def test_moving_a_start_handle_reruns_from_there_and_undo_brings_it_back(qtbot, window):
    click_data(qtbot, window, -1.5, -1.0)
    run = last_run(window)
    clicked = run.settings.start
    assert np.allclose(clicked, [-1.5, -1.0], atol=0.05)  # a pixel of the map
    qtbot.waitUntil(lambda: run.status == "converged", timeout=20000)
    wait_idle(qtbot, window)
    handle = window.view.handles[run.id]
    handle.setPos(1.0, 1.0)  # what a drag of the handle does, then it reports the end of it
    handle.sigPositionChangeFinished.emit(handle)
    qtbot.waitUntil(
        lambda: (
            last_run(window).status == "converged"
            and np.allclose(path_of(last_run(window))[0], [1.0, 1.0])
        ),
        timeout=20000,
    )
    assert len(window.state.runs) == 1
    w, v = path_of(last_run(window))[-1]
    assert w * (1 + v) == pytest.approx(1.0, abs=1e-6)
    assert window.menu_actions["undo"].text().startswith("&Undo move of run")
    window.menu_actions["undo"].trigger()
    qtbot.waitUntil(lambda: last_run(window).settings.start == clicked)  # exactly as clicked
    wait_idle(qtbot, window)


def test_a_click_outside_the_computed_window_is_refused(qtbot, window):
    vb = window.view.getPlotItem().vb
    vb.setRange(xRange=(-6, 6), yRange=(-6, 6), padding=0)  # not through the user's gestures
    click_data(qtbot, window, 5.0, 5.0)
    assert not window.state.runs and "outside the computed map" in window.banner.text()
    wait_idle(qtbot, window)


def test_alt_click_shows_the_hessian_spectrum_at_that_point(qtbot, window):
    """shamir's Hessian at (w, v): [[(1+v)², 2w(1+v) − 1], [2w(1+v) − 1, w²]] (ε = 1)."""
    click_data(qtbot, window, 0.4, -0.7, Qt.KeyboardModifier.AltModifier)
    assert not window.state.runs  # Alt+click asks, it does not start a run
    qtbot.waitUntil(lambda: window.state.results.spectrum is not None, timeout=30000)
    wait_idle(qtbot, window)
    result = window.state.results.spectrum
    w, v = result.theta
    r = w * (1 + v) - 1
    hess = np.array([[(1 + v) ** 2, r + w * (1 + v)], [r + w * (1 + v), w**2]])
    lam = np.linalg.eigvalsh(hess)
    eigen = result.report.eigen
    assert eigen.top[0] == pytest.approx(lam[-1], rel=1e-8)
    assert eigen.bottom[0] == pytest.approx(lam[0], rel=1e-8)
    assert not window.spectrum_dock.visibleRegion().isEmpty()  # its dock was raised


def test_the_tools_menu_opens_the_initialization_lab(qtbot, window):
    window.menu_actions["lab"].trigger()
    lab = window.lab
    qtbot.waitUntil(lambda: lab.isVisible() and lab.state.forward is not None, timeout=60000)
    qtbot.waitUntil(lambda: lab.state.forward.final, timeout=60000)
    assert {s.scheme for s in lab.state.forward.schemes} >= {"xavier", "fixup"}
    wait_idle(qtbot, window)


@pytest.mark.parametrize("size", [(800, 800), (1280, 720)])
def test_the_map_keeps_room_beside_the_docks(qtbot, window, size):
    """Docks scroll rather than squeeze the map (the spectrum dock once left it 80 px wide)."""
    window.resize(*size)
    qtbot.waitUntil(lambda: window.size().width() == size[0], timeout=5000)
    qtbot.wait(50)
    assert window.view.width() >= size[0] // 4
    assert window.view.height() >= size[1] // 2


def test_a_matrix_that_is_not_psd_is_warned_about_while_it_lasts(qtbot, window):
    """psd-factorization's formula assumes M ⪰ 0 (seed 004): the window says so in amber while
    M has a negative eigenvalue, and the warning goes when M is fixed."""
    pick(qtbot, window, "psd-factorization")
    field = window.scenario_panel.controls["m11"].field
    type_into(qtbot, field, "-1")
    wait_idle(qtbot, window)
    assert "not positive semidefinite" in window.banner.text() and window.banner.kind == "warning"
    type_into(qtbot, field, "2")
    wait_idle(qtbot, window)
    assert "semidefinite" not in window.banner.text()


def test_dragging_lambda_redraws_live_and_each_drag_is_one_undo_step(qtbot, window):
    """Seed 001's experience: drag λ and watch the map change while the handle is held; on
    release the map is F + (λ/2)‖θ‖² exactly (against the scenario's plain loss) and the
    critical points are those of the new map; two drags are two undo steps."""
    from compute import build_problem

    s = window.state.session
    plain = build_problem(s.scenario, s.params).objective().loss
    before = window.view.image.image.copy()
    slider = window.modes_panel.l2_slider
    slider.setSliderDown(True)
    slider.setValue(100)
    slider.setValue(200)  # λ = 0.2 on the 0 … 1 span
    qtbot.waitUntil(lambda: not np.array_equal(window.view.image.image, before), timeout=5000)
    assert window.state.view.dragging
    slider.setSliderDown(False)
    assert not window.state.view.dragging
    assert window.state.session.l2 == pytest.approx(0.2)
    assert window.modes_panel.l2_on.isChecked() and window.modes_panel.l2.text() == "0.2"
    wait_idle(qtbot, window)
    frame = window.state.results.frame
    (x, y), loss = frame.axes, frame.loss
    xx, yy = np.meshgrid(x, y)
    theta = torch.as_tensor(np.stack([xx, yy], -1), dtype=torch.float64)
    expected = plain(theta).numpy() + 0.1 * (xx**2 + yy**2)
    np.testing.assert_allclose(loss, expected, rtol=1e-10, atol=1e-12)
    minima = [p for p in window.state.results.critical if p.kind == "minimum"]
    assert minima and all(
        float(plain(torch.as_tensor(p.point)) + 0.1 * np.dot(p.point, p.point)) <= loss.min() + 1e-9
        for p in minima[:1]
    )
    slider.setSliderDown(True)
    slider.setValue(300)
    slider.setSliderDown(False)
    assert window.state.session.l2 == pytest.approx(0.3)
    wait_idle(qtbot, window)
    window.menu_actions["undo"].trigger()
    assert window.state.session.l2 == pytest.approx(0.2)  # the second drag alone
    window.menu_actions["undo"].trigger()
    assert window.state.session.l2 == 0.0
    wait_idle(qtbot, window)


def test_dragging_the_radius_moves_the_ball(qtbot, window):
    panel = window.modes_panel
    assert not panel.radius_slider.isEnabled()  # no constraint: nothing to drag
    panel.kind.setCurrentText("ball")
    wait_idle(qtbot, window)
    assert panel.radius_slider.isEnabled()
    panel.radius_slider.setSliderDown(True)
    panel.radius_slider.setValue(panel.radius_slider.value() // 2)
    panel.radius_slider.setSliderDown(False)
    radius = window.state.session.constraint.radius
    assert radius == pytest.approx(float(panel.radius.text()))
    wait_idle(qtbot, window)
    xs, ys = window.view.constraint.getData()
    np.testing.assert_allclose(np.hypot(xs, ys), radius, rtol=1e-6)


def test_a_dock_layout_saved_by_an_older_version_gives_way_to_the_new_default(qtbot, window):
    """A layout saved before the spectrum moved beside the controls (layout version 2) is not
    restored: the spectrum dock opens beside the controls; this version's layout is kept."""
    from explorer import session_io
    from explorer.main_window import MainWindow

    right = Qt.DockWidgetArea.RightDockWidgetArea
    window.addDockWidget(right, window.spectrum_dock)  # where the older default had it
    prefs = session_io.settings()
    prefs.setValue("dock-state", window.saveState())  # as earlier versions saved it (0)
    prefs.sync()
    older = MainWindow(restore_autosave=False)
    qtbot.addWidget(older)
    assert older.dockWidgetArea(older.spectrum_dock) == Qt.DockWidgetArea.LeftDockWidgetArea
    older.addDockWidget(right, older.spectrum_dock)
    older.close()  # saves this version's layout, which the next window restores
    again = MainWindow(restore_autosave=False)
    qtbot.addWidget(again)
    assert again.dockWidgetArea(again.spectrum_dock) == right
    again.close()
