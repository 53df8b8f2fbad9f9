"""Menus, shortcuts and tooltips of the main window."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from explorer import session_io
from explorer.exporting import export_kinds

if TYPE_CHECKING:
    from explorer.main_window import MainWindow

SESSION_FILTER = "Landscape Explorer session (*.json)"

ABOUT = """<b>Landscape Explorer</b><p>Exact toy landscapes from residual-network theory:
Shamir (2018), the lecture notes on ResNet landscapes, Hardt &amp; Ma (2016).</p>
<p>Click the map to start a run; Ctrl+click starts every optimizer. Drag a start handle to move
it. Ctrl+Z undoes any change, including a mistaken click.</p>"""


def _action(
    w: MainWindow,
    menu: QMenu,
    text: str,
    slot: Callable[[], object],
    shortcut: QKeySequence | str | None = None,
    tip: str = "",
) -> QAction:
    act = QAction(text, w)
    if shortcut is not None:
        act.setShortcut(QKeySequence(shortcut))
    act.setToolTip(tip or text)
    act.setStatusTip(tip or text)
    act.triggered.connect(lambda _=False: slot())
    menu.addAction(act)
    return act


def build_menus(w: MainWindow) -> dict[str, QAction]:
    bar = w.menuBar()
    acts: dict[str, QAction] = {}
    file = bar.addMenu("&File")
    acts["new"] = _action(
        w,
        file,
        "&New session",
        w.new_session,
        QKeySequence.StandardKey.New,
        "Start over with the current scenario's defaults (undoable)",
    )
    acts["open"] = _action(
        w, file, "&Open session…", lambda: _open(w), QKeySequence.StandardKey.Open
    )
    recent = file.addMenu("Open &recent")
    recent.aboutToShow.connect(lambda: _fill_recent(w, recent))
    acts["save"] = _action(
        w, file, "&Save session", lambda: _save(w, False), QKeySequence.StandardKey.Save
    )
    acts["save_as"] = _action(
        w, file, "Save session &as…", lambda: _save(w, True), QKeySequence.StandardKey.SaveAs
    )
    file.addSeparator()
    export = file.addMenu("&Export")
    for key, text in export_kinds().items():
        acts[f"export_{key}"] = _action(
            w,
            export,
            text,
            lambda k=key: w.exporter.ask(k),
            "Ctrl+E" if key == "map" else None,
            "Write it for a paper, with a JSON sidecar of settings",
        )
    file.addSeparator()
    acts["quit"] = _action(w, file, "&Quit", w.close, QKeySequence.StandardKey.Quit)
    edit = bar.addMenu("&Edit")
    acts["undo"] = _action(
        w,
        edit,
        "&Undo",
        w.state.undo,
        QKeySequence.StandardKey.Undo,
        "Undo the last change (a click, a parameter, a mode)",
    )
    acts["redo"] = _action(w, edit, "&Redo", w.state.redo, QKeySequence.StandardKey.Redo)
    edit.addSeparator()
    acts["clear"] = _action(w, edit, "Clear all runs", lambda: w.run_action("clear", []))
    runs = bar.addMenu("&Runs")
    for key, text, keys in (
        ("pause", "Pause / resume", "Space"),
        ("step", "Step", "S"),
        ("cancel", "Cancel", None),
        ("hide", "Hide / show", "H"),
        ("remove", "Remove", QKeySequence.StandardKey.Delete),
    ):
        acts[f"run_{key}"] = _action(
            w,
            runs,
            text,
            lambda k=key: w.run_action(k, w.run_table.selected()),
            keys,
            "Acts on the selected runs (all runs when none is selected)",
        )
    view = bar.addMenu("&View")
    acts["reset_view"] = _action(
        w, view, "Reset view", w.reset_view, "Home", "Back to the scenario's default window"
    )
    acts["log"] = _action(
        w, view, "Toggle log colour scale", lambda: w.modes_panel.log.toggle(), "L"
    )
    acts["cancel"] = _action(w, view, "Cancel computations", w.cancel_computations, "Esc")
    help_menu = bar.addMenu("&Help")
    _action(w, help_menu, "About", lambda: QMessageBox.about(w, "Landscape Explorer", ABOUT))
    return acts


def _open(w: MainWindow) -> None:
    path, _ = QFileDialog.getOpenFileName(w, "Open session", _start_dir(w), SESSION_FILTER)
    if path:
        w.open_session(path)


def _save(w: MainWindow, ask: bool) -> None:
    path = str(w.session_path) if w.session_path and not ask else ""
    if not path:
        path, _ = QFileDialog.getSaveFileName(w, "Save session", _start_dir(w), SESSION_FILTER)
    if path:
        if not path.lower().endswith(".json"):
            path += ".json"
        w.save_session(path)


def _start_dir(w: MainWindow) -> str:
    return str(w.session_path.parent if w.session_path else Path.home())


def _fill_recent(w: MainWindow, menu: QMenu) -> None:
    menu.clear()
    files = session_io.recent_files()
    if not files:
        menu.addAction("(none)").setEnabled(False)
    for path in files:
        menu.addAction(Path(path).name, lambda p=path: w.open_session(p)).setToolTip(path)
