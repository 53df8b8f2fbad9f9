"""Network scenarios in the window: the slice, clicks that train, in-plane descent, planes."""

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt

from compute import OptimizerConfig
from compute import session as ses
from explorer.main_window import MainWindow

from .conftest import click_data, last_run, toggle, wait_idle


def _pick(qtbot, w, sid, **changes):
    combo = w.scenario_panel.combo
    combo.setCurrentIndex(combo.findData(sid))
    if changes:
        assert w.apply(**changes)
    wait_idle(qtbot, w, timeout=60000)


def test_li_yuan_slice_and_a_clicked_run_reaches_the_teacher(qtbot, window):
    """Seed 000: from a small start the Li–Yuan student recovers the teacher; clicked on the
    random slice around θ₀, the run trains in the full space and its path is drawn projected,
    ending as far from the plane as the teacher is."""
    _pick(
        qtbot,
        window,
        "li-yuan",
        optimizer=OptimizerConfig.for_optimizer("gd", lr=0.1, steps=1500),
    )
    ctl = window.network_ctl
    assert ctl.slice is not None and np.isfinite(ctl.slice.values["loss"]).all()
    res = window.state.session.resolution
    assert window.view.frame.loss.shape == (res, res)
    assert "teacher" in ctl.slice.references and "init" in ctl.slice.references
    assert len(window.view.mark_labels) >= 2
    click_data(qtbot, window, 0.3, 0.2)
    run = last_run(window)
    qtbot.waitUntil(lambda: run.status in ("converged", "max_steps"), timeout=60000)
    problem = ctl.problem
    teacher = problem.references["teacher"].numpy()
    # the start is the clicked point of the plane, in full space
    start = ctl.plane.point(torch.tensor([0.3, 0.2])).numpy()
    np.testing.assert_allclose(run.thetas[0], start, atol=0.02 * np.linalg.norm(start))
    assert np.linalg.norm(run.thetas[-1] - teacher) < 0.05 * np.linalg.norm(teacher)
    _, _, dist = ctl.slice.references["teacher"]
    assert run.distance[-1] == pytest.approx(dist, rel=0.05)
    assert "off plane" in window.run_table.table.item(0, 4).text()
    xs, _ = window.view.paths[run.id].getData()
    assert len(xs) == len(run.path) > 2


def test_in_plane_runs_stay_in_the_plane(qtbot, window):
    _pick(qtbot, window, "digits-resnet")
    toggle(qtbot, window.plane_panel.in_plane)
    assert window.apply(optimizer=OptimizerConfig.for_optimizer("adam", lr=0.05, steps=60))
    click_data(qtbot, window, 0.2, -0.3)
    run = last_run(window)
    assert run.settings.in_plane
    qtbot.waitUntil(lambda: run.status in ("converged", "max_steps"), timeout=60000)
    assert max(run.distance) < 1e-4
    assert run.loss[-1] < run.loss[0]
    assert "in plane" in window.run_table.table.item(0, 4).text()


def test_pca_plane_of_a_run_and_session_round_trip(qtbot, window, tmp_path):
    _pick(qtbot, window, "linear-residual")
    click_data(qtbot, window, 0.5, 0.5)
    run = last_run(window)
    qtbot.waitUntil(lambda: run.status in ("converged", "max_steps", "diverged"), timeout=60000)
    window.plane_panel.kind.setCurrentIndex(window.plane_panel.kind.findData("pca"))
    assert window.state.session.plane.startswith("pca")
    wait_idle(qtbot, window, timeout=60000)
    plane = window.network_ctl.plane
    assert plane.kind == "pca" and sum(plane.explained_variance) <= 1 + 1e-9
    assert "explained variance" in window.plane_panel.info.text()
    # the run was not restarted by the new plane, only re-projected (it lies in its PCA plane
    # up to the variance the two directions do not explain)
    assert run.status != "queued" and len(run.thetas) > 2
    path = tmp_path / "net.json"
    assert window.save_session(path)
    other = MainWindow(session_path=str(path), restore_autosave=False)
    qtbot.addWidget(other)
    other.show()
    wait_idle(qtbot, other, timeout=60000)
    assert other.state.session == window.state.session == ses.load(path)
    other.close()


def test_bad_network_parameter_is_refused(qtbot, window):
    _pick(qtbot, window, "digits-resnet")
    before = window.state.session
    assert not window.apply(params=dict(before.params) | {"width": 2.5})
    assert window.state.session == before and window.banner.kind == "error"


def test_relaxation_trains_from_its_warm_start_in_one_action(qtbot, window):
    """Seed 000's relaxation: the ResNet block warm-started from trained Li–Yuan weights; one
    button trains from θ₀ (the warm start) and the run does not recover the teacher."""
    _pick(qtbot, window, "relaxation")
    qtbot.mouseClick(window.plane_panel.train_init, Qt.MouseButton.LeftButton)
    run = last_run(window)
    assert run.settings.start == (0.0, 0.0)
    qtbot.waitUntil(lambda: run.status in ("converged", "max_steps"), timeout=90000)
    problem = window.network_ctl.problem
    np.testing.assert_allclose(run.thetas[0], problem.init.numpy(), atol=1e-6)
    metric = run.curves["metric"]
    assert metric[-1] > 0.05  # distance to the teacher stays clearly positive


def test_one_dimensional_interpolation_from_init_to_a_run_end(qtbot, window):
    _pick(qtbot, window, "digits-resnet")
    qtbot.mouseClick(window.plane_panel.interpolate, Qt.MouseButton.LeftButton)
    assert "needs a finished run" in window.banner.text()  # refused, with the reason
    assert window.apply(optimizer=OptimizerConfig.for_optimizer("adam", lr=0.01, steps=80))
    qtbot.mouseClick(window.plane_panel.train_init, Qt.MouseButton.LeftButton)
    run = last_run(window)
    qtbot.waitUntil(lambda: run.status in ("converged", "max_steps"), timeout=60000)
    qtbot.mouseClick(window.plane_panel.interpolate, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.interpolation.isVisible(), timeout=30000)
    alpha, loss = window.interpolation.curve.getOriginalDataset()
    problem = window.network_ctl.problem
    i0, i1 = int(np.argmin(abs(alpha))), int(np.argmin(abs(alpha - 1)))
    assert loss[i0] == pytest.approx(float(problem.loss(problem.init)), rel=1e-4)
    assert loss[i1] == pytest.approx(run.loss[-1], rel=1e-3)
    assert loss[i1] < loss[i0]


def test_log_toggle_redraws_the_slice_without_recomputing_it(qtbot, window):
    _pick(qtbot, window, "digits-resnet")
    finished = window.network_ctl.slice
    log_image = window.view.frame.display.copy()
    toggle(qtbot, window.modes_panel.log)
    assert not window.state.session.log_scale
    assert window.network_ctl.slice is finished and not window.jobs.busy("map")
    np.testing.assert_allclose(window.view.frame.display, finished.values["loss"])
    assert not np.allclose(window.view.frame.display, log_image)
