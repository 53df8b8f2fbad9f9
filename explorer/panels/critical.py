"""The table of critical points of the shown landscape (of a slice's 2-D restriction)."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from compute import IN_PLANE_NOTE
from explorer.results import CRITICAL, CRITICAL_NOTE, SELECTED
from explorer.state import AppState

COLUMNS = ("kind", "point", "F", "Hessian eigenvalues", "where")


def _vec(values: np.ndarray) -> str:
    return "(" + ", ".join(f"{v:.4g}" for v in values) + ")"


class CriticalTable(QWidget):
    """The state's critical points; selecting a row selects the point (its eigenvectors are
    drawn and the map centres on it). Above the table: on a slice, that the points are those
    of the 2-D restriction; after a search that left something unresolved (or found nothing),
    why (``compute.CriticalSearch.note``)."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.note = QLabel(IN_PLANE_NOTE)
        self.note.setObjectName("critical-note")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #7A4B00;")
        self.unresolved = QLabel("")
        self.unresolved.setObjectName("critical-unresolved")
        self.unresolved.setWordWrap(True)
        self.unresolved.setStyleSheet("color: #7A4B00;")
        self.unresolved.setVisible(False)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("critical-table")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setToolTip("Select a point to centre on it and draw its Hessian eigenvectors")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.note)
        layout.addWidget(self.unresolved)
        layout.addWidget(self.table)
        self.table.itemSelectionChanged.connect(self._selected)
        state.on_result(CRITICAL, lambda _: self.show_points())
        state.on_result(SELECTED, self._select_row)
        state.on_result(CRITICAL_NOTE, self._show_note)
        state.events.scenario.connect(lambda _: self.note.setVisible(state.sliced))
        self.note.setVisible(state.sliced)

    def _show_note(self, note: str) -> None:
        self.unresolved.setText(note)
        self.unresolved.setVisible(bool(note))

    def _selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        self.state.set_result(SELECTED, rows[0].row() if rows else -1)

    def _select_row(self, index: int) -> None:
        if index >= 0 and self.table.currentRow() != index:
            self.table.blockSignals(True)
            self.table.selectRow(index)
            self.table.blockSignals(False)

    def show_points(self) -> None:
        points = self.state.results.critical
        self.table.blockSignals(True)
        self.table.setRowCount(len(points))
        for row, p in enumerate(points):
            kind = p.kind if len(p.members) == 1 else f"{p.nature} set ({len(p.members)} pts)"
            where = (
                "boundary"
                if p.on_boundary
                else ("in the plane" if self.state.sliced else "interior")
            )
            if p.on_boundary and len(p.multipliers):
                where += f", μ={_vec(p.multipliers)}"
            cells = (kind, _vec(p.point), f"{p.loss:.6g}", _vec(p.hessian_eigenvalues), where)
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.clearSelection()
        self.table.blockSignals(False)
