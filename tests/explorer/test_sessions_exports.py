"""Sessions (save, open, autosave, bad files), exports, and behaviour under load."""

import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFileDialog, QInputDialog

from compute import default_session
from compute.sessions.file import VERSION
from explorer.jobs import wait_all
from explorer.main_window import MainWindow

from .conftest import click_data, last_run, path_of, pick, toggle, type_into, wait_idle


def _png_size(path):
    """(width, height) in pixels from a PNG's IHDR chunk."""
    data = path.read_bytes()
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _set_up_some_state(qtbot, w):
    pick(qtbot, w, "psd-factorization")
    type_into(qtbot, w.scenario_panel.controls["m12"].field, "-0.3")
    toggle(qtbot, w.modes_panel.l2_on)
    type_into(qtbot, w.modes_panel.radius, "1.25")
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
    assert json.loads(path.read_text())["version"] == VERSION
    other = MainWindow(session_path=str(path), restore_autosave=False)
    qtbot.addWidget(other)
    other.show()
    wait_idle(qtbot, other)  # the file is read in a worker
    assert other.state.session == saved
    assert other.modes_panel.kind.currentText() == "box"
    assert other.modes_panel.radius.value() == pytest.approx(1.25)
    assert other.scenario_panel.controls["m12"].field.value() == pytest.approx(-0.3)
    assert [r.status for r in other.state.runs.values()] == ["converged", "converged"]
    for a, b in zip(window.state.runs.values(), other.state.runs.values(), strict=True):
        np.testing.assert_allclose(path_of(a)[-1], path_of(b)[-1])
    other.close()


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("{oops", "corrupt"),
        ('{"format": "landscape-explorer-session", "version": 7, "scenario": "shamir"}', "newer"),
        (
            '{"format": "landscape-explorer-session", "version": 2, "scenario": "shamir", "x": 1}',
            "'x'",
        ),
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
    qtbot.waitUntil(lambda: window.banner.kind == "error", timeout=10000)  # read in a worker
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
    qtbot.waitUntil(lambda: again.sessions.ready, timeout=10000)  # read in a worker
    assert again.state.session == saved
    assert "Restored" in again.banner.text()
    wait_idle(qtbot, again)
    again.close()


def test_closing_right_after_a_change_still_autosaves_it(qtbot, tmp_path):
    w = MainWindow(restore_autosave=False)
    qtbot.addWidget(w)
    w.show()
    wait_idle(qtbot, w)
    type_into(qtbot, w.optimizer_panel.lr, "0.0123")  # then close at once: no autosave tick
    changed = w.state.session
    assert changed.optimizer.lr == 0.0123
    w.close()
    again = MainWindow()
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.sessions.ready, timeout=10000)
    assert again.state.session == changed
    wait_idle(qtbot, again)
    again.close()


@pytest.mark.parametrize(
    "content",
    [
        "\x00 not json",
        '{"format": "landscape-explorer-session", "version": 2, '
        '"scenario": "shamir", "resolution": NaN}',
    ],
)
def test_a_bad_autosave_is_set_aside_and_never_blocks_a_start(qtbot, tmp_path, content):
    auto = tmp_path / "autosave.json"
    auto.write_text(content)
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.sessions.ready, timeout=10000)
    assert w.state.session == default_session()
    assert "could not be restored" in w.banner.text() and "kept as" in w.banner.text()
    assert list(tmp_path.glob("autosave.json.bad-*"))  # kept for the user, out of the way
    wait_idle(qtbot, w)
    w.close()
    again = MainWindow()  # the next start is clean
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.sessions.ready, timeout=10000)
    assert "could not be restored" not in again.banner.text()
    wait_idle(qtbot, again)
    again.close()


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_figure_exports_are_valid_files_with_metadata(qtbot, window, tmp_path, suffix):
    click_data(qtbot, window, -1.5, -1.0)
    wait_idle(qtbot, window)
    for what in ("map", "curves", "window"):
        target = tmp_path / f"{what}{suffix}"
        with qtbot.waitSignal(window.exporter.sigExported, timeout=30000) as blocker:
            window.exporter.export(what, target, 150)
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
    monkeypatch.setattr(QInputDialog, "getItem", lambda _w, _t, _l, items, *a: (items[1], True))
    with qtbot.waitSignal(window.exporter.sigExported, timeout=30000):
        window.menu_actions["export_map"].trigger()
    assert target.read_bytes()[:4] == b"\x89PNG"
    width, _ = _png_size(target)
    assert width == pytest.approx(6.75 * 200, rel=0.02)  # the double-column width at 200 dpi


@pytest.mark.parametrize("suffix", [".csv", ".npz"])
def test_data_exports_hold_the_grid_and_trajectories(qtbot, window, tmp_path, suffix):
    click_data(qtbot, window, -1.5, -1.0)
    wait_idle(qtbot, window)
    for what in ("grid", "runs"):
        target = tmp_path / f"{what}{suffix}"
        with qtbot.waitSignal(window.exporter.sigExported, timeout=30000):
            window.exporter.export(what, target)
        assert target.stat().st_size > 100
    if suffix == ".npz":
        with np.load(tmp_path / "grid.npz") as z:
            res = window.state.session.resolution
            assert z["loss"].shape == (res, res)
        with np.load(tmp_path / "runs.npz") as z:
            np.testing.assert_allclose(z["run1_path"][-1], path_of(last_run(window))[-1])


def test_basins_and_runs_compute_while_the_window_keeps_drawing(qtbot, window):
    """A 128×128 basin map and four runs compute in workers while the event loop keeps ticking
    (the gaps are measured by benchmarks/responsiveness_bench.py, not asserted here)."""
    ticks = []
    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    toggle(qtbot, window.modes_panel.overlays["basins"])
    for x, y in ((-1.5, -1.0), (1.5, 2.0), (2.0, -2.5), (-2.5, 2.5)):
        click_data(qtbot, window, x, y)
        qtbot.wait(50)
    qtbot.waitUntil(lambda: window.state.results.basins is not None, timeout=60000)
    wait_idle(qtbot, window)
    timer.stop()
    assert len(ticks) > 20
    labels = window.state.results.basins.labels
    assert labels.shape == (128, 128) and (labels >= 0).mean() > 0.5


def test_closing_during_computation_stops_every_worker(qtbot):
    w = MainWindow(restore_autosave=False)
    qtbot.addWidget(w)
    w.show()
    w.optimizer_panel.delay.setValue(5)
    type_into(qtbot, w.optimizer_panel.steps, "100000")
    toggle(qtbot, w.modes_panel.overlays["basins"])
    for x, y in ((-1.5, -1.0), (1.5, 2.0), (2.0, -2.5)):
        click_data(qtbot, w, x, y)
    qtbot.waitUntil(lambda: w.jobs.busy("basins"), timeout=20000)
    w.close()
    assert wait_all(5000)
    assert not w.jobs.busy_slots() and not w.runs_ctl.busy()


def test_exports_that_need_runs_or_a_spectrum_say_so_and_write_nothing(qtbot, window, tmp_path):
    for what, words in (("curves", "no runs"), ("animation", "no runs"), ("spectrum", "Alt+click")):
        target = tmp_path / f"{what}.{'gif' if what == 'animation' else 'pdf'}"
        window.exporter.export(what, target)
        assert words in window.banner.text() and not target.exists()
    # Alt+click: the spectrum there, then its figure
    click_data(qtbot, window, 0.5, 1.5, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.state.results.spectrum is not None, timeout=30000)
    wait_idle(qtbot, window)
    target = tmp_path / "spectrum.pdf"
    with qtbot.waitSignal(window.exporter.sigExported, timeout=30000):
        window.exporter.export("spectrum", target)
    assert target.read_bytes()[:4] == b"%PDF"
    click_data(qtbot, window, -1.5, -1.0)
    wait_idle(qtbot, window)
    target = tmp_path / "runs.gif"
    with qtbot.waitSignal(window.exporter.sigExported, timeout=60000):
        window.exporter.export("animation", target)
    assert target.read_bytes()[:6] == b"GIF89a"


def test_cancel_stops_an_animation_export_and_leaves_no_file(qtbot, window, tmp_path):
    """A long animation shows its frames' progress; Cancel (the status bar's button) stops it
    between frames with nothing written: no file, no temporary, no sidecar."""
    pick(qtbot, window, "shamir")
    click_data(qtbot, window, -1.5, -1.0)
    wait_idle(qtbot, window)
    folder = tmp_path / "figures"
    folder.mkdir()
    target = folder / "long.gif"
    window.exporter.export("animation", target, fps=30, seconds=60)
    bar = window.status.progress
    qtbot.waitUntil(lambda: bar.isVisible() and 0 < bar.value() < bar.maximum(), timeout=60000)
    qtbot.mouseClick(window.status.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.busy(), timeout=30000)
    qtbot.wait(500)  # the worker reaches its next frame and stops
    assert list(folder.iterdir()) == [] and window.status.text.text() == "Cancelled"
    assert not bar.isVisible()


def test_help_gallery_opens_a_seed_session_as_a_copy(qtbot, window):
    from PySide6.QtWidgets import QMenu

    menu = window.findChild(QMenu, "gallery-menu")
    menu.aboutToShow.emit()
    entries = {a.text(): a for a in menu.actions()}
    shamir = next(a for t, a in entries.items() if t.startswith("Shamir's Example 1"))
    panels = {a.text(): a for a in shamir.menu().actions()}
    assert list(panels) == ["shamir-a-plain", "shamir-b-l2", "shamir-c-ball"]
    panels["shamir-b-l2"].trigger()
    wait_idle(qtbot, window)
    assert window.state.session.l2 == 0.2 and window.state.session.scenario == "shamir"
    assert window.sessions.path is None  # Ctrl+S asks where: the gallery file stays as it is
    assert any("(in the lab)" in t for t in entries)
    from compute import GALLERY_SESSIONS

    offered = {a.text() for e in entries.values() if e.menu() for a in e.menu().actions()}
    assert offered == {p.stem for p in GALLERY_SESSIONS.glob("*.json")}  # every seed session


def test_this_window_and_two_seed_sessions_make_one_three_panel_figure(qtbot, window, tmp_path):
    from compute import GALLERY_SESSIONS
    from explorer.compose_dialog import WINDOW, Composition

    pick(qtbot, window, "shamir")
    click_data(qtbot, window, -1.5, -1.0)
    wait_idle(qtbot, window)
    sources = (
        WINDOW,
        *(str(GALLERY_SESSIONS / f) for f in ("shamir-b-l2.json", "shamir-c-ball.json")),
    )
    target = tmp_path / "seed-001.pdf"
    with qtbot.waitSignal(window.composer.sigComposed, timeout=120000) as blocker:
        window.composer.compose(Composition(sources, "map", "", "double", True, 150, str(target)))
    assert blocker.args[0][0] == target and target.read_bytes()[:4] == b"%PDF"
    record = json.loads(target.with_name(target.name + ".json").read_text())
    assert [p["modes"]["l2"] for p in record["panels"]] == [0.0, 0.2, 0.0]
    assert record["panels"][2]["modes"]["constraint"] == "ball:2"
    # a window without runs has no curves: said so, nothing written
    window.run_action("clear", [])
    bad = tmp_path / "curves.pdf"
    window.composer.compose(Composition((WINDOW,), "curves", "", "single", False, 150, str(bad)))
    assert "no runs" in window.banner.text() and not bad.exists()


def test_a_300_dpi_window_export_paints_in_strips_and_encodes_off_the_gui_thread(
    qtbot, window, tmp_path, monkeypatch
):
    """Issue 21 item 4: the whole window at 300 dpi (1440×900: 12.7 Mpx, ~1 s frozen when
    painted and encoded in one go) is painted a strip per event-loop turn and written in a
    worker; the picture equals one painted in a single pass."""
    import math
    import threading

    from PySide6.QtGui import QImage

    from explorer import export_window, exporting

    window.resize(1440, 900)
    wait_idle(qtbot, window)
    with monkeypatch.context() as one_pass:  # the idle window in one pass, for comparison
        one_pass.setattr(export_window, "STRIP_PIXELS", 10**9)
        strips = export_window.render_strips(window, 300)
        with pytest.raises(StopIteration) as done:
            next(strips)
            next(strips)
    painted, writers = [], []
    render = window.render
    monkeypatch.setattr(window, "render", lambda *a: (painted.append(a), render(*a)))
    write = exporting.write_window
    monkeypatch.setattr(
        exporting,
        "write_window",
        lambda *a: (writers.append(threading.current_thread()), write(*a))[1],
    )
    target = tmp_path / "window.png"
    with qtbot.waitSignal(window.exporter.sigExported, timeout=60000):
        window.exporter.export("window", target, 300)
        assert painted == [] and not target.exists()  # painted a strip per event-loop turn
    w, h = round(1440 * 300 / 96), round(900 * 300 / 96)
    assert len(painted) == math.ceil(w * h / export_window.STRIP_PIXELS) >= 8
    assert writers and writers[0] is not threading.main_thread()
    saved = QImage(str(target))
    whole = done.value.value.convertToFormat(saved.format())
    assert (saved.width(), saved.height()) == (whole.width(), whole.height()) == (w, h)
    a = np.frombuffer(saved.constBits(), np.uint8).reshape(h, -1)
    b = np.frombuffer(whole.constBits(), np.uint8).reshape(h, -1)
    differ = np.abs(a.astype(int) - b.astype(int)) > 8
    assert differ.mean() < 1e-4  # anti-aliased seams between strips at most


def test_mp4_without_its_encoder_is_refused_before_the_frame_rate_questions(
    qtbot, window, tmp_path, monkeypatch
):
    """Issue 21 item 13: with imageio-ffmpeg missing, File ▸ Export ▸ Runs as an animation to
    an .mp4 says so (and how to get it) at once, not after asking frames and length."""
    import sys

    click_data(qtbot, window, -1.5, -1.0)
    wait_idle(qtbot, window)
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # `import` raises ImportError
    target = tmp_path / "runs.mp4"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    asked: list[str] = []
    monkeypatch.setattr(QInputDialog, "getInt", lambda *a, **k: (asked.append(a[1]), (20, True))[1])
    monkeypatch.setattr(
        QInputDialog, "getDouble", lambda *a, **k: (asked.append(a[1]), (6.0, True))[1]
    )
    window.menu_actions["export_animation"].trigger()
    assert asked == [] and not target.exists()
    assert "imageio-ffmpeg" in window.banner.text() and "GIF" in window.banner.text()
