"""pytest-qt fixtures: a real main window, isolated settings/autosave, no dangling threads."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt, QThreadPool

from explorer.app import configure_pyqtgraph


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("LANDSCAPE_EXPLORER_AUTOSAVE", str(tmp_path / "autosave.json"))
    monkeypatch.setenv("LANDSCAPE_EXPLORER_SETTINGS", str(tmp_path / "settings.ini"))
    configure_pyqtgraph()
    yield
    assert QThreadPool.globalInstance().waitForDone(5000), "a worker thread was left running"


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


def wait_idle(qtbot, w, timeout=20000):
    """Until no job (map, critical points, runs, basins…) is computing."""
    qtbot.waitUntil(
        lambda: (
            not w.jobs.busy_slots()
            and not w.runs_ctl.busy()
            and not w.landscape_ctl._critical_timer.isActive()
        ),
        timeout=timeout,
    )


def click_data(qtbot, w, x, y, modifier=Qt.KeyboardModifier.NoModifier):
    """A real left click on the map at data coordinates (x, y)."""
    plot = w.view
    vb = plot.getPlotItem().vb
    pos = plot.mapFromScene(vb.mapViewToScene(QPointF(x, y)))
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, modifier, pos=pos)


def last_run(w):
    return list(w.state.runs.values())[-1]


def path_of(run):
    return np.array(run.path)


def toggle(qtbot, box):
    """Click a check box on its indicator, as a user does (its centre may be empty space)."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPointF(8, box.height() / 2).toPoint())
