"""A dismissable message strip above the map: errors in red, warnings in amber, notices in
blue (never modal)."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QToolButton, QWidget

STYLES = {
    "error": "background:#FDE2E1; color:#8A1F11; border:1px solid #E0A09A;",
    "info": "background:#E3F0FB; color:#0B4A78; border:1px solid #9CC3E4;",
    "warning": "background:#FFF4D6; color:#6B4A00; border:1px solid #E5C56A;",
}


class Banner(QWidget):
    """``show_message(text, kind)``; errors stay until dismissed or replaced, notices 6 s."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setObjectName("banner-text")
        self.more = QToolButton()
        self.more.setText("Details…")
        self.more.setObjectName("banner-details")
        self.more.setToolTip("The traceback of your own code")
        self.more.clicked.connect(self.show_details)
        self.details = ""
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.more)
        layout.addWidget(close)
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.hide)
        self.kind = ""
        self.hide()

    def show_message(self, text: str, kind: str = "info", details: str = "") -> None:
        """Show ``text`` (kind "info", "warning" or "error"); kind "clear" hides the current
        message. Errors and warnings stay until dismissed or replaced, notices 6 s. With
        ``details`` (a user's traceback) a Details… button shows them."""
        if kind == "clear":
            self.hide()
            return
        self.kind = kind
        self.label.setText(text)
        self.details = details
        self.more.setVisible(bool(details))
        self.setStyleSheet(f"QWidget {{{STYLES[kind]}}}")
        self.show()
        self._timer.stop()
        if kind == "info":
            self._timer.start(6000)

    def show_details(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "Details", self.label.text(), parent=self)
        box.setDetailedText(self.details)
        box.open()
        self._details_box = box  # kept: open() is not modal

    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""
