"""The lab's window: three tabs (forward norms, depth sweep, training per scheme), each with a
progress bar, a cancel button (or Esc) and a message line."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from explorer.jobs import Jobs
from explorer.lab.depth_view import DepthView
from explorer.lab.forward_view import ForwardView
from explorer.lab.state import LabState, TabMessage, TabProgress
from explorer.lab.tab import LabTab
from explorer.lab.training_view import TrainingView

ERROR_STYLE = "color: #B00020;"
TITLES = {
    "forward": "Forward norms",
    "depth": "Near-identity depth sweep",
    "training": "Train with each scheme",
}


class JobBar(QWidget):
    """Progress, a cancel button and the last message of one tab's jobs (from the state)."""

    def __init__(self, state: LabState, tab: str, view: LabTab) -> None:
        super().__init__()
        self.tab, self.view = tab, view
        self.progress = QProgressBar()
        self.progress.setObjectName(f"{tab}-progress")
        self.progress.setRange(0, 1000)
        self.progress.setMaximumWidth(220)
        self.cancel = QPushButton("Cancel (Esc)")
        self.cancel.setObjectName(f"{tab}-cancel")
        self.cancel.setEnabled(False)
        self.cancel.clicked.connect(view.cancel)
        self.message = QLabel()
        self.message.setObjectName(f"{tab}-message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.progress)
        layout.addWidget(self.cancel)
        layout.addWidget(self.message, 1)
        state.events.busy.connect(self._busy)
        state.events.message.connect(self._message)

    def _busy(self, progress: TabProgress) -> None:
        if progress.tab != self.tab:
            return
        fraction = progress.fraction
        running = 0 <= fraction < 1
        self.cancel.setEnabled(running)
        if fraction >= 0:
            self.progress.setValue(round(1000 * min(fraction, 1.0)))
        if running and fraction == 0:
            self.message.setStyleSheet("")
            self.message.setText("running…")

    def _message(self, message: TabMessage) -> None:
        if message.tab == self.tab:
            self.message.setStyleSheet(ERROR_STYLE if message.kind == "error" else "")
            self.message.setText(message.text)


class LabWindow(QMainWindow):
    """The initialization and depth lab (issue 9), independent of the main window's session.

    ``LabWindow(parent=None)``. Every computation runs in this window's ``Jobs`` (one slot
    per tab); Esc cancels the current tab's job; closing the window stops them all.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lab-window")
        self.setWindowTitle("Initialization and depth lab")
        self.state = LabState()
        self.jobs = Jobs(self)
        self.forward_view = ForwardView(self.state, self.jobs)
        self.depth_view = DepthView(self.state, self.jobs)
        self.training_view = TrainingView(self.state, self.jobs)
        self.views: dict[str, LabTab] = {
            "forward": self.forward_view,
            "depth": self.depth_view,
            "training": self.training_view,
        }
        self.bars: dict[str, JobBar] = {}
        self.tabs = QTabWidget()
        self.tabs.setObjectName("lab-tabs")
        for name, view in (
            ("forward", self.forward_view),
            ("depth", self.depth_view),
            ("training", self.training_view),
        ):
            page = QWidget()
            page.setObjectName(f"tab-{name}")
            column = QVBoxLayout(page)
            column.addWidget(view, 1)
            self.bars[name] = JobBar(self.state, name, view)
            column.addWidget(self.bars[name])
            self.tabs.addTab(page, TITLES[name])
        self.setCentralWidget(self.tabs)
        self.resize(1200, 780)
        self.forward_view.run()  # the default sweep (about 3 s) fills the first tab at once

    def show_tab(self, name: str) -> None:
        """Bring tab ``name`` ("forward", "depth", "training") to the front."""
        self.tabs.setCurrentIndex(list(self.views).index(name))

    def current_tab(self) -> str:
        return list(self.views)[self.tabs.currentIndex()]

    def cancel_current(self) -> bool:
        """Esc: stop the visible tab's job (True if one was running)."""
        return self.views[self.current_tab()].cancel()

    def busy(self) -> bool:
        return any(view.busy() for view in self.views.values())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Esc that no field took (a number field's Esc restores its value) cancels."""
        if event.key() == Qt.Key.Key_Escape:
            self.cancel_current()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop this window's jobs; they end at their next yield (≤ 50 ms of work). Not
        ``Jobs.shutdown``, whose wait on the global pool would also wait for the main
        window's work."""
        self.forward_view.cancel()
        for slot in self.views:
            self.jobs.cancel(slot)
        super().closeEvent(event)
