"""Export actions of the window: ask for a file, then write it (matplotlib work in a worker)."""

from __future__ import annotations

from collections.abc import Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QInputDialog

from compute import LandscapeError, drain, evaluate_grid
from compute import export as ex
from compute.isolines import display_values, levels_for
from explorer import session_io
from explorer.export_actions import export_window, metadata, scene_from
from explorer.requests import LandscapeRequest

if TYPE_CHECKING:
    from explorer.main_window import MainWindow

FIGURE_FILTER = "PNG image (*.png);;SVG vector (*.svg);;PDF document (*.pdf)"
DATA_FILTER = "CSV table (*.csv);;NumPy archive (*.npz)"


class Exporter:
    """Figures (map, curves, window) and data (grid, trajectories) of one window."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window

    # with dialogs ---------------------------------------------------------------------------
    def ask(self, what: str) -> None:
        """File ▸ Export ▸ ``what`` (map, curves, window, grid, runs): dialog, then export."""
        figure = what in ("map", "curves", "window")
        directory = str(session_io.settings().value("export-dir", str(Path.home())))
        path, _ = QFileDialog.getSaveFileName(
            self.window,
            f"Export {what}",
            str(Path(directory) / f"landscape-{what}"),
            FIGURE_FILTER if figure else DATA_FILTER,
        )
        if not path:
            return
        session_io.settings().setValue("export-dir", str(Path(path).parent))
        dpi = 300
        if figure and Path(path).suffix.lower() in (".png", ".pdf"):
            saved = int(session_io.settings().value("export-dpi", 300))
            dpi, ok = QInputDialog.getInt(
                self.window, "Resolution", "Dots per inch:", saved, 50, 1200, 50
            )
            if not ok:
                return
            session_io.settings().setValue("export-dpi", dpi)
        getattr(self, f"export_{what}")(path, dpi) if figure else getattr(self, f"export_{what}")(
            path
        )

    # without dialogs (also what the tests call) ----------------------------------------------
    def export_map(self, path: str | Path, dpi: int = 300) -> None:
        self._in_worker(lambda scene: ex.export_landscape_figure(scene, path, dpi))

    def export_curves(self, path: str | Path, dpi: int = 300) -> None:
        self._in_worker(lambda scene: ex.export_curves_figure(scene, path, dpi))

    def export_grid(self, path: str | Path) -> None:
        self._in_worker(lambda scene: ex.export_grid_data(scene, path))

    def export_runs(self, path: str | Path) -> None:
        self._in_worker(lambda scene: ex.export_runs_data(scene, path))

    def export_window(self, path: str | Path, dpi: int = 300) -> None:
        try:
            written = export_window(self.window, path, dpi, metadata(self.window.state))
        except LandscapeError as exc:
            self.window.notify(f"Export failed: {exc}", "error")
            return
        self._done(written)

    def _in_worker(self, write: Callable[[ex.Scene], list[Path]]) -> None:
        """Compute the full grid and write the file off the GUI thread."""
        w = self.window
        req = LandscapeRequest.from_session(w.state.session)
        critical = list(w.landscape_ctl.critical)
        state = w.state

        def job() -> Generator[None, None, list[Path]]:
            grid = drain(evaluate_grid(req.regularised, req.window, req.resolution))
            yield None
            levels = levels_for(display_values(grid.values["loss"], req.log_scale))
            return write(scene_from(state, grid, critical, levels))

        w.status_text.setText("Exporting…")
        w.jobs.submit("export", job, lambda _: None, self._done, self._failed)

    def _done(self, written: list[Path]) -> None:
        self.window.notify("Exported " + ", ".join(p.name for p in written))
        self.window.sigExported.emit(list(written))

    def _failed(self, exc: Exception) -> None:
        self.window.notify(f"Export failed: {exc}", "error")


def export_kinds() -> dict[str, str]:
    return {
        "map": "Map figure…",
        "curves": "Training curves figure…",
        "window": "Whole window…",
        "grid": "Landscape grid data…",
        "runs": "Trajectories data…",
    }


__all__ = ["Exporter", "export_kinds"]
