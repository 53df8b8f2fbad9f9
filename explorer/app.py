"""QApplication start-up (placeholder until the explorer window lands)."""

from __future__ import annotations

import sys


def run_app(session: str | None = None) -> int:
    import pyqtgraph as pg
    from PySide6 import QtWidgets

    pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    window = QtWidgets.QLabel("Landscape Explorer")
    window.resize(800, 600)
    window.show()
    return int(app.exec())
