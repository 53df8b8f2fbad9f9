"""The run table: every run with its status, and the actions on the selected ones."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from explorer.state import LiveRun

COLUMNS = ("", "#", "optimizer", "start", "status", "steps", "F", "‖∇F‖")
ACTIONS = {
    "pause": ("Pause / resume", "Pause or resume the selected runs (Space)"),
    "step": ("Step", "Advance the selected (paused) runs by one step (S)"),
    "cancel": ("Cancel", "Stop the selected runs where they are"),
    "hide": ("Hide / show", "Toggle the selected runs' visibility on the map and curves (H)"),
    "remove": ("Remove", "Delete the selected runs (Delete; Ctrl+Z brings them back)"),
    "clear": ("Clear all", "Delete every run (Ctrl+Z brings them back)"),
}


def _fmt(values: np.ndarray | tuple[float, ...]) -> str:
    return "(" + ", ".join(f"{v:.3g}" for v in values) + ")"


class RunTable(QWidget):
    """``sigAction(name, run_ids)`` for a button; row ``i`` shows the i-th run."""

    sigAction = Signal(str, list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("run-table")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setWordWrap(False)
        self.buttons: dict[str, QPushButton] = {}
        row = QGridLayout()
        for i, (key, (text, tip)) in enumerate(ACTIONS.items()):
            button = QPushButton(text)
            button.setObjectName(f"run-{key}")
            button.setToolTip(tip)
            button.clicked.connect(lambda _=False, k=key: self.sigAction.emit(k, self.selected()))
            row.addWidget(button, i // 3, i % 3)
            self.buttons[key] = button
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.table)
        layout.addLayout(row)
        self.ids: list[int] = []

    def selected(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        return [self.ids[r] for r in rows if r < len(self.ids)]

    def select(self, rid: int) -> None:
        if rid in self.ids:
            self.table.selectRow(self.ids.index(rid))

    def show_runs(self, runs: list[LiveRun]) -> None:
        keep = set(self.selected())
        self.ids = [r.id for r in runs]
        self.table.setRowCount(len(runs))
        for row, run in enumerate(runs):
            self.update_run(row, run)
        self.table.clearSelection()
        for rid in keep & set(self.ids):
            self.table.selectRow(self.ids.index(rid))

    def update_run(self, row: int, run: LiveRun) -> None:
        status = run.status + (" (paused)" if run.paused and run.status == "running" else "")
        if run.distance:  # network runs: where the path is relative to the slice
            where = "in plane" if run.settings.in_plane else f"{run.distance[-1]:.2g} off plane"
            status += f" · {where}"
        cells = [
            "",
            str(run.id),
            f"{run.settings.optimizer.name} lr={run.settings.optimizer.lr:g}",
            _fmt(run.settings.start),
            status,
            str(run.steps),
            f"{run.loss[-1]:.4g}" if run.loss else "",
            f"{run.grad_norm[-1]:.3g}" if run.grad_norm else "",
        ]
        for col, text in enumerate(cells):
            item = self.table.item(row, col)
            if item is None:
                item = QTableWidgetItem()
                self.table.setItem(row, col, item)
            item.setText(text)
            if col == 0:
                item.setBackground(QColor(run.settings.color))
            if col == 4:
                item.setForeground(QColor("#C00000" if run.status == "diverged" else "#000000"))
            faded = not run.settings.visible
            item.setData(Qt.ItemDataRole.ToolTipRole, "hidden" if faded else None)

    def refresh(self, run: LiveRun) -> None:
        if run.id in self.ids:
            self.update_run(self.ids.index(run.id), run)
