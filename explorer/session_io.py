"""Where sessions live on disk: open / save, recent files, and the crash-safe autosave."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

from compute import session as ses

RECENT_MAX = 8


def settings() -> QSettings:
    """The explorer's preferences (``LANDSCAPE_EXPLORER_SETTINGS`` overrides the file path)."""
    override = os.environ.get("LANDSCAPE_EXPLORER_SETTINGS")
    if override:
        return QSettings(override, QSettings.Format.IniFormat)
    return QSettings("LandscapeExplorer", "LandscapeExplorer")


def autosave_path() -> Path:
    """The autosave file (``LANDSCAPE_EXPLORER_AUTOSAVE`` overrides it, e.g. in tests)."""
    override = os.environ.get("LANDSCAPE_EXPLORER_AUTOSAVE")
    if override:
        return Path(override)
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".landscape-explorer") / "autosave.json"


def recent_files() -> list[str]:
    value = settings().value("recent", [])
    items = [value] if isinstance(value, str) else list(value or [])
    return [p for p in items if Path(p).exists()][:RECENT_MAX]


def remember(path: str | Path) -> None:
    path = str(Path(path).resolve())
    items = [path] + [p for p in recent_files() if p != path]
    settings().setValue("recent", items[:RECENT_MAX])


def write_autosave(session: ses.Session) -> None:
    target = autosave_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    ses.save(session, target)


def read_autosave() -> ses.Session | None:
    """The autosaved session, or None when there is none (a corrupt one raises)."""
    path = autosave_path()
    return ses.load(path) if path.exists() else None
