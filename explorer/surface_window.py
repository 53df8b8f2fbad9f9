"""A surface computed elsewhere, shown read-only: the reference tool's surface ``.h5`` (or a
surface file written by ``import-surface``), with the values exactly as they were computed there.

The window shows one field at a time on the file's own grid (x = ``xcoordinates``, y =
``ycoordinates``; cell (i, j) centred on (x[j], y[i])), on a log or linear colour scale, reads
every field out under the cursor (nearest sample), and exports the map as a figure for a paper
through the same renderer as ``landscape-explorer render``. Nothing here recomputes a value.
"""

from __future__ import annotations

from collections.abc import Generator
from functools import partial
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from compute import (
    FIGURE_FORMATS,
    MapFrame,
    Surface,
    figure_record,
    make_frame,
    render_figure,
    scene_from_surface,
)
from explorer.banner import Banner
from explorer.jobs import Jobs, user_error
from explorer.views.landscape import LandscapeView


def _frame(surface: Surface, name: str, log: bool) -> Generator[None, None, MapFrame]:
    yield None
    return make_frame((surface.x, surface.y), surface.values(name), log)


def _export(
    surface: Surface, source: Path, name: str, log: bool, target: str
) -> Generator[None, None, Path]:
    yield None
    scene = scene_from_surface(surface, source, name, log)
    record = figure_record([scene.provenance], "surface window", {"field": name})
    return render_figure([scene.panel("map")], target, record, width="single")[0]


def default_log(name: str) -> bool:
    """Losses on a log scale (their minima are what one looks for); accuracies linear."""
    return "acc" not in name.lower()


class SurfaceWindow(QMainWindow):
    """One imported surface: a field chooser, the log scale, the map with a read-out, export."""

    def __init__(self, surface: Surface, source: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.surface, self.source = surface, source
        self.setWindowTitle(f"{source.name}: imported surface (read-only)")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.jobs = Jobs(self)
        self.field = QComboBox()
        self.field.setObjectName("surface-field")
        self.field.addItems(list(surface.fields))
        self.field.setToolTip("The field of the file to show")
        self.log = QCheckBox("Log colour scale")
        self.export_button = QPushButton("Export figure…")
        self.export_button.setToolTip("The map as PDF, PNG or SVG with a JSON sidecar")
        self.view = LandscapeView()
        self.view.set_axis_names(("x (xcoordinates)", "y (ycoordinates)"))
        self.readout = QLabel(" ")
        self.readout.setObjectName("surface-readout")
        self.banner = Banner()
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Field"))
        bar.addWidget(self.field)
        bar.addWidget(self.log)
        bar.addStretch(1)
        bar.addWidget(self.export_button)
        info = QLabel(self._provenance())
        info.setWordWrap(True)
        info.setObjectName("surface-info")
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addLayout(bar)
        layout.addWidget(info)
        layout.addWidget(self.banner)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.readout)
        self.setCentralWidget(body)
        self.resize(760, 680)
        self.field.currentTextChanged.connect(self._field_chosen)
        self.log.toggled.connect(lambda _: self.redraw())
        self.export_button.clicked.connect(self.ask_export)
        self.view.sigHovered.connect(self._hovered)
        self._field_chosen(self.field.currentText())

    def _provenance(self) -> str:
        meta = self.surface.meta
        digest = str(meta.get("sha256", ""))[:12]
        text = (
            f"Values as computed in {meta.get('source', self.source.name)}"
            + (f" (sha256 {digest}…)" if digest else "")
            + f", {len(self.surface.y)} × {len(self.surface.x)} samples: shown, not recomputed."
        )
        missing = dict(meta.get("not_computed", {}))
        if missing:
            text += " Not computed there (blank): " + ", ".join(
                f"{k} {n} points" for k, n in missing.items()
            )
        return text

    def _field_chosen(self, name: str) -> None:
        self.log.blockSignals(True)
        self.log.setChecked(default_log(name))
        self.log.blockSignals(False)
        self.redraw()

    def redraw(self) -> None:
        """The chosen field on the chosen scale (isolines computed in a worker)."""
        name, log = self.field.currentText(), self.log.isChecked()
        self.jobs.submit(
            "frame",
            partial(_frame, self.surface, name, log),
            lambda _: None,
            lambda frame: self._show(frame, name),
            self._failed,
        )

    def _show(self, frame: MapFrame, name: str) -> None:
        self.view.show_frame(frame)
        self.view.set_window(self.surface.window)
        label = name.replace("_", " ")
        self.view.colorbar.axis.setLabel(f"log₁₀({label} − min)" if frame.log_scale else label)

    def _hovered(self, x: float, y: float) -> None:
        s = self.surface
        j, i = int(np.abs(s.x - x).argmin()), int(np.abs(s.y - y).argmin())
        values = ", ".join(f"{k} = {float(v[i, j]):.6g}" for k, v in s.fields.items())
        self.readout.setText(f"x = {s.x[j]:.4g}, y = {s.y[i]:.4g}: {values}")

    def ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Export the map",
            str(self.source.with_suffix(".pdf")),
            "Figures (" + " ".join(f"*{s}" for s in FIGURE_FORMATS) + ")",
        )
        if path:
            self.export(path)

    def export(self, path: str) -> None:
        """Write the shown field as a figure (and its sidecar) in a worker."""
        name, log = self.field.currentText(), self.log.isChecked()
        self.export_button.setEnabled(False)
        self.banner.show_message(f"Writing {Path(path).name}…")
        self.jobs.submit(
            "export",
            partial(_export, self.surface, self.source, name, log, path),
            lambda _: None,
            self._exported,
            self._failed,
        )

    def _exported(self, written: Path) -> None:
        self.export_button.setEnabled(True)
        self.banner.show_message(f"Wrote {written.name} and its sidecar")

    def _failed(self, exc: Exception) -> None:
        self.export_button.setEnabled(True)
        why = user_error(exc)
        self.banner.show_message(str(why), "error")

    def closeEvent(self, event: QCloseEvent) -> None:
        self.jobs.shutdown()
        super().closeEvent(event)
