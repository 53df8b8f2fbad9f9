"""File ▸ Export ▸ Figure of several panels: the open window and session files composed into
one figure (``compute.compose``: a row or grid labelled (a), (b), …, equal map sizes, one
legend, optionally one shared colour scale), written in a worker with progress and cancel."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from compute import CurvesPanel, LandscapeError, MapPanel, Scene, SceneProgress, mapped
from explorer import session_io
from explorer.exporting import RECOMPUTING, WIDTHS
from explorer.jobs import Jobs
from explorer.state import AppState

WINDOW = "This window"
Panel = MapPanel | CurvesPanel
FIGURE_FILTER = "PDF document (*.pdf);;PNG image (*.png);;SVG vector (*.svg)"
SHARED_TIP = (
    "One colour means one F in every map: for maps of one loss with comparable values. Refused "
    "(nothing is written, the message says why) for maps of different scenarios, before any "
    "session is trained, and for maps whose values lie orders of magnitude apart, which it "
    "would draw flat."
)


@dataclass(frozen=True)
class Composition:
    """What to compose: sources (WINDOW or session file paths, in panel order), which panel of
    each ("map" or "curves"), layout ("" automatic or "ROWSxCOLS"), width preset, one shared
    colour scale, DPI, and the output file."""

    sources: tuple[str, ...]
    panel: str
    layout: str
    width: str
    shared: bool
    dpi: int
    path: str


class ComposeDialog(QDialog):
    """Choose the panels (this window, session files) and the figure's layout."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Figure of several panels")
        self.sources = QListWidget()
        self.sources.setObjectName("compose-sources")
        self.sources.addItem(QListWidgetItem(WINDOW))
        add = QPushButton("Add session files…")
        add.clicked.connect(self._add)
        remove = QPushButton("Remove")
        remove.clicked.connect(self._remove)
        self.panel_choice = QComboBox()
        self.panel_choice.addItem("Map", "map")
        self.panel_choice.addItem("Training curves", "curves")
        self.layout_text = QLineEdit()
        self.layout_text.setPlaceholderText("one row (or e.g. 2x2)")
        self.width_choice = QComboBox()
        for key, text in WIDTHS.items():
            self.width_choice.addItem(text, key)
        self.width_choice.setCurrentIndex(1)  # double column: a row of maps
        self.shared = QCheckBox("One colour scale for all maps")
        self.shared.setToolTip(SHARED_TIP)
        self.dpi = QSpinBox(minimum=50, maximum=1200, value=300, singleStep=50)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        form = QFormLayout()
        form.addRow("Panel", self.panel_choice)
        form.addRow("Layout", self.layout_text)
        form.addRow("Width", self.width_choice)
        form.addRow("", self.shared)
        form.addRow("Dots per inch", self.dpi)
        box = QVBoxLayout(self)
        box.addWidget(self.sources)
        box.addLayout(row)
        box.addLayout(form)
        box.addWidget(buttons)

    def _remove(self) -> None:
        for item in self.sources.selectedItems():
            self.sources.takeItem(self.sources.row(item))

    def _add(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Session files", "", session_io.SESSION_FILTER
        )
        for path in paths:
            self.sources.addItem(QListWidgetItem(path))

    def chosen(self, path: str) -> Composition:
        sources = tuple(self.sources.item(i).text() for i in range(self.sources.count()))
        return Composition(
            sources,
            str(self.panel_choice.currentData()),
            self.layout_text.text().strip(),
            str(self.width_choice.currentData()),
            self.shared.isChecked(),
            self.dpi.value(),
            path,
        )


class Composer(QObject):
    """Runs a Composition in the ``compose`` job slot: each session file's scene is computed
    (its runs trained) with progress, then the figure and its sidecar are written.
    ``sigComposed(paths)`` when done; failures go to the state's messages."""

    sigComposed = Signal(list)

    def __init__(self, state: AppState, jobs: Jobs, window: QWidget) -> None:
        super().__init__(window)
        self.state, self.jobs, self.window = state, jobs, window

    def ask(self) -> None:
        dialog = ComposeDialog(self.window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        prefs = session_io.settings()
        directory = Path(str(prefs.value("export-dir", str(Path.home()))))
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Figure", str(directory / "figure.pdf"), FIGURE_FILTER
        )
        if path:
            prefs.setValue("export-dir", str(Path(path).parent))
            self.compose(dialog.chosen(path))

    def compose(self, c: Composition) -> None:
        """Compose without dialogs (the tests call it)."""
        from compute import (
            FIGURE_FORMATS,
            check_dpi,
            check_one_quantity,
            figure_record,
            load_session,
            output_path,
            parse_layout,
            render_figure,
            scene_from_session,
            venue,
        )
        from explorer.scene import scene_of

        try:
            if not c.sources:
                raise LandscapeError("choose at least one panel")
            # what can be refused is refused now, not after every session has been trained
            output_path(c.path, FIGURE_FORMATS)
            parse_layout(c.layout or None, len(c.sources))
            check_dpi(c.dpi)
            venue(c.width)
            if WINDOW in c.sources and self.jobs.busy("map"):
                raise LandscapeError(RECOMPUTING)
            window_scene = scene_of(self.state) if WINDOW in c.sources else None
            if window_scene is not None:
                _panel(window_scene, c.panel, WINDOW.lower())
        except LandscapeError as exc:
            self._failed(exc)
            return

        here = self.state.session.scenario  # what the window's map shows

        def job() -> Generator[Any, None, list[Path]]:
            # every file read first: one colour scale for different losses is refused before
            # any session is trained
            files = {s: load_session(s) for s in c.sources if s != WINDOW}
            if c.shared and c.panel == "map":
                check_one_quantity(
                    [
                        (WINDOW.lower(), here) if s == WINDOW else (Path(s).name, files[s].scenario)
                        for s in c.sources
                    ]
                )
            scenes = []
            n = len(c.sources)
            for i, source in enumerate(c.sources):
                if source == WINDOW:
                    scenes.append(window_scene)
                    continue
                progress = scene_from_session(files[source], source)
                scenes.append((yield from mapped(progress, partial(_share, i, n))))
            panels = [
                _panel(s, c.panel, Path(src).name)
                for s, src in zip(scenes, c.sources, strict=True)
                if s is not None
            ]
            settings = {
                "layout": c.layout,
                "width": c.width,
                "shared_scale": c.shared,
                "dpi": c.dpi,
            }
            record = figure_record(
                [s.provenance for s in scenes if s is not None], c.panel, settings
            )
            layout = c.layout or None
            return render_figure(panels, c.path, record, layout, c.width, c.shared, c.dpi)

        self.state.progress("figure", 0.0)
        self.jobs.submit("compose", job, self._items, self._done, self._failed)

    def _items(self, items: list[Any]) -> None:
        fractions = [x for x in items if isinstance(x, float)]
        if fractions:
            self.state.progress("figure", min(0.99, fractions[-1]))

    def _done(self, written: list[Path]) -> None:
        self.state.progress("figure", 1.0)
        self.state.notify("Exported " + ", ".join(p.name for p in written))
        self.sigComposed.emit(list(written))

    def _failed(self, exc: Exception) -> None:
        self.state.progress("figure", -1.0)
        self.state.notify(f"The figure could not be made: {exc}", "error")


def _panel(scene: Scene, kind: str, name: str) -> Panel:
    """``scene``'s panel ``kind``; a LandscapeError naming ``name`` where it has none."""
    found = scene.map if kind == "map" else scene.curves
    if found is None:
        raise LandscapeError(f"{name} has no {'runs' if kind == 'curves' else kind} to show")
    return found


def _share(i: int, n: int, step: SceneProgress) -> float:
    """Progress of source ``i`` of ``n`` at ``step`` as a fraction of the whole figure."""
    return (i + step.fraction) / n
