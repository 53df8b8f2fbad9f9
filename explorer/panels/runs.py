"""The run table: every run with its status, latest values and the scenario's metric, and the
actions on the selected runs."""

from __future__ import annotations

import math

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QObject, Qt, Signal
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

from compute import Landscape
from explorer.live import LiveRun
from explorer.results import LANDSCAPE
from explorer.state import AppState
from explorer.views.run_redraw import RunRedraw

BASE = ("#", "optimizer", "status", "steps", "F", "‖∇F‖")
RESIZE_ROWS = 64
"""Rows measured when the columns are fitted to their contents."""
METRIC_KEYS = ("metric", "aligned_distance", "function_distance")
"""Recorded quantities that get a column (when the scenario has them), after ‖∇F‖."""
ACTIONS = {
    "pause": ("Pause / resume", "Pause or resume the selected runs (Space)"),
    "step": ("Step", "Advance the selected (paused) runs by one step (S)"),
    "cancel": ("Cancel", "Stop the selected runs where they are"),
    "hide": ("Hide / show", "Toggle the selected runs' visibility on the map and curves (H)"),
    "remove": ("Remove", "Delete the selected runs (Delete; Ctrl+Z brings them back)"),
    "clear": ("Clear all", "Delete every run (Ctrl+Z brings them back)"),
    "spectrum": ("Spectrum", "The Hessian spectrum at the selected run's current point"),
    "connect": ("Connect", "A path between the two selected runs' ends (one run: to the teacher)"),
}


def _dark(color: str) -> bool:
    c = QColor(color)
    return 0.3 * c.red() + 0.59 * c.green() + 0.11 * c.blue() < 128


def _num(value: float, digits: int = 4) -> str:
    return "" if not math.isfinite(value) else f"{value:.{digits}g}"


class RunTable(QWidget):
    """``sigAction(name, run_ids)`` for a button; row ``i`` shows the i-th run of the state."""

    sigAction = Signal(str, list)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.table = QTableWidget(0, len(BASE) + 1)
        self.table.setObjectName("run-table")
        self.metrics: dict[str, str] = {}
        self.set_metrics({})
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        # Interactive, sized after each batch of updates (``fit_columns``): ResizeToContents
        # re-measures a whole column at every cell change, quadratic in the runs (500 runs
        # froze the window for a minute)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setResizeContentsPrecision(RESIZE_ROWS)
        header.setStretchLastSection(True)
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
        self._binding = _Binding(self)

    def selected(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        return [self.ids[r] for r in rows if r < len(self.ids)]

    def select(self, *rids: int) -> None:
        """Select exactly runs ``rids`` (whatever keys are held: a Ctrl+click on the map must
        not extend the table's selection to the runs of an earlier click)."""
        model, selection = self.table.selectionModel(), QItemSelection()
        for rid in rids:
            if rid in self.ids:
                row = self.ids.index(rid)
                index = self.table.model().index(row, 0)
                selection.select(index, index)
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        model.select(selection, flags)

    def show_runs(self) -> None:
        runs = list(self.state.runs.values())
        keep = set(self.selected())
        self.ids = [r.id for r in runs]
        self.table.setRowCount(len(runs))
        for row, run in enumerate(runs):
            self.update_run(row, run)
        self.table.clearSelection()
        for rid in keep & set(self.ids):
            self.table.selectRow(self.ids.index(rid))
        self.fit_columns()

    def fit_columns(self) -> None:
        self.table.resizeColumnsToContents()

    def set_metrics(self, labels: dict[str, str]) -> None:
        """Columns: the fixed ones, one per recorded metric of METRIC_KEYS (its label as the
        header), and where the run is relative to the plane (networks)."""
        self.metrics = {k: labels[k] for k in METRIC_KEYS if k in labels}
        headers = [*BASE, *self.metrics.values(), "where"]
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setColumnHidden(len(headers) - 1, not self.state.sliced)
        self.show_runs()

    def column(self, header: str) -> int:
        """The index of the column headed ``header`` (−1 if there is none)."""
        for col in range(self.table.columnCount()):
            item = self.table.horizontalHeaderItem(col)
            if item is not None and item.text() == header:
                return col
        return -1

    def update_run(self, row: int, run: LiveRun) -> None:
        d = run.data
        status = run.status + (" (paused)" if run.paused and run.status == "running" else "")
        where = ""
        if self.state.sliced:
            dist = d.distance
            where = (
                "in plane"
                if run.settings.in_plane
                else (f"{dist[-1]:.2g} off plane" if dist.size else "full space")
            )

        start = (
            "θ₀"
            if run.settings.at == "init"
            else "(" + ", ".join(f"{v:.3g}" for v in run.settings.start) + ")"
        )
        keys = set(d.metric_keys())
        cells = [
            str(run.id),
            run.settings.optimizer.describe(),
            status,
            str(d.step),
            _num(d.last("loss")),
            _num(d.last("grad_norm"), 3),
            *(_num(d.last(k)) if k in keys else "" for k in self.metrics),
            where,
        ]
        tips = {0: f"run {run.id} from {start}", 2: run.error or run.settings.note or None}
        for col, text in enumerate(cells):
            item = self.table.item(row, col)
            if item is None:
                item = QTableWidgetItem()
                self.table.setItem(row, col, item)
            if item.text() == text and col not in (0, 2):
                continue
            item.setText(text)
            if col == 0:
                item.setBackground(QColor(run.settings.color))
                item.setForeground(QColor("#FFFFFF" if _dark(run.settings.color) else "#000000"))
            if col == 2:
                bad = run.status in ("diverged", "error")
                item.setForeground(QColor("#C00000" if bad else "#000000"))
            item.setData(
                Qt.ItemDataRole.ToolTipRole,
                tips.get(col) or ("hidden" if not run.settings.visible else None),
            )

    def refresh(self, rid: int) -> None:
        run = self.state.runs.get(rid)
        if run is not None and rid in self.ids:
            self.update_run(self.ids.index(rid), run)


class _Binding(QObject):
    """The table subscribed to the state (row updates throttled to ~10 a second)."""

    def __init__(self, table: RunTable) -> None:
        super().__init__(table)
        self.table = table
        state = table.state
        self._redraw = RunRedraw(state, self._refresh, 100, self)
        state.events.runs.connect(lambda _: table.show_runs())
        state.events.scenario.connect(lambda _: table.set_metrics({}))
        state.on_result(LANDSCAPE, self._landscape)

    def _landscape(self, landscape: Landscape | None) -> None:
        if landscape is not None:
            self.table.set_metrics({m.key: m.label for m in landscape.objective.metrics})

    def _refresh(self, dirty: set[int]) -> None:
        for rid in dirty:
            self.table.refresh(rid)
        if dirty:
            self.table.fit_columns()
