"""File ▸ Import ▸ Surface…: a surface computed elsewhere (the reference tool's ``.h5``, or a
surface file from ``import-surface``) read in a worker and shown read-only in its own window."""

from __future__ import annotations

from collections.abc import Generator
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QWidget

from compute import Surface, read_surface
from explorer.jobs import Jobs, user_error
from explorer.state import AppState

SLOT = "import"
FILTER = "Surfaces (*.h5 *.hdf5 *.json)"


def _read(path: Path) -> Generator[None, None, Surface]:
    yield None
    return read_surface(path)


class SurfaceImporter(QObject):
    """Opens imported surfaces, each in a window the main window owns (closed, it is gone)."""

    def __init__(self, state: AppState, jobs: Jobs, parent: QWidget) -> None:
        super().__init__(parent)
        self.state, self.jobs, self.parent_widget = state, jobs, parent

    def ask(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.parent_widget, "Import a surface", str(Path.home()), FILTER
        )
        if path:
            self.open(Path(path))

    def open(self, path: Path) -> None:
        """Read ``path`` in a worker, then show it; a bad file is one line in the banner."""
        self.state.progress(f"reading {path.name}", 0.0)
        self.jobs.submit(
            SLOT,
            partial(_read, path),
            lambda _: None,
            lambda surface: self._show(surface, path),
            lambda exc: self._failed(exc, path),
        )

    def _show(self, surface: Surface, path: Path) -> None:
        from explorer.surface_window import SurfaceWindow  # matplotlib: on first use only

        self.state.progress(f"reading {path.name}", 1.0)
        window = SurfaceWindow(surface, path, self.parent_widget)
        window.show()

    def _failed(self, exc: Exception, path: Path) -> None:
        self.state.progress(f"reading {path.name}", -1.0)
        why = user_error(exc)
        self.state.notify(f"Could not import {path.name}: {why}", "error")
