"""Sessions (save, open, autosave, bad files), exports, and behaviour under load."""

import json
import time
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6.QtCore import QElapsedTimer, Qt, QThreadPool, QTimer
from PySide6.QtWidgets import QFileDialog, QInputDialog

from compute import session as ses
from explorer.main_window import MainWindow

from .conftest import click_data, last_run, toggle, wait_idle


def _set_up_some_state(qtbot, w):
    w.scenario_panel.combo.setCurrentIndex(w.scenario_panel.combo.findData("psd-factorization"))
    w.scenario_panel.controls["m12"].spin.setValue(-0.3)
    toggle(qtbot, w.modes_panel.l2_on)
    w.modes_panel.radius.setValue(1.25)
    w.modes_panel.kind.setCurrentText("box")
    w.optimizer_panel.name.setCurrentIndex(w.optimizer_panel.name.findData("adam"))
    click_data(qtbot, w, 0.5, -0.8)
    click_data(qtbot, w, -0.2, 0.6)
    wait_idle(qtbot, w)


def test_save_then_open_restores_the_same_state(qtbot, window, tmp_path, monkeypatch):
    _set_up_some_state(qtbot, window)
    path = tmp_path / "explore.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert path.exists()
    saved = window.state.session
    assert json.loads(path.read_text())["version"] == ses.VERSION
    other = MainWindow(session_path=str(path), restore_autosave=False)
    qtbot.addWidget(other)
    other.show()
    wait_idle(qtbot, other)
    assert other.state.session == saved
    assert other.modes_panel.kind.currentText() == "box"
    assert other.modes_panel.radius.value() == pytest.approx(1.25)
    assert other.scenario_panel.controls["m12"].spin.value() == pytest.approx(-0.3)
    assert [r.status for r in other.state.runs.values()] == ["converged", "converged"]
    for a, b in zip(window.state.runs.values(), other.state.runs.values(), strict=True):
        np.testing.assert_allclose(a.path[-1], b.path[-1])
    other.close()


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("{oops", "corrupt"),
        ('{"format": "landscape-explorer-session", "version": 7, "scenario": "shamir"}', "newer"),
    ],
)
def test_corrupt_or_future_session_is_refused_and_state_kept(
    qtbot, window, tmp_path, monkeypatch, content, needle
):
    click_data(qtbot, window, 1.0, 1.0)
    before = window.state.session
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert window.state.session == before and len(window.state.runs) == 1
    assert needle in window.banner.text() and window.banner.kind == "error"
    wait_idle(qtbot, window)


def test_autosave_restores_after_the_window_closes(qtbot, tmp_path):
    w = MainWindow(restore_autosave=False)
    qtbot.addWidget(w)
    w.show()
    _set_up_some_state(qtbot, w)
    saved = w.state.session
    w.close()
    again = MainWindow()
    qtbot.addWidget(again)
    again.show()
    assert again.state.session == saved
    assert "Restored" in again.banner.text()
    wait_idle(qtbot, again)
    again.close()


def test_corrupt_autosave_starts_fresh_with_a_message(qtbot, tmp_path, monkeypatch):
    auto = tmp_path / "autosave.json"
    auto.write_text("\x00 not json")
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    assert w.state.session == ses.default_session()
    assert "could not be restored" in w.banner.text()
    wait_idle(qtbot, w)
    w.close()


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_figure_exports_are_valid_files_with_metadata(qtbot, window, tmp_path, suffix):
    click_data(qtbot, window, -1.5, -1.0)
    wait_idle(qtbot, window)
    for what in ("map", "curves", "window"):
        target = tmp_path / f"{what}{suffix}"
        with qtbot.waitSignal(window.sigExported, timeout=30000) as blocker:
            getattr(window.exporter, f"export_{what}")(target, 150)
        assert target in blocker.args[0] and target.stat().st_size > 1000
        head = target.read_bytes()[:8]
        if suffix == ".png":
            assert head == b"\x89PNG\r\n\x1a\n"
        elif suffix == ".pdf":
            assert head.startswith(b"%PDF")
        else:
            assert ET.parse(target).getroot().tag.endswith("svg")
        sidecar = json.loads(target.with_name(target.name + ".json").read_text())
        assert "shamir" in json.dumps(sidecar)


def test_export_through_the_menu_with_chosen_dpi(qtbot, window, tmp_path, monkeypatch):
    target = tmp_path / "fig.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    monkeypatch.setattr(QInputDialog, "getInt", lambda *a, **k: (200, True))
    with qtbot.waitSignal(window.sigExported, timeout=30000):
        window.actions["export_map"].trigger()
    assert target.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("suffix", [".csv", ".npz"])
def test_data_exports_hold_the_grid_and_trajectories(qtbot, window, tmp_path, suffix):
    click_data(qtbot, window, -1.5, -1.0)
    wait_idle(qtbot, window)
    for what in ("grid", "runs"):
        target = tmp_path / f"{what}{suffix}"
        with qtbot.waitSignal(window.sigExported, timeout=30000):
            getattr(window.exporter, f"export_{what}")(target)
        assert target.stat().st_size > 100
    if suffix == ".npz":
        with np.load(tmp_path / "grid.npz") as z:
            res = window.state.session.resolution
            assert z["loss"].shape == (res, res)
        with np.load(tmp_path / "runs.npz") as z:
            np.testing.assert_allclose(z["run0_path"][-1], last_run(window).path[-1])


def test_event_loop_stays_responsive_while_basins_and_runs_compute(qtbot, window):
    """Largest gap between ticks of a 10 ms GUI-thread timer while a 128×128 basin map and four
    runs compute. The issue's target is 100 ms; benchmarks/responsiveness_bench.py measures it
    over repeated trials (median 57–69 ms on the quiet 2-core dev machine; a full garbage
    collection or another busy process can add 100+ ms). Here the bound is 250 ms,
    which still fails on any real freeze (a blocking computation on the GUI thread costs
    seconds) without making CI flaky on a loaded machine."""
    gaps, clock = [], QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]

    def tick():
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer(interval=10)
    timer.timeout.connect(tick)
    timer.start()
    toggle(qtbot, window.modes_panel.overlays["basins"])
    for x, y in ((-1.5, -1.0), (1.5, 2.0), (2.0, -2.5), (-2.5, 2.5)):
        click_data(qtbot, window, x, y)
        qtbot.wait(50)  # a user's clicks are apart; back-to-back synthetic ones would be one tick
    qtbot.waitUntil(lambda: window.landscape_ctl.basins is not None, timeout=60000)
    wait_idle(qtbot, window)
    timer.stop()
    worst = max(gaps[1:])
    print(f"\nlargest event-loop gap: {worst} ms over {len(gaps)} ticks")
    assert worst < 250
    labels = window.landscape_ctl.basins.labels
    assert labels.shape == (128, 128) and (labels >= 0).mean() > 0.5


def test_closing_during_computation_exits_within_a_second(qtbot):
    w = MainWindow(restore_autosave=False)
    qtbot.addWidget(w)
    w.show()
    w.optimizer_panel.delay.setValue(5)
    w.optimizer_panel.steps.setValue(100000)
    toggle(qtbot, w.modes_panel.overlays["basins"])
    for x, y in ((-1.5, -1.0), (1.5, 2.0), (2.0, -2.5)):
        click_data(qtbot, w, x, y)
    qtbot.waitUntil(lambda: w.jobs.busy("basins"), timeout=20000)
    t0 = time.perf_counter()
    w.close()
    assert QThreadPool.globalInstance().waitForDone(1000)
    assert time.perf_counter() - t0 < 1.0
