"""File ▸ Export: ask for a file, then write it in a worker, from the state's computed results:
toys and network slices alike. Figures and data go through ``compute.figures`` (the same code
as the headless ``render`` command), so a window export and a rendered session look the same."""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QWidget

from compute import LandscapeError
from explorer import session_io
from explorer.export_window import render_strips, window_target, write_window
from explorer.jobs import Jobs
from explorer.state import AppState

if TYPE_CHECKING:
    from compute import CurvesPanel, MapPanel, Scene, SpectrumPanel

    Panel = MapPanel | CurvesPanel | SpectrumPanel

FILTERS = {
    "figure": ("PDF document (*.pdf)", "PNG image (*.png)", "SVG vector (*.svg)"),
    "window": ("PNG image (*.png)", "PDF document (*.pdf)", "SVG vector (*.svg)"),
    "data": ("CSV table (*.csv)", "NumPy archive (*.npz)"),
    "animation": ("GIF animation (*.gif)", "MP4 video (*.mp4)"),
}
KINDS = {
    "map": ("Map figure…", "figure"),
    "curves": ("Training curves figure…", "figure"),
    "spectrum": ("Hessian spectrum figure…", "figure"),
    "window": ("Whole window…", "window"),
    "grid": ("Landscape grid data…", "data"),
    "runs": ("Trajectories data…", "data"),
    "animation": ("Runs as an animation…", "animation"),
    "flight": ("Flight along the latest path…", "animation"),
}
WIDTHS = {
    "single": "Single column (3.25 in)",
    "double": "Double column (6.75 in)",
    "slide": "Slide (4.96 in)",
}
RECOMPUTING = "the map is being recomputed for the new settings: export it once it is drawn"
MISSING = {
    "curves": "There are no runs to export: click the map to start one.",
    "runs": "There are no runs to export: click the map to start one.",
    "animation": "There are no runs to animate: click the map to start one.",
    "flight": "There is no path on the map to fly along: connect two points first (Tools ▸ "
    "Connect two points…).",
    "spectrum": "No Hessian spectrum yet: Alt+click a point (or use a run's Spectrum action).",
}


class Exporter(QObject):
    """Figures (map, curves, spectrum, window), data (grid, trajectories) and animations (runs
    moving; a marker flying along the latest kept path, the profile's cursor with it).
    ``sigExported(paths)`` after each export; failures are reported through the state's
    messages. The dialog remembers the folder, the format of each kind, the DPI and width."""

    sigExported = Signal(list)
    sigFraction = Signal(float)  # an animation's frames drawn, from the worker (queued)

    def __init__(self, state: AppState, jobs: Jobs, window: QWidget) -> None:
        super().__init__(window)
        self.state, self.jobs, self.window = state, jobs, window
        self.session_name: Callable[[], str] = lambda: state.session.scenario
        self._note = ""  # what the last export left out, said with its success
        self._cancel = threading.Event()  # set by Cancel: an animation stops between frames
        self.sigFraction.connect(self._fraction)

    def _fraction(self, fraction: float) -> None:
        if not self._cancel.is_set():  # frames reported before a Cancel arrive after it
            self.state.progress("export", min(fraction, 0.99))

    def cancel(self) -> None:
        """Stop the export in progress: an animation between two frames, leaving no file (a
        figure or data file, written in one go, is written in full)."""
        self._cancel.set()

    def ask(self, what: str) -> None:
        """File ▸ Export ▸ ``what``: a file dialog (then DPI and width where they apply)."""
        group = KINDS[what][1]
        prefs = session_io.settings()
        directory = Path(str(prefs.value("export-dir", str(Path.home()))))
        filters = FILTERS[group]
        chosen = str(prefs.value(f"export-filter-{group}", filters[0]))
        suffix = _suffix(chosen) if chosen in filters else ""
        path, picked = QFileDialog.getSaveFileName(
            self.window,
            f"Export {what}",
            str(directory / f"{self.session_name()}-{what}{suffix}"),
            ";;".join(filters),
            chosen if chosen in filters else filters[0],
        )
        if not path:
            return
        prefs.setValue("export-dir", str(Path(path).parent))
        if picked:
            prefs.setValue(f"export-filter-{group}", picked)
        if not Path(path).suffix and picked in filters:  # a name typed without its suffix
            path += _suffix(picked)
        if Path(path).suffix.lower() == ".mp4":  # refused before the frame-rate questions
            from compute import require_mp4

            try:
                require_mp4()
            except LandscapeError as exc:
                self._failed(exc)
                return
        options: dict[str, Any] = {}
        if group in ("figure", "window"):  # maps are rasterised at this DPI in every format
            saved = int(str(prefs.value("export-dpi", 300)))
            dpi, ok = QInputDialog.getInt(
                self.window, "Resolution", "Dots per inch:", saved, 50, 1200, 50
            )
            if not ok:
                return
            prefs.setValue("export-dpi", dpi)
            options["dpi"] = dpi
        if group == "figure":
            names = list(WIDTHS.values())
            saved_width = str(prefs.value("export-width", "single"))
            current = list(WIDTHS).index(saved_width) if saved_width in WIDTHS else 0
            text, ok = QInputDialog.getItem(
                self.window, "Figure width", "Width:", names, current, False
            )
            if not ok:
                return
            options["width"] = list(WIDTHS)[names.index(text)]
            prefs.setValue("export-width", options["width"])
        if group == "animation":
            fps, ok = QInputDialog.getInt(
                self.window, "Animation", "Frames per second:", 20, 2, 60, 1
            )
            if not ok:
                return
            seconds, ok = QInputDialog.getDouble(
                self.window, "Animation", "Length in seconds:", 6.0, 1.0, 60.0, 1
            )
            if not ok:
                return
            options |= {"fps": fps, "seconds": seconds}
        self.export(what, path, **options)

    def export(
        self,
        what: str,
        path: str | Path,
        dpi: int = 300,
        width: str = "single",
        fps: int = 20,
        seconds: float = 6.0,
    ) -> None:
        """Export without dialogs (what the menu does after asking; the tests call it)."""
        if what == "window":
            self._export_window(path, dpi)
            return
        from explorer.scene import scene_of  # matplotlib etc.: when first used

        try:
            if self.jobs.busy("map"):  # the results on screen are of the previous settings
                raise LandscapeError(RECOMPUTING)
            scene = scene_of(self.state)
            self._cancel = threading.Event()
            tick = partial(_frame_done, self._cancel, self.sigFraction.emit)
            write = _writer(what, scene, path, dpi, width, (fps, seconds), tick)
        except LandscapeError as exc:
            self._failed(exc)
            return

        hmap, shown = self.state.results.hessian_map, "hessian" in self.state.session.overlays
        self._note = (
            " (the curvature map was still being computed and is left out)"
            if shown
            and what in ("map", "grid", "animation", "flight")
            and not (hmap and hmap.complete)
            else ""
        )

        def job() -> Generator[None, None, list[Path]]:
            yield None
            return write()

        self.state.progress("export", 0.0)
        self.jobs.submit("export", job, lambda _: None, self._done, self._failed)

    def _export_window(self, path: str | Path, dpi: int) -> None:
        """Paint the window in strips, one per turn of the event loop (a 300-dpi picture of a
        1440×900 window is 130 ms of painting, 1 s of PNG encoding), then encode and write it
        in a worker. Progress shows once the painting is done: a progress bar shown earlier
        would be painted into the picture's lower strips. Cancel stops between strips."""
        from compute import figure_record
        from explorer.scene import provenance

        try:
            target = window_target(path, dpi)
            record = figure_record([provenance(self.state)], "window", {"dpi": dpi})
        except LandscapeError as exc:
            self._failed(exc)
            return
        self._cancel = cancel = threading.Event()
        strips = render_strips(self.window, dpi)

        def paint_next() -> None:
            if cancel.is_set():
                strips.close()
                return
            try:
                next(strips)
            except StopIteration as painted:
                image = painted.value

                def job() -> Generator[None, None, list[Path]]:
                    yield None
                    return write_window(image, target, dpi, record)

                self.state.progress("export", 0.0)
                self.jobs.submit("export", job, lambda _: None, self._done, self._failed)
                return
            QTimer.singleShot(0, self, paint_next)  # dropped if the window is gone

        QTimer.singleShot(0, self, paint_next)  # the menu's click returns first

    def _done(self, written: list[Path]) -> None:
        self.state.progress("export", 1.0)
        self.state.notify("Exported " + ", ".join(p.name for p in written) + self._note)
        self._note = ""
        self.sigExported.emit(list(written))

    def _failed(self, exc: Exception) -> None:
        self.state.progress("export", -1.0)
        self.state.notify(f"Export failed: {exc}", "error")


def _suffix(name_filter: str) -> str:
    """ ".pdf" of "PDF document (*.pdf)"."""
    return name_filter[name_filter.index("*") + 1 : -1]


def _frame_done(
    cancel: threading.Event, report: Callable[[float], None], done: int, total: int
) -> None:
    if cancel.is_set():
        raise LandscapeError("export cancelled")
    report(done / total)


def _writer(
    what: str,
    scene: Scene,
    path: str | Path,
    dpi: int,
    width: str,
    timing: tuple[int, float],
    tick: Callable[[int, int], None],
) -> Callable[[], list[Path]]:
    """What writes ``what`` of ``scene`` (checked now: LandscapeError if there is nothing)."""
    from compute import animate, export_data, figure_record, render_figure

    panels: dict[str, Panel | None] = {"map": scene.map, "grid": scene.map}
    panels |= {"spectrum": scene.spectrum, "curves": scene.curves, "runs": scene.curves}
    panels["flight"] = scene.map if scene.map is not None and scene.map.paths else None
    panel = panels.get(what, scene.curves)  # an animation needs runs
    if panel is None:
        raise LandscapeError(MISSING.get(what, "the map is still being computed"))
    record = figure_record([scene.provenance], what)
    if what in ("map", "curves", "spectrum"):
        record |= {"width": width, "dpi": dpi}
        return lambda: render_figure([panel], path, record, width=width, dpi=dpi)
    if what in ("grid", "runs"):
        return lambda: export_data([panel], path, record)
    fps, seconds = timing
    if what == "flight":  # the latest drawn path, with the profile panel and its cursor
        fly, wide = len(scene.map.paths) - 1 if scene.map else 0, scene.profile is not None
        return lambda: animate(
            scene, path, fps, seconds, "double" if wide else "single", record=record,
            tick=tick, fly=fly, profile=wide,
        )  # fmt: skip
    return lambda: animate(scene, path, fps=fps, seconds=seconds, record=record, tick=tick)
