"""Where the window's grid work runs (Tools ▸ Where grid work runs…): this process, a local
cluster of worker processes, or a Dask scheduler; a status-bar indicator with the number of
workers and a link to the Dask dashboard. Slices, basin maps and curvature maps started after
a switch run there (``compute.use_grid_executor``)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import create_worker

from compute import (
    ClusterConnection,
    LandscapeError,
    TlsFiles,
    connect_cluster,
    use_grid_executor,
)
from explorer.session_io import settings

KEY = "cluster/scheduler"
"""The preference: "" (this process), "local:N", "tcp://HOST:PORT" or "tls://HOST:PORT"."""
TLS_KEYS = ("cluster/tls-ca-file", "cluster/tls-cert", "cluster/tls-key")


class ClusterControl(QObject):
    """Owns the connection; ``switch(address)`` connects off the GUI thread, then routes grid
    work there (or back to this process for ""); a failure leaves this process in charge."""

    sigChanged = Signal(str)  # the indicator's text
    sigFailed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.connection: ClusterConnection | None = None
        self.address = ""
        self.busy = False
        self._worker: Any = None

    def text(self) -> str:
        c = self.connection
        if c is None:
            return "Grid work: this process"
        link = f' · <a href="{c.dashboard}">dashboard</a>' if c.dashboard else ""
        workers = c.workers
        return f"Grid work: {c.address} · {workers} worker{'s' * (workers != 1)}{link}"

    def switch(self, address: str, tls: tuple[str, str, str] = ("", "", "")) -> None:
        address = address.strip()
        self._disconnect()
        if not address:
            self.sigChanged.emit(self.text())
            return
        self.busy = True
        self.sigChanged.emit(f"Grid work: connecting to {address}…")

        def body() -> Generator[str, None, ClusterConnection]:
            yield address
            files = TlsFiles(tls[0], tls[1], tls[2] or None) if tls[0] or tls[1] else None
            return connect_cluster(address, files)

        worker = create_worker(body, _start_thread=False, _ignore_errors=True)
        worker.returned.connect(lambda c: self._connected(address, c))
        worker.errored.connect(self._error)
        self._worker = worker
        worker.start()

    def _connected(self, address: str, connection: ClusterConnection) -> None:
        self.busy, self.connection, self.address = False, connection, address
        use_grid_executor(connection.executor())
        self.sigChanged.emit(self.text())

    def _error(self, exc: Exception) -> None:
        self.busy = False
        message = str(exc) if isinstance(exc, LandscapeError) else f"{type(exc).__name__}: {exc}"
        self.sigFailed.emit(message)
        self.sigChanged.emit(self.text())

    def _disconnect(self) -> None:
        use_grid_executor(None)
        connection, self.connection, self.address = self.connection, None, ""
        if connection is not None:
            connection.close()

    def apply(self, address: str, tls: tuple[str, str, str] = ("", "", "")) -> None:
        """Store the preference (restored at the next start) and switch to it."""
        prefs = settings()
        prefs.setValue(KEY, address)
        for k, v in zip(TLS_KEYS, tls, strict=True):
            prefs.setValue(k, v)
        self.switch(address, tls)

    def close(self) -> None:
        if self._worker is not None and self.busy:
            self._worker.quit()
        self._disconnect()


class ClusterDialog(QDialog):
    """The preference: this process / a local cluster of N workers / a scheduler address (with
    TLS certificates)."""

    def __init__(self, current: str, tls: tuple[str, str, str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Where grid work runs")
        self.here = QRadioButton("This process")
        self.local = QRadioButton("A local cluster of worker processes (on 127.0.0.1)")
        self.remote = QRadioButton("A Dask scheduler")
        self.group = QButtonGroup(self)
        for button in (self.here, self.local, self.remote):
            self.group.addButton(button)
        self.workers = QSpinBox()
        self.workers.setRange(1, 256)
        self.workers.setValue(2)
        self.url = QLineEdit()
        self.url.setPlaceholderText("tcp://HOST:8786 or tls://HOST:8786")
        self.tls = [QLineEdit(t) for t in tls]
        for edit, hint in zip(
            self.tls, ("CA file (PEM)", "client certificate", "key"), strict=True
        ):
            edit.setPlaceholderText(hint)
        form = QFormLayout()
        form.addRow("Workers", self.workers)
        form.addRow("Address", self.url)
        for edit, name in zip(self.tls, ("TLS CA", "TLS certificate", "TLS key"), strict=True):
            form.addRow(name, edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        for w in (self.here, self.local, self.remote):
            box.addWidget(w)
        box.addLayout(form)
        note = QLabel("Plain tcp:// is unencrypted: use tls:// outside a trusted network.")
        note.setWordWrap(True)
        box.addWidget(note)
        box.addWidget(buttons)
        if current.startswith("local:"):
            self.local.setChecked(True)
            self.workers.setValue(int(current.split(":")[1]))
        elif current:
            self.remote.setChecked(True)
            self.url.setText(current)
        else:
            self.here.setChecked(True)

    def address(self) -> str:
        if self.local.isChecked():
            return f"local:{self.workers.value()}"
        return self.url.text().strip() if self.remote.isChecked() else ""

    def certificates(self) -> tuple[str, str, str]:
        ca, cert, key = (e.text().strip() for e in self.tls)
        return ca, cert, key


class ClusterIndicator(QLabel):
    """The status bar's "Grid work: …" with the dashboard link."""

    def __init__(self, control: ClusterControl, parent: QWidget | None = None) -> None:
        super().__init__(control.text(), parent)
        self.setObjectName("cluster-indicator")
        self.setOpenExternalLinks(True)
        control.sigChanged.connect(self.setText)


class _CloseWatcher(QObject):
    def __init__(self, control: ClusterControl, parent: QObject) -> None:
        super().__init__(parent)
        self.control = control

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close:
            self.control.close()
        return False


def install_cluster_preference(window: QMainWindow, notify: Any) -> ClusterControl:
    """The hook for the main window: the status-bar indicator, the Tools menu entry, the
    preference restored (a stored cluster is connected again) and closed with the window.
    ``notify(text, kind)`` shows failures."""
    control = ClusterControl(window)
    window.statusBar().addPermanentWidget(ClusterIndicator(control))
    control.sigFailed.connect(
        lambda text: notify(f"grid work stays in this process: {text}", "error")
    )
    prefs = settings()

    def choose() -> None:
        tls = tuple(str(prefs.value(k, "") or "") for k in TLS_KEYS)
        dialog = ClusterDialog(control.address, (tls[0], tls[1], tls[2]), window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        control.apply(dialog.address(), dialog.certificates())

    tools = next(
        (
            a.menu()
            for a in window.menuBar().actions()
            if a.text().replace("&", "") == "Tools" and isinstance(a.menu(), QMenu)
        ),
        None,
    )
    action = QAction("Where grid work runs…", window)
    action.setStatusTip("This process, a local cluster of worker processes or a Dask scheduler")
    action.triggered.connect(choose)
    if isinstance(tools, QMenu):
        tools.addAction(action)
    window.installEventFilter(_CloseWatcher(control, window))
    stored = str(prefs.value(KEY, "") or "")
    if stored:
        tls = tuple(str(prefs.value(k, "") or "") for k in TLS_KEYS)
        control.switch(stored, (tls[0], tls[1], tls[2]))
    return control
