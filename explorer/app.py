"""QApplication start-up: pyqtgraph options, the main window, the event loop."""

from __future__ import annotations

import gc
import sys

import pyqtgraph as pg
from PySide6 import QtWidgets


def configure_pyqtgraph() -> None:
    """Row-major images (array rows are y) and antialiased curves, once per process."""
    pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)


def run_app(session: str | None = None) -> int:
    configure_pyqtgraph()
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    app.setApplicationName("Landscape Explorer")
    app.setOrganizationName("LandscapeExplorer")
    from explorer.main_window import MainWindow

    window = MainWindow(session)
    window.show()
    # Hundreds of thousands of long-lived objects (torch, Qt) exist by now; moving them out of
    # the collector's reach turns 40–200 ms full collections (visible freezes) into ~1 ms ones.
    gc.collect()
    gc.freeze()
    return int(app.exec())
