"""pytest-qt fixtures: a real main window, isolated settings/autosave, no dangling threads,
nothing written to stderr, and helpers that act as a user does (clicks at data coordinates)."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from explorer.app import configure_pyqtgraph
from explorer.jobs import wait_all

# Qt's own warnings fail a test through pytest-qt (qt_log_level_fail in pyproject.toml). The
# offscreen platform plugin (tests only) prints "This plugin does not support
# propagateSizeHints()" itself, straight to stderr: that one line is not the app's.
OFFSCREEN_NOTICE = "This plugin does not support"


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch, capfd):
    monkeypatch.setenv("LANDSCAPE_EXPLORER_AUTOSAVE", str(tmp_path / "autosave.json"))
    monkeypatch.setenv("LANDSCAPE_EXPLORER_SETTINGS", str(tmp_path / "settings.ini"))
    configure_pyqtgraph()
    yield
    assert wait_all(10000), "a worker thread was left running"
    lines = capfd.readouterr().err.splitlines()
    err = "\n".join(line for line in lines if not line.startswith(OFFSCREEN_NOTICE))
    assert not err, f"the window wrote to stderr:\n{err}"


@pytest.fixture
def window(qtbot):
    from explorer.main_window import MainWindow

    w = MainWindow(restore_autosave=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    wait_idle(qtbot, w)
    yield w
    w.close()


def wait_idle(qtbot, w, timeout=30000):
    """Until nothing computes (map, critical points, runs, basins…), and the throttled
    redraws (at most every 100 ms) have shown the last results."""
    qtbot.waitUntil(lambda: not w.busy(), timeout=timeout)
    qtbot.wait(150)


def pick(qtbot, w, sid, timeout=60000):
    """Choose a scenario in the combo box, as a user does, and wait for it to settle."""
    combo = w.scenario_panel.combo
    combo.setCurrentIndex(combo.findData(sid))
    wait_idle(qtbot, w, timeout)


def click_data(qtbot, w, x, y, modifier=Qt.KeyboardModifier.NoModifier):
    """A real left click on the map at data coordinates (x, y)."""
    plot = w.view
    vb = plot.getPlotItem().vb
    pos = plot.mapFromScene(vb.mapViewToScene(QPointF(x, y)))
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, modifier, pos=pos)


def type_into(qtbot, field, text):
    """Select a field's text, type ``text`` and press Return (what a user does)."""
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def last_run(w):
    return list(w.state.runs.values())[-1]


def path_of(run):
    return np.asarray(run.path())


def finished(run):
    return run.status in ("converged", "max_steps", "diverged")


def toggle(qtbot, box):
    """Click a check box on its indicator, as a user does (its centre may be empty space)."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPointF(8, box.height() / 2).toPoint())


def choose(qtbot, combo, text):
    """Pick ``text`` in a combo box by typing it, as a user does with the keyboard (after the
    keyboard-search interval, so that earlier typing does not become its prefix)."""
    from PySide6.QtWidgets import QApplication

    qtbot.wait(QApplication.keyboardInputInterval() + 50)
    qtbot.keyClicks(combo, text)
    assert combo.currentText() == text
