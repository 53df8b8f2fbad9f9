"""File ▸ Export: ask for a file, then write it in a worker (figures with matplotlib, data as
CSV / NPZ), from the state's computed results: toys and network slices alike."""

from __future__ import annotations

from collections.abc import Callable, Generator
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QWidget

from compute import LandscapeError
from explorer import session_io
from explorer.export_window import export_window
from explorer.jobs import Jobs
from explorer.state import AppState

FIGURE_FILTER = "PNG image (*.png);;SVG vector (*.svg);;PDF document (*.pdf)"
DATA_FILTER = "CSV table (*.csv);;NumPy archive (*.npz)"
KINDS = {
    "map": "Map figure…",
    "curves": "Training curves figure…",
    "window": "Whole window…",
    "grid": "Landscape grid data…",
    "runs": "Trajectories data…",
}


class Exporter(QObject):
    """Figures (map, curves, window) and data (grid, trajectories). ``sigExported(paths)``
    after each export; failures are reported through the state's messages."""

    sigExported = Signal(list)

    def __init__(self, state: AppState, jobs: Jobs, window: QWidget) -> None:
        super().__init__(window)
        self.state, self.jobs, self.window = state, jobs, window

    def ask(self, what: str) -> None:
        """File ▸ Export ▸ ``what``: a file dialog (and a DPI where it applies), then export."""
        figure = what in ("map", "curves", "window")
        prefs = session_io.settings()
        directory = str(prefs.value("export-dir", str(Path.home())))
        path, _ = QFileDialog.getSaveFileName(
            self.window,
            f"Export {what}",
            str(Path(directory) / f"{self.state.session.scenario}-{what}"),
            FIGURE_FILTER if figure else DATA_FILTER,
        )
        if not path:
            return
        prefs.setValue("export-dir", str(Path(path).parent))
        dpi = 300
        if figure and Path(path).suffix.lower() in (".png", ".pdf"):
            saved = int(str(prefs.value("export-dpi", 300)))
            dpi, ok = QInputDialog.getInt(
                self.window, "Resolution", "Dots per inch:", saved, 50, 1200, 50
            )
            if not ok:
                return
            prefs.setValue("export-dpi", dpi)
        self.export(what, path, dpi)

    def export(self, what: str, path: str | Path, dpi: int = 300) -> None:
        """Export without dialogs (what the menu does after asking; the tests call it)."""
        if what == "window":
            try:
                from explorer.scene import metadata  # compute's figure code: when first used

                written = export_window(self.window, path, dpi, metadata(self.state))
            except LandscapeError as exc:
                self._failed(exc)
                return
            self._done(written)
            return
        # matplotlib (~0.4 s to import) loads with the first export, not at start-up
        from compute import (
            Scene,
            export_curves_figure,
            export_grid_data,
            export_landscape_figure,
            export_runs_data,
        )
        from explorer.scene import scene_of

        writers: dict[str, Callable[[Scene], list[Path]]] = {
            "map": lambda scene: export_landscape_figure(scene, path, dpi),
            "curves": lambda scene: export_curves_figure(scene, path, dpi),
            "grid": lambda scene: export_grid_data(scene, path),
            "runs": lambda scene: export_runs_data(scene, path),
        }
        try:
            scene = scene_of(self.state)
        except LandscapeError as exc:
            self._failed(exc)
            return
        write = writers[what]

        def job() -> Generator[None, None, list[Path]]:
            yield None
            return write(scene)

        self.state.progress("export", 0.0)
        self.jobs.submit("export", job, lambda _: None, self._done, self._failed)

    def _done(self, written: list[Path]) -> None:
        self.state.progress("export", 1.0)
        self.state.notify("Exported " + ", ".join(p.name for p in written))
        self.sigExported.emit(list(written))

    def _failed(self, exc: Exception) -> None:
        self.state.progress("export", -1.0)
        self.state.notify(f"Export failed: {exc}", "error")
