"""Network scenarios in the window, driven as a user does: every tool on the slice, planes kept
with the session, parameter changes that rebuild and restart, undo, exports."""

import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import torch
from PySide6.QtCore import QPointF, Qt

from compute import load_session
from explorer.main_window import MainWindow

from .conftest import click_data, finished, last_run, pick, toggle, type_into, wait_idle

SLOW = 90000


def _train_from_init(qtbot, w):
    qtbot.mouseClick(w.plane_panel.train_init, Qt.MouseButton.LeftButton)
    run = last_run(w)
    qtbot.waitUntil(lambda: finished(run), timeout=SLOW)
    return run


def _choose_plane(qtbot, w, kind):
    combo = w.plane_panel.kind
    combo.setCurrentIndex(combo.findData(kind))
    combo.activated.emit(combo.currentIndex())  # what choosing the item with the mouse emits
    qtbot.waitUntil(lambda: w.state.session.plane.kind == kind, timeout=SLOW)
    wait_idle(qtbot, w, SLOW)


def _steps(qtbot, w, n):
    type_into(qtbot, w.optimizer_panel.steps, str(n))
    assert w.state.session.optimizer.steps == n


def test_li_yuan_slice_and_a_clicked_run_reaches_the_teacher(qtbot, window):
    """Seed 000: clicked on the random slice around θ₀, a run trains in full space; its path is
    drawn projected and ends as far from the plane as the teacher is. The slice is drawn
    smoothly (an upsampled image), the metric has its own curve and table column."""
    pick(qtbot, window, "li-yuan")
    frame = window.state.results.frame
    res = window.state.session.resolution
    assert frame.loss.shape == (res, res) and np.isfinite(frame.loss).all()
    assert window.view.image.image.shape[0] > 4 * res  # interpolated display, not 41×41 blocks
    marks = window.state.results.marks
    assert {"init", "teacher"} <= set(marks) and len(window.view.mark_labels) >= 2
    click_data(qtbot, window, 0.3, 0.2)
    run = last_run(window)
    qtbot.waitUntil(lambda: finished(run), timeout=SLOW)
    landscape = window.state.results.landscape
    start = landscape.plane.point(torch.tensor([0.3, 0.2])).numpy()
    np.testing.assert_allclose(run.data.thetas[0], start, atol=0.02 * np.linalg.norm(start))
    teacher = landscape.problem.references["teacher"].numpy()
    assert np.linalg.norm(run.data.thetas[-1] - teacher) < 0.05 * np.linalg.norm(teacher)
    assert run.data.distance[-1] == pytest.approx(marks["teacher"][2], rel=0.05)
    wait_idle(qtbot, window)
    table, col = window.run_table.table, window.run_table.column
    assert "off plane" in table.item(0, col("where")).text()
    assert float(table.item(0, col("‖W − W*‖_F")).text()) < 1e-3
    assert float(table.item(0, col("‖f − f*‖ (test inputs)")).text()) < 1e-3
    metric = window.curves.plots["metric"]
    assert metric.isVisible() and "‖W − W*‖_F" in metric.getAxis("left").labelText
    xs, _ = window.view.paths[run.id].getData()
    assert len(xs) == len(run.path()) > 2


def test_hover_shows_in_plane_and_full_space_gradients(qtbot, window):
    pick(qtbot, window, "li-yuan")
    plot, vb = window.view, window.view.getPlotItem().vb
    pos = plot.mapFromScene(vb.mapViewToScene(QPointF(0.4, -0.3)))
    qtbot.mouseMove(plot.viewport(), pos)
    qtbot.waitUntil(lambda: "full space" in window.readout.text(), timeout=10000)
    r = window.state.results.readout
    assert r.coords == pytest.approx((0.4, -0.3), abs=0.03)
    assert r.full_grad_norm > r.grad_norm > 0  # the plane sees a projection of ∇F
    assert "in the plane" in window.readout.text()
    assert "2-D restriction" in window.slice_note.text() and window.slice_note.isVisible()
    wait_idle(qtbot, window)


def test_critical_points_and_basins_on_a_plane_through_init_final_and_teacher(qtbot, window):
    """The in-plane minimum at the teacher is found (its full-space gradient vanishes too) and
    the basin map of in-plane descent gives it the cells around it."""
    pick(qtbot, window, "li-yuan")
    _steps(qtbot, window, 300)
    _train_from_init(qtbot, window)
    _choose_plane(qtbot, window, "points")
    teacher = np.array(window.state.results.marks["teacher"][:2])
    minima = [p for p in window.state.results.critical if p.kind == "minimum"]
    assert any(np.linalg.norm(p.point - teacher) < 1e-3 for p in minima)
    assert not window.critical_table.note.isHidden()  # said where the table is
    toggle(qtbot, window.modes_panel.overlays["basins"])
    qtbot.waitUntil(lambda: window.state.results.basins is not None, timeout=SLOW)
    basins = window.state.results.basins
    assert any(np.linalg.norm(a.points - teacher, axis=1).min() < 1e-3 for a in basins.attractors)
    assert (basins.labels >= 0).mean() > 0.5
    legend = window.legends["basins"].text()
    assert "Basins" in legend
    # the legend says how the runs were made and what "not converged" means
    assert "within one cell" in legend and "Not converged: still moving after" in legend
    wait_idle(qtbot, window, SLOW)


def test_the_relaxation_bowl_is_in_the_table_and_an_empty_search_says_why(qtbot, window):
    """Issue 21, item 6: the bowl of the relaxation slice near (0.3, 0.2) is listed as a
    minimum with no note; on resnet-block's slice, which has no interior critical point, the
    table is empty and the note above it says why."""
    pick(qtbot, window, "relaxation", SLOW)
    wait_idle(qtbot, window, SLOW)
    minima = [p for p in window.state.results.critical if p.kind == "minimum"]
    assert [np.linalg.norm(p.point - [0.3, 0.2]) < 0.05 for p in minima] == [True]
    assert window.critical_table.unresolved.isHidden()
    pick(qtbot, window, "resnet-block", SLOW)
    wait_idle(qtbot, window, SLOW)
    assert window.state.results.critical == ()
    note = window.critical_table.unresolved
    assert not note.isHidden() and note.text().startswith("No critical point")


def test_train_from_init_on_a_pca_plane_starts_at_init_and_the_plane_survives_a_reopen(
    qtbot, window, tmp_path
):
    pick(qtbot, window, "linear-residual")
    _steps(qtbot, window, 200)
    _train_from_init(qtbot, window)
    _choose_plane(qtbot, window, "pca")
    plane = window.state.results.landscape.plane
    assert plane.kind == "pca" and "explained variance" in window.plane_panel.info.text()
    run = _train_from_init(qtbot, window)
    init = window.state.results.landscape.problem.init.numpy()
    assert np.linalg.norm(run.data.thetas[0] - init) == 0.0  # θ₀, not the plane's origin
    a, b, _ = window.state.results.marks["init"]  # drawn where θ₀ projects onto the plane
    np.testing.assert_allclose(run.path()[0], [a, b], atol=1e-5)
    wait_idle(qtbot, window)
    path = tmp_path / "pca.json"
    assert window.sessions.save(path)
    other = MainWindow(session_path=str(path), restore_autosave=False)
    qtbot.addWidget(other)
    other.show()
    wait_idle(qtbot, other, SLOW)
    assert other.state.session == window.state.session == load_session(path)
    again = other.state.results.landscape.plane
    for name in ("origin", "d1", "d2"):
        np.testing.assert_allclose(getattr(again, name), getattr(plane, name), atol=1e-6)
    other.close()


def test_changing_dim_restarts_runs_from_their_starts_and_undo_restores_everything(qtbot, window):
    pick(qtbot, window, "li-yuan")
    _steps(qtbot, window, 150)
    _train_from_init(qtbot, window)
    _choose_plane(qtbot, window, "pca")
    click_data(qtbot, window, 0.1, 0.05)
    qtbot.waitUntil(lambda: finished(last_run(window)), timeout=SLOW)
    wait_idle(qtbot, window)
    before = window.state.session
    slice_before = window.state.results.frame.loss.copy()
    starts_before = [run.data.thetas[0].copy() for run in window.state.runs.values()]
    type_into(qtbot, window.scenario_panel.controls["dim"].field, "10")
    qtbot.waitUntil(lambda: window.state.session.params["dim"] == 10)
    wait_idle(qtbot, window, SLOW)
    assert window.banner.kind != "error"
    assert window.state.results.frame.loss.shape == slice_before.shape
    problem = window.state.results.landscape.problem
    assert problem.dim == 100 and window.state.session.plane.kind == "random"
    first, second = window.state.runs.values()
    assert finished(first) and finished(second)
    np.testing.assert_array_equal(first.data.thetas[0], problem.init.numpy())  # θ₀ of dim 10
    assert len(second.data.thetas[0]) == 100 and "re-expressed" in second.settings.note
    window.run_table.table.setFocus()
    qtbot.keyClick(window.run_table.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.state.session == before, timeout=5000)
    wait_idle(qtbot, window, SLOW)
    np.testing.assert_allclose(window.state.results.frame.loss, slice_before, rtol=1e-6)
    for run, start in zip(window.state.runs.values(), starts_before, strict=True):
        assert finished(run)
        np.testing.assert_array_equal(run.data.thetas[0], start)


def test_in_plane_runs_stay_in_the_plane(qtbot, window):
    pick(qtbot, window, "digits-resnet")
    toggle(qtbot, window.plane_panel.in_plane)
    assert window.state.session.in_plane
    _steps(qtbot, window, 60)
    click_data(qtbot, window, 0.2, -0.3)
    run = last_run(window)
    assert run.settings.in_plane
    qtbot.waitUntil(lambda: finished(run), timeout=SLOW)
    assert run.data.distance.max() < 1e-4
    loss = run.data.loss
    assert loss[-1] < loss[0]
    wait_idle(qtbot, window, SLOW)
    assert "in plane" in window.run_table.table.item(0, window.run_table.column("where")).text()


def test_options_that_do_not_apply_are_not_offered(qtbot, window):
    pick(qtbot, window, "digits-resnet")
    kinds = [window.plane_panel.kind.itemData(i) for i in range(window.plane_panel.kind.count())]
    assert "teacher" not in kinds and "random" in kinds
    pick(qtbot, window, "li-yuan")
    kinds = [window.plane_panel.kind.itemData(i) for i in range(window.plane_panel.kind.count())]
    assert "teacher" in kinds


def test_bad_network_parameter_is_refused(qtbot, window):
    pick(qtbot, window, "digits-resnet")
    before = window.state.session
    type_into(qtbot, window.scenario_panel.controls["width"].field, "2.5")
    assert window.state.session == before
    assert not window.scenario_panel.controls["width"].field.valid


def test_relaxation_trains_from_its_warm_start_in_one_action(qtbot, window):
    """Seed 000's relaxation: the ResNet block warm-started from trained Li–Yuan weights; one
    button trains from θ₀ (the warm start)."""
    pick(qtbot, window, "relaxation")
    _steps(qtbot, window, 300)
    run = _train_from_init(qtbot, window)
    assert run.settings.at == "init"
    problem = window.state.results.landscape.problem
    np.testing.assert_allclose(run.data.thetas[0], problem.init.numpy(), atol=1e-6)
    metric = run.data.metric("metric")
    assert metric[np.isfinite(metric)][-1] > 0.05  # the raw distance to the teacher stays positive
    wait_idle(qtbot, window)


def test_one_dimensional_interpolation_from_init_to_a_run_end(qtbot, window):
    pick(qtbot, window, "digits-resnet")
    qtbot.mouseClick(window.plane_panel.interpolate, Qt.MouseButton.LeftButton)
    assert "needs a finished run" in window.banner.text()  # refused, with the reason
    _steps(qtbot, window, 80)
    run = _train_from_init(qtbot, window)
    qtbot.mouseClick(window.plane_panel.interpolate, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.interpolation.isVisible(), timeout=30000)
    alpha, loss = window.interpolation.curve.getOriginalDataset()
    problem = window.state.results.landscape.problem
    i0, i1 = int(np.argmin(abs(alpha))), int(np.argmin(abs(alpha - 1)))
    assert loss[i0] == pytest.approx(float(problem.loss(problem.init)), rel=1e-4)
    assert loss[i1] == pytest.approx(run.data.loss[-1], rel=1e-3)
    wait_idle(qtbot, window)


def test_log_toggle_redraws_the_slice_without_recomputing_it(qtbot, window):
    pick(qtbot, window, "digits-resnet")
    frame = window.state.results.frame
    toggle(qtbot, window.modes_panel.log)
    assert not window.state.session.log_scale
    wait_idle(qtbot, window)
    new = window.state.results.frame
    np.testing.assert_array_equal(new.loss, frame.loss)  # the same values, shown linearly
    np.testing.assert_allclose(new.display, frame.loss)


@pytest.mark.parametrize("sid", ["li-yuan", "digits-resnet"])
def test_every_export_works_for_networks(qtbot, window, tmp_path, sid):
    pick(qtbot, window, sid)
    _steps(qtbot, window, 40)
    click_data(qtbot, window, 0.2, 0.1)
    qtbot.waitUntil(lambda: finished(last_run(window)), timeout=SLOW)
    wait_idle(qtbot, window, SLOW)
    exports = [("map", ".pdf"), ("map", ".svg"), ("curves", ".png"), ("window", ".png")]
    exports += [("animation", ".gif")]
    exports += [("grid", ".npz"), ("grid", ".csv"), ("runs", ".npz"), ("runs", ".csv")]
    for what, suffix in exports:
        target = tmp_path / f"{what}{suffix}"
        with qtbot.waitSignal(window.exporter.sigExported, timeout=60000):
            window.exporter.export(what, target, 100)
        head = target.read_bytes()[:8]
        assert target.stat().st_size > 200
        if suffix == ".pdf":
            assert head.startswith(b"%PDF")
        elif suffix == ".png":
            assert head == b"\x89PNG\r\n\x1a\n"
        elif suffix == ".svg":
            assert ET.parse(target).getroot().tag.endswith("svg")
        elif suffix == ".gif":
            assert head.startswith(b"GIF89a")
        sidecar = json.loads(target.with_name(target.name + ".json").read_text())
        assert sidecar["panels"][0]["scenario"] == sid
    problem = window.state.results.landscape.problem
    with np.load(tmp_path / "grid.npz") as z:
        assert z["loss"].shape == (41, 41) and z["d1"].shape == (problem.dim,)
        np.testing.assert_allclose(z["loss"], window.state.results.frame.loss)
    with np.load(tmp_path / "runs.npz") as z:
        run = last_run(window)
        np.testing.assert_allclose(z["run1_theta"], run.data.thetas)
        np.testing.assert_allclose(z["run1_path"], run.path())
        np.testing.assert_allclose(z["run1_distance"], run.data.distance)


def test_curvature_along_a_gradient_descent_run_with_its_edge_of_stability(qtbot, window):
    pick(qtbot, window, "li-yuan")
    window.optimizer_panel.name.setCurrentIndex(window.optimizer_panel.name.findData("gd"))
    type_into(qtbot, window.optimizer_panel.lr, "0.5")
    _steps(qtbot, window, 60)
    type_into(qtbot, window.optimizer_panel.curvature, "10")
    assert window.state.session.optimizer.curvature_every == 10
    run = _train_from_init(qtbot, window)
    wait_idle(qtbot, window)
    lam = run.data.metric("lambda_max")
    assert np.isfinite(lam).sum() == len(range(0, run.data.step + 1, 10)) + (run.data.step % 10 > 0)
    plot = window.curves.plots["curvature"]
    assert plot.isVisible()
    steps, ys = window.curves.lines[(run.id, "lambda_max")].getData()
    assert steps[0] == 0
    np.testing.assert_allclose(ys, lam[np.isfinite(lam)])
    assert window.curves.stability[run.id].value() == pytest.approx(2 / 0.5)


def test_a_plane_of_hessian_eigenvectors_is_built_in_a_worker_and_undone_in_one_step(qtbot, window):
    pick(qtbot, window, "li-yuan")
    before = window.state.session
    _choose_plane(qtbot, window, "hessian")
    spec = window.state.session.plane
    assert spec.kind == "hessian" and spec.source == "θ₀" and spec.dim == 64
    assert "Hessian eigenvectors at θ₀" in window.plane_panel.info.text()
    assert window.menu_actions["undo"].text() == "&Undo plane"
    window.menu_actions["undo"].trigger()
    assert window.state.session == before
    wait_idle(qtbot, window)


def test_the_full_space_curvature_map_of_a_slice(qtbot, window, tmp_path):
    """Issue 8: λ_min, λ_max and |λ_min/λ_max| of the network's Hessian at every cell of a
    21 × 21 grid of the slice, as compute.hessian_map gives them."""
    from compute import Window, drain, hessian_map

    pick(qtbot, window, "li-yuan")
    toggle(qtbot, window.modes_panel.overlays["hessian"])
    qtbot.waitUntil(
        lambda: (
            window.state.results.hessian_map is not None
            and window.state.results.hessian_map.complete
        ),
        timeout=SLOW,
    )
    wait_idle(qtbot, window)
    shown = window.state.results.hessian_map
    assert shown.lam_max.shape == (21, 21) and np.isfinite(shown.lam_max).all()
    direct = drain(hessian_map(window.state.results.landscape, Window(window.state.session.window)))
    np.testing.assert_allclose(shown.lam_max, direct.lam_max, rtol=1e-3)
    ratio = shown.field("ratio")
    assert (ratio >= 0).all() and window.view.layers["hessian"].image.shape[:2] == (21, 21)
    assert "|λ_min/λ_max|" in window.legends["hessian"].text()
    window.modes_panel.hessian_field.setCurrentIndex(
        window.modes_panel.hessian_field.findData("lambda_min")
    )
    assert window.state.session.hessian_field == "lambda_min"
    assert "λ_min" in window.legends["hessian"].text()
    # the exported map carries the overlay the window shows (issue 10)
    target = tmp_path / "map.npz"
    with qtbot.waitSignal(window.exporter.sigExported, timeout=SLOW):
        window.exporter.export("grid", target)
    with np.load(target) as z:
        np.testing.assert_allclose(z["hessian_lambda_min"], shown.lam_min)


def test_a_ball_on_the_w_v_block_binds_in_the_window_and_unknown_blocks_are_refused(
    qtbot, window, tmp_path
):
    """Shamir's Theorem 4 (seed 001): the ball acts on (w, v) only; a run from θ₀ ends on its
    sphere, and F_lin is the constrained one."""
    pick(qtbot, window, "residual-predictor")
    window.state.apply(params={**window.state.session.params, "variant": "skip"})
    wait_idle(qtbot, window, SLOW)
    panel = window.modes_panel
    assert panel.blocks.isVisibleTo(window)
    type_into(qtbot, panel.radius, "1")
    panel.kind.setCurrentText("ball")
    type_into(qtbot, panel.blocks, "w,x")
    assert "has no parameter block 'x'" in window.banner.text()
    assert window.state.session.modes().constraint.blocks == ()  # refused: the state is kept
    assert panel.kind.currentText() == "ball" and panel.blocks.text() == "w,x"
    type_into(qtbot, panel.blocks, "w,v")
    chosen = window.state.session.modes().constraint
    assert chosen.spec() == "ball:1@w,v" and chosen.blocks == ("w", "v")
    wait_idle(qtbot, window, SLOW)
    landscape = window.state.results.landscape
    assert landscape.problem.baselines["F_lin"] > landscape.problem.baselines.get(
        "F_lin (unconstrained)", 0.0
    )
    run = _train_from_init(qtbot, window)
    wv = landscape.modes.constraint.part(torch.as_tensor(run.data.thetas[-1]))
    assert float(torch.linalg.vector_norm(wv)) == pytest.approx(1.0, abs=1e-6)
    assert float(torch.linalg.vector_norm(torch.as_tensor(run.data.thetas[-1]))) > 1.5
    # the block survives a save and opens again in the fields
    path = tmp_path / "theorem4.json"
    assert window.sessions.save(path)
    other = MainWindow(session_path=str(path), restore_autosave=False)
    qtbot.addWidget(other)
    qtbot.waitUntil(lambda: other.sessions.ready, timeout=10000)  # read in a worker
    assert other.modes_panel.blocks.text() == "w,v" and other.modes_panel.radius.text() == "1"
    wait_idle(qtbot, other, SLOW)
    other.close()
