"""The window's preference for where grid work runs: to a local cluster and back, through the
Tools menu's dialog, with the status-bar indicator and compute's default executor following."""

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLabel

pytest.importorskip("distributed")

from compute.cluster import DaskExecutor
from compute.geometry.executors import InProcess, default_grid_executor
from explorer.cluster import ClusterDialog

pytestmark = pytest.mark.slow


def click_radio(qtbot, button):
    """Click a radio button on its indicator (the middle of a wide button is not on it)."""
    pos = QPoint(8, button.height() // 2)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=pos)


def choose_in_dialog(qtbot, window, pick):
    """Open Tools ▸ Where grid work runs…, let ``pick(dialog)`` set it, press OK."""

    def act():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ClusterDialog)
        pick(dialog)
        ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    action = next(
        a
        for m in window.menuBar().actions()
        for a in (m.menu().actions() if m.menu() else [])
        if a.text() == "Where grid work runs…"
    )
    QTimer.singleShot(100, act)
    action.trigger()


def test_the_preference_switches_grid_work_to_a_local_cluster_and_back(qtbot, window):
    indicator = window.statusBar().findChild(QLabel, "cluster-indicator")
    assert indicator.text() == "Grid work: this process"

    def local_one(dialog):
        click_radio(qtbot, dialog.local)
        dialog.workers.setValue(1)

    choose_in_dialog(qtbot, window, local_one)
    qtbot.waitUntil(lambda: "1 worker" in indicator.text(), timeout=120_000)
    assert "local:1" in indicator.text() and "dashboard" in indicator.text()
    assert isinstance(default_grid_executor(), DaskExecutor)
    client = window.cluster.connection.client
    assert client.status == "running"
    assert window.cluster.connection.address.loopback

    choose_in_dialog(qtbot, window, lambda d: click_radio(qtbot, d.here))
    qtbot.waitUntil(lambda: indicator.text() == "Grid work: this process", timeout=30_000)
    assert isinstance(default_grid_executor(), InProcess)
    assert client.status == "closed" and window.cluster.connection is None
