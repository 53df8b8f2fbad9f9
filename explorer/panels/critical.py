"""The table of critical points of the current landscape and mode."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from compute import CriticalPoint

COLUMNS = ("kind", "point", "F", "Hessian eigenvalues", "where")


def _vec(values: np.ndarray) -> str:
    return "(" + ", ".join(f"{v:.4g}" for v in values) + ")"


class CriticalTable(QTableWidget):
    """``sigSelected(index)``: the user picked row ``index`` (−1: none)."""

    sigSelected = Signal(int)

    def __init__(self) -> None:
        super().__init__(0, len(COLUMNS))
        self.setObjectName("critical-table")
        self.setHorizontalHeaderLabels(COLUMNS)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(True)
        self.setToolTip("Select a point to centre on it and draw its Hessian eigenvectors")
        self.itemSelectionChanged.connect(
            lambda: self.sigSelected.emit(self.currentRow() if self.selectedItems() else -1)
        )

    def show_points(self, points: Sequence[CriticalPoint]) -> None:
        self.blockSignals(True)
        self.setRowCount(len(points))
        for row, p in enumerate(points):
            kind = p.kind if len(p.members) == 1 else f"{p.nature} set ({len(p.members)} pts)"
            where = "boundary" if p.on_boundary else "interior"
            if p.on_boundary and len(p.multipliers):
                where += f", μ={_vec(p.multipliers)}"
            cells = (kind, _vec(p.point), f"{p.loss:.6g}", _vec(p.hessian_eigenvalues), where)
            for col, text in enumerate(cells):
                self.setItem(row, col, QTableWidgetItem(text))
        self.clearSelection()
        self.blockSignals(False)
