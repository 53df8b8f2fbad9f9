"""QApplication start-up: pyqtgraph options, error routing, the main window, the event loop."""

from __future__ import annotations

import gc
import logging
import os
import signal
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

LOG = logging.getLogger("landscape-explorer")


def share_gl_contexts() -> None:
    """Before the QApplication exists: OpenGL contexts share resources, so the 3-D view's
    shaders (compiled once by pyqtgraph) stay valid when its dock floats or docks again (a
    QOpenGLWidget gets a new context each time it changes window)."""
    if QtCore.QCoreApplication.instance() is None:  # Qt warns when it is too late
        QtCore.QCoreApplication.setAttribute(QtCore.Qt.ApplicationAttribute.AA_ShareOpenGLContexts)


def configure_pyqtgraph() -> None:
    """Row-major images (array rows are y), antialiased curves and axis labels centred whenever
    their text changes, once per process."""
    pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)
    centre_axis_labels()


def centre_axis_labels() -> None:
    """pyqtgraph (0.14) places an axis label in the axis's ``resizeEvent`` only, so a label
    whose text changes later (``setLabel``, an SI prefix) stays where the old text was centred,
    and a longer one runs off the plot (the spectrum's symlog label, the map's colour bar after
    a log/linear switch). Every label update re-places it, for every plot of the application:
    patched once here rather than in each of the dozen places that set labels."""
    update = pg.AxisItem._updateLabel
    if getattr(update, "recentres", False):
        return

    def _update_label(axis: pg.AxisItem) -> None:
        update(axis)
        axis.resizeEvent()

    _update_label.recentres = True  # type: ignore[attr-defined]
    pg.AxisItem._updateLabel = _update_label


def matplotlib_folder() -> None:
    """Matplotlib's cache in the explorer's data folder when its own (XDG_CONFIG_HOME or
    ~/.config/matplotlib) cannot be written: it would otherwise warn on stderr at every start."""
    from explorer.session_io import data_folder, unwritable

    if "MPLCONFIGDIR" in os.environ:
        return
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    if unwritable(config / "matplotlib"):
        os.environ["MPLCONFIGDIR"] = str(data_folder()[0] / "matplotlib")


def route_errors(window: QtWidgets.QMainWindow | None) -> Path:
    """Unexpected Python exceptions and Qt warnings go to a log file (in the data folder, or
    where ``data_folder`` falls back to, which the window then says once), and exceptions to a
    message in the window, never as a traceback on stderr. Returns the log's path."""
    from explorer.session_io import data_folder

    folder, note = data_folder()
    path = folder / "explorer.log"
    state = getattr(window, "state", None)
    if note and state is not None:
        state.notify(note, "warning")
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    LOG.addHandler(handler)
    LOG.setLevel(logging.INFO)

    def excepthook(
        kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        LOG.error("".join(traceback.format_exception(kind, value, tb)))
        if state is not None:
            state.notify(f"Internal error: {kind.__name__}: {value} (details in {path})", "error")

    def qt_messages(
        mode: QtCore.QtMsgType, context: QtCore.QMessageLogContext, message: str
    ) -> None:
        LOG.warning("Qt %s: %s", mode.name, message)

    sys.excepthook = excepthook
    QtCore.qInstallMessageHandler(qt_messages)
    return path


def warm_up_in_background() -> threading.Thread:
    """Import what the first run would otherwise import inside a worker, after the window is
    on screen: torch.optim's first optimizer imports torch._dynamo (~1.3 s of module code, of
    which a lazy import in a run's worker would hold the import lock at the first click), and
    the figure code (matplotlib, ~0.4 s) that Help ▸ Gallery and exports use."""

    def warm() -> None:
        try:
            import torch._dynamo  # noqa: F401

            import compute

            compute.GALLERY_ENTRIES  # noqa: B018  (matplotlib: for Help ▸ Gallery and exports)
        except Exception:  # only a head start: the first use imports it again and reports
            LOG.exception("warm-up import failed")

    thread = threading.Thread(target=warm, name="warm-up", daemon=True)
    thread.start()
    return thread


def quit_on_sigterm(app: QtCore.QCoreApplication, window: QtWidgets.QWidget) -> None:
    """SIGTERM (``timeout``, a batch system's kill) closes the window as File ▸ Quit does (the
    session is autosaved) and ends the event loop. Python runs a signal handler only when it
    next gets control, which Qt's idle loop never gives it, and the command line's handler
    raises an exception that PySide swallows inside a Qt callback: so a handler that asks Qt
    to close, and a 200 ms timer that lets Python look at pending signals."""

    def close(signum: int, frame: object) -> None:
        QtCore.QTimer.singleShot(0, window.close)
        QtCore.QTimer.singleShot(0, app.quit)

    signal.signal(signal.SIGTERM, close)
    timer = QtCore.QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(200)


def run_app(session: str | None = None, model: str | None = None) -> int:
    """The window (opening ``session``, else restoring the autosave; with ``model``, your own
    model instead of the autosave) and the event loop."""
    configure_pyqtgraph()
    share_gl_contexts()
    matplotlib_folder()
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    app.setApplicationName("Landscape Explorer")
    app.setOrganizationName("LandscapeExplorer")
    from explorer.main_window import MainWindow

    window = MainWindow(session, restore_autosave=model is None)
    route_errors(window)
    window.show()
    app.processEvents()  # the first paint, before the rest of start-up
    if model is not None:
        window.models.open_model(model)
    warm_up_in_background()
    quit_on_sigterm(app, window)
    # Hundreds of thousands of long-lived objects (torch, Qt) exist by now; moving them out of
    # the collector's reach turns 40–200 ms full collections (visible freezes) into ~1 ms ones.
    gc.collect()
    gc.freeze()
    return int(app.exec())
