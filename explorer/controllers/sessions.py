"""The session life cycle: start (a file or the autosave), new, open (a file, a recent one, a
gallery seed as a copy), save, and the autosave; files are read in a worker."""

from __future__ import annotations

from collections.abc import Callable, Generator
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from compute import (
    LandscapeError,
    ModelNotLoaded,
    Session,
    default_session,
    load_session,
    save_session,
)
from explorer import session_io
from explorer.controllers.models import ModelController
from explorer.jobs import Jobs, user_error
from explorer.state import AppState

AUTOSAVE_MS = 800
SLOT = "session"


def _read(path: str | Path) -> Generator[None, None, Session]:
    """Read and check a session file (in a worker: a file of 500 runs takes a while)."""
    yield None
    return load_session(path)


def _read_autosave() -> Generator[None, None, tuple[Session | None, str]]:
    yield None
    return session_io.read_autosave()


class SessionController(QObject):
    """Owns ``path`` (the file Ctrl+S writes, None for an untitled session or a gallery copy)
    and the autosave. ``sigTitle(text)`` when the window's title should change; ``sigOpened``
    once a session read in the background is in the state (and at start, once the first
    session is known: the window then computes its landscape)."""

    sigTitle = Signal(str)
    sigOpened = Signal()

    def __init__(
        self,
        state: AppState,
        jobs: Jobs,
        parent: QWidget,
        warn: Callable[[], None],
        models: ModelController | None = None,
    ) -> None:
        super().__init__(parent)
        self.state, self.jobs, self.parent_widget, self._warn = state, jobs, parent, warn
        self.models = models
        self.path: Path | None = None
        self.ready = False  # the first session is known: the autosave may be written
        self._autosave = QTimer(self, singleShot=True, interval=AUTOSAVE_MS)
        self._autosave.timeout.connect(self._tick)
        state.events.session.connect(lambda _: self.changed())

    # start --------------------------------------------------------------------------------
    def start(self, session_path: str | None, restore_autosave: bool) -> None:
        """Open ``session_path``, else restore the autosave (both in a worker), else start
        with the default session; ``sigOpened`` when it is in the state."""
        if session_path:
            self.open(session_path)
        elif restore_autosave:
            self.state.progress("restoring the last session", 0.0)
            self.jobs.submit(
                SLOT, _read_autosave, lambda _: None, self._restored, self._start_failed
            )
        else:
            self._started()

    def _restored(self, result: tuple[Session | None, str]) -> None:
        saved, note = result
        self.state.progress("restoring the last session", 1.0)
        if note:
            self.state.notify(note, "error")
        if saved is not None:
            self.state.load(saved, "restore the last session")
            self.state.notify("Restored your last session (Ctrl+Z: undo, File ▸ New: start fresh).")
        self._started()

    def _start_failed(self, exc: Exception) -> None:
        if isinstance(exc, ModelNotLoaded) and self.models is not None:
            self.state.progress("restoring the last session", 1.0)
            self.models.resolve(exc, lambda: self.start(None, True), self._started)
            return
        self.state.progress("restoring the last session", -1.0)
        self.state.notify(f"The last session could not be restored: {exc}", "error")
        self._started()

    def _started(self) -> None:
        first = not self.ready
        self.ready = True
        self._warn()  # after the notices: a caveat of the opened parameters stays shown
        if first:
            self.sigOpened.emit()

    # new / open / save ----------------------------------------------------------------------
    def new(self) -> None:
        self.path = None
        self.state.load(default_session(self.state.session.scenario), "new session")

    def open(self, path: str | Path, as_copy: bool = False) -> None:
        """Read a session file in a worker and show it (``as_copy``: a gallery session, which
        Ctrl+S never overwrites: it asks where to save); a bad file is refused by name and
        nothing changes."""
        name = Path(path).name
        self.state.progress(f"opening {name}", 0.0)
        self.jobs.submit(
            SLOT,
            partial(_read, path),
            lambda _: None,
            lambda session: self._opened(session, Path(path), as_copy),
            lambda exc: self._open_failed(exc, name, partial(self.open, path, as_copy)),
        )

    def _opened(self, loaded: Session, path: Path, as_copy: bool) -> None:
        self.state.progress(f"opening {path.name}", 1.0)
        self.state.load(loaded, f"open {path.name}")
        self.path = None if as_copy else path
        if not as_copy:
            session_io.remember(path)
        self.changed()
        self.state.notify(f"Opened {path.name}" + (" (a copy)" if as_copy else ""))
        self._started()

    def _open_failed(self, exc: Exception, name: str, retry: Callable[[], None]) -> None:
        if isinstance(exc, ModelNotLoaded) and self.models is not None:
            self.state.progress(f"opening {name}", 1.0)
            self.models.resolve(exc, retry, None if self.ready else self._started)
            return
        self.state.progress(f"opening {name}", -1.0)
        why = user_error(exc)
        self.state.notify(f"Could not open the session: {why}. Nothing was changed.", "error")
        if not self.ready:
            self._started()

    def save(self, path: str | Path) -> bool:
        try:
            save_session(self.state.session, path)
        except LandscapeError as exc:
            self.state.notify(str(exc), "error")
            return False
        self.path = Path(path)
        session_io.remember(path)
        self.changed()
        self.state.notify(f"Saved {Path(path).name}")
        return True

    def busy(self) -> bool:
        return self.jobs.busy(SLOT)

    # dialogs and menus ----------------------------------------------------------------------
    def ask_open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.parent_widget, "Open session", self._start_dir(), session_io.SESSION_FILTER
        )
        if path:
            self.open(path)

    def ask_save(self, ask: bool) -> None:
        path = str(self.path) if self.path and not ask else ""
        if not path:
            path, _ = QFileDialog.getSaveFileName(
                self.parent_widget, "Save session", self._start_dir(), session_io.SESSION_FILTER
            )
        if path:
            self.save(path if path.lower().endswith(".json") else path + ".json")

    def _start_dir(self) -> str:
        return str(self.path.parent if self.path else Path.home())

    def fill_recent(self, menu: QMenu) -> None:
        menu.clear()
        files = session_io.recent_files()
        if not files:
            menu.addAction("(none)").setEnabled(False)
        for path in files:
            menu.addAction(Path(path).name, partial(self.open, path)).setToolTip(path)

    def fill_gallery(self, menu: QMenu, open_lab: Callable[[str], None]) -> None:
        """Help ▸ Gallery: each figure of the seeds, with the sessions it is made of (opened
        as copies) or, for the lab's sweeps, the lab on the figure's tab."""
        from compute import GALLERY_ENTRIES, GALLERY_SESSIONS

        menu.clear()
        for entry in GALLERY_ENTRIES:
            caption = entry.caption if len(entry.caption) <= 70 else entry.caption[:69] + "…"
            caption = caption.replace("&", "&&")  # a literal &, not a mnemonic
            if not entry.sessions:
                tab = "depth" if "near-identity" in entry.name else "forward"
                act = menu.addAction(f"{caption} (in the lab)", partial(open_lab, tab))
                act.setToolTip(entry.caption)
                continue
            sub = menu.addMenu(caption)
            sub.setToolTipsVisible(True)
            for name in entry.sessions:
                path = GALLERY_SESSIONS / name
                act = sub.addAction(Path(name).stem, partial(self.open, path, True))
                act.setToolTip(entry.caption)
        used = {name for entry in GALLERY_ENTRIES for name in entry.sessions}
        others = sorted(p for p in GALLERY_SESSIONS.glob("*.json") if p.name not in used)
        if others:
            sub = menu.addMenu("More seed sessions (in no figure)")
            for path in others:
                sub.addAction(path.stem, partial(self.open, path, True))

    # autosave -------------------------------------------------------------------------------
    def changed(self) -> None:
        if self.ready:
            self._autosave.start()
        name = self.path.name if self.path else "untitled"
        self.sigTitle.emit(f"Landscape Explorer — {name}")

    def _tick(self) -> None:
        failed = self.autosave()
        if failed:
            self.state.notify(failed, "warning")

    def autosave(self) -> str:
        """Write the autosave now; returns "" or why it failed (never before the first
        session is known: a window closed while the autosave is read must not overwrite it)."""
        if not self.ready:
            return ""
        try:
            session_io.write_autosave(self.state.session)
        except LandscapeError as exc:
            return f"Autosave failed: {exc}"
        return ""

    def close(self) -> str:
        """Stop the timer and autosave at once (the window closes)."""
        self._autosave.stop()
        self.jobs.cancel(SLOT)
        return self.autosave()
