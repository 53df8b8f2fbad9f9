"""Menus and shortcuts: actions bound to explicit callbacks (no reaching into the window)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar

from explorer.exporting import KINDS
from explorer.state import AppState, UndoLabels


@dataclass(frozen=True)
class Commands:
    """What the menus can do, as callables the window provides."""

    new: Callable[[], None]
    open: Callable[[], None]
    save: Callable[[bool], None]
    fill_recent: Callable[[QMenu], None]
    export: Callable[[str], None]
    run_action: Callable[[str], None]
    reset_view: Callable[[], None]
    toggle_log: Callable[[], None]
    cancel: Callable[[], None]
    about: Callable[[], None]
    quit: Callable[[], None]
    lab: Callable[[], None]
    fill_gallery: Callable[[QMenu], None]
    compose: Callable[[], None]
    surface3d: Callable[[], None] | None = None
    open_model: Callable[[], None] | None = None
    fill_models: Callable[[QMenu], None] | None = None
    import_surface: Callable[[], None] | None = None
    import_directions: Callable[[], None] | None = None


def _action(
    owner: QObject,
    menu: QMenu,
    text: str,
    slot: Callable[[], object],
    shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
    tip: str = "",
) -> QAction:
    act = QAction(text, owner)
    if shortcut is not None:
        act.setShortcut(QKeySequence(shortcut))
    act.setToolTip(tip or text)
    act.setStatusTip(tip or text)
    act.triggered.connect(lambda _=False: slot())
    menu.addAction(act)
    return act


def build_menus(owner: QObject, bar: QMenuBar, state: AppState, c: Commands) -> dict[str, QAction]:
    """The menu bar's actions, keyed; Undo / Redo name what they undo and redo."""
    acts: dict[str, QAction] = {}
    file = bar.addMenu("&File")
    acts["new"] = _action(
        owner,
        file,
        "&New session",
        c.new,
        QKeySequence.StandardKey.New,
        "Start over with the current scenario's defaults (undoable)",
    )
    acts["open"] = _action(owner, file, "&Open session…", c.open, QKeySequence.StandardKey.Open)
    recent = file.addMenu("Open &recent")
    recent.aboutToShow.connect(lambda: c.fill_recent(recent))
    if c.open_model is not None and c.fill_models is not None:
        acts["open_model"] = _action(
            owner,
            file,
            "Open &model…",
            c.open_model,
            "Ctrl+Shift+M",
            "Your own PyTorch model: a Python file whose function returns "
            "dict(model=…, train=(x, y), loss=…)",
        )
        models = file.addMenu("Recent mo&dels")
        fill = c.fill_models
        models.aboutToShow.connect(lambda: fill(models))
    acts["save"] = _action(
        owner, file, "&Save session", lambda: c.save(False), QKeySequence.StandardKey.Save
    )
    acts["save_as"] = _action(
        owner, file, "Save session &as…", lambda: c.save(True), QKeySequence.StandardKey.SaveAs
    )
    file.addSeparator()
    if c.import_surface is not None and c.import_directions is not None:
        imports = file.addMenu("&Import")
        acts["import_surface"] = _action(
            owner,
            imports,
            "&Surface (.h5, .json)…",
            c.import_surface,
            None,
            "A surface computed elsewhere (the reference tool's .h5, or import-surface's .json), "
            "shown read-only with its values as computed there",
        )
        acts["import_directions"] = _action(
            owner,
            imports,
            "&Plane from a direction file (.h5)…",
            c.import_directions,
            None,
            "The reference tool's xdirection / ydirection for this network: the same plane here",
        )
    export = file.addMenu("&Export")
    for key, (text, _) in KINDS.items():
        acts[f"export_{key}"] = _action(
            owner,
            export,
            text,
            partial(c.export, key),
            "Ctrl+E" if key == "map" else None,
            "Write it for a paper, with a JSON sidecar of settings",
        )
    export.addSeparator()
    acts["compose"] = _action(
        owner,
        export,
        "Figure of several panels…",
        c.compose,
        None,
        "This window and session files in one figure: (a), (b), … with one legend",
    )
    file.addSeparator()
    acts["quit"] = _action(owner, file, "&Quit", c.quit, QKeySequence.StandardKey.Quit)
    edit = bar.addMenu("&Edit")
    acts["undo"] = _action(owner, edit, "&Undo", state.undo, QKeySequence.StandardKey.Undo)
    acts["redo"] = _action(owner, edit, "&Redo", state.redo, QKeySequence.StandardKey.Redo)
    for key in ("undo", "redo"):  # undo the exploration, even from a focused table or field
        acts[key].setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
    edit.addSeparator()
    acts["clear"] = _action(owner, edit, "Clear all runs", lambda: c.run_action("clear"))
    runs = bar.addMenu("&Runs")
    for key, text, keys in (
        ("pause", "Pause / resume", "Space"),
        ("step", "Step", "S"),
        ("cancel", "Cancel", None),
        ("hide", "Hide / show", "H"),
        ("remove", "Remove", QKeySequence.StandardKey.Delete),
        ("spectrum", "Hessian spectrum at its current point", "Ctrl+H"),
    ):
        acts[f"run_{key}"] = _action(
            owner,
            runs,
            text,
            partial(c.run_action, key),
            keys,
            "Acts on the selected runs (all runs when none is selected)",
        )
    view = bar.addMenu("&View")
    acts["reset_view"] = _action(
        owner, view, "Reset view", c.reset_view, "Home", "Back to the scenario's default window"
    )
    acts["log"] = _action(owner, view, "Toggle log colour scale", c.toggle_log, "L")
    acts["cancel"] = _action(owner, view, "Cancel computations", c.cancel, "Esc")
    if c.surface3d is not None:
        acts["surface3d"] = _action(
            owner,
            view,
            "3-D surface",
            c.surface3d,
            "F3",
            "Show or hide the map as a 3-D surface (drag: rotate, wheel: zoom, middle: pan)",
        )
    tools = bar.addMenu("&Tools")
    acts["lab"] = _action(
        owner,
        tools,
        "Initialization and depth lab…",
        c.lab,
        "Ctrl+L",
        "Forward norms of residual stacks by initialization, depth sweeps, training by scheme",
    )
    help_menu = bar.addMenu("&Help")
    gallery = help_menu.addMenu("&Gallery")
    gallery.setObjectName("gallery-menu")
    gallery.aboutToShow.connect(lambda: c.fill_gallery(gallery))
    _action(owner, help_menu, "About", c.about)

    def refresh_undo(labels: UndoLabels) -> None:
        undo, redo = labels.undo, labels.redo
        acts["undo"].setEnabled(bool(undo))
        acts["redo"].setEnabled(bool(redo))
        acts["undo"].setText(f"&Undo {undo}" if undo else "&Undo")
        acts["redo"].setText(f"&Redo {redo}" if redo else "&Redo")

    state.events.undo.connect(refresh_undo)
    refresh_undo(UndoLabels(state.undo_label(), state.redo_label()))
    return acts
