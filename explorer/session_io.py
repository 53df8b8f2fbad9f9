"""Where sessions live on disk: open / save, recent files, and the crash-safe autosave."""

from __future__ import annotations

import functools
import os
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

from compute import LandscapeError, ModelNotLoaded, Session, load_session, save_session

SESSION_FILTER = "Landscape Explorer session (*.json)"

RECENT_MAX = 8


def settings() -> QSettings:
    """The explorer's preferences (``LANDSCAPE_EXPLORER_SETTINGS`` overrides the file path)."""
    override = os.environ.get("LANDSCAPE_EXPLORER_SETTINGS")
    if override:
        return QSettings(override, QSettings.Format.IniFormat)
    return QSettings("LandscapeExplorer", "LandscapeExplorer")


@functools.cache
def data_folder() -> tuple[Path, str]:
    """Where the autosave and the log live, and a note when that is not the usual place;
    decided once per process (the autosave asks at every save).

    The platform's data folder (e.g. ~/.local/share/LandscapeExplorer/Landscape Explorer);
    where it cannot be created or written (a read-only home, a file in its way), a folder of
    this user's in the temporary directory, with a note the window shows once."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    usual = Path(base or Path.home() / ".landscape-explorer")
    problem = unwritable(usual)
    if not problem:
        return usual, ""
    spare = Path(tempfile.gettempdir()) / f"landscape-explorer-{os.getuid()}"
    if unwritable(spare):
        spare = Path(tempfile.mkdtemp(prefix="landscape-explorer-"))
    note = (
        f"The data folder {usual} cannot be used ({problem}): the autosave and the log are "
        f"kept in {spare} instead, which may not survive a restart."
    )
    return spare, note


def unwritable(folder: Path) -> str:
    """Why ``folder`` cannot hold the explorer's files ("" when it can)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    return ""


def autosave_path() -> Path:
    """The autosave file (``LANDSCAPE_EXPLORER_AUTOSAVE`` overrides it, e.g. in tests)."""
    override = os.environ.get("LANDSCAPE_EXPLORER_AUTOSAVE")
    if override:
        return Path(override)
    return data_folder()[0] / "autosave.json"


def recent_files() -> list[str]:
    value = settings().value("recent", [])
    items = [value] if isinstance(value, str) else list(value) if isinstance(value, list) else []
    return [p for p in items if Path(p).exists()][:RECENT_MAX]


def remember(path: str | Path) -> None:
    path = str(Path(path).resolve())
    items = [path] + [p for p in recent_files() if p != path]
    settings().setValue("recent", items[:RECENT_MAX])


def write_autosave(session: Session) -> None:
    target = autosave_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LandscapeError(f"cannot create {target.parent}: {exc.strerror}") from None
    save_session(session, target)


def read_autosave() -> tuple[Session | None, str]:
    """The autosaved session (None when there is none) and a note for the user.

    An autosave that cannot be read is renamed aside (``autosave.json.bad-<time>``) so that it
    never prevents a later start, and the note says where it went and why.
    """
    path = autosave_path()
    if not path.exists():
        return None, ""
    try:
        return load_session(path), ""
    except ModelNotLoaded:
        raise  # not broken: it names a model file the window asks about first
    except LandscapeError as exc:
        aside = path.with_name(f"{path.name}.bad-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            path.rename(aside)
            where = f"it was kept as {aside.name}"
        except OSError:
            where = "it could not be moved aside"
        return (
            None,
            f"The autosaved session could not be restored ({exc}); {where}. Starting fresh.",
        )
