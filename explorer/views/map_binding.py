"""The landscape view subscribed to the state: it draws the computed results and the runs."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QObject

from compute import MapFrame
from explorer.overlays import OVERLAYS
from explorer.results import FRAME, MARKS, SELECTED, Result
from explorer.state import AppState, RunsChanged, SessionChanged
from explorer.views.landscape import LandscapeView
from explorer.views.run_redraw import RunRedraw

REDRAW_MS = 33


class MapBinding(QObject):
    """Keeps ``view`` in step with ``state``: frame, overlays, critical points, marks, the
    constraint set, runs (redrawn at most ~30 times a second while they stream)."""

    def __init__(self, state: AppState, view: LandscapeView) -> None:
        super().__init__(view)
        self.state, self.view = state, view
        self._redraw = RunRedraw(state, self._draw_runs, REDRAW_MS, self)
        state.events.scenario.connect(self._scenario)
        state.events.landscape.connect(self._landscape)
        state.events.view.connect(lambda _: self._overlays())
        state.on_result(FRAME, self._frame)
        keys: set[Result[Any]] = {k for o in OVERLAYS.values() for k in o.results} - {FRAME}
        for key in keys:
            state.on_result(key, lambda _: self._overlays())
        state.on_result(SELECTED, self._selected)
        state.on_result(MARKS, lambda marks: self.view.show_marks(dict(marks)))
        state.events.runs.connect(self._runs)

    def _scenario(self, _: SessionChanged) -> None:
        s = self.state.session
        for rid in list(self.view.paths):
            self.view.remove_run(rid)
        self.view.set_axis_names(self.state.axis_names())
        self.view.set_window(s.window)
        self.view.show_marks({})
        self.view.show_critical([])
        self._overlays()

    def _landscape(self, _: SessionChanged) -> None:
        s = self.state.session
        if tuple(round(b, 9) for b in self.view.window()) != tuple(round(b, 9) for b in s.window):
            self.view.set_window(s.window)
        self.view.show_constraint(s.modes().constraint if not s.sliced else None)

    def _frame(self, frame: MapFrame | None) -> None:
        if frame is not None:
            self.view.show_frame(frame)
            self._overlays()

    def _selected(self, index: int) -> None:
        points = self.state.results.critical
        self.view.select_critical(points[index] if 0 <= index < len(points) else None)

    def _overlays(self) -> None:
        s = self.state.session
        self.view.set_equal_axes(s.drawn_equal_axes)  # a ball is always drawn round
        for overlay in OVERLAYS.values():
            overlay.paint(self.view, self.state, overlay.key in s.overlays)
        self.view.show_constraint(s.modes().constraint if not s.sliced else None)

    # runs -----------------------------------------------------------------------------------
    def _runs(self, _: RunsChanged) -> None:
        for rid in list(self.view.paths):
            if rid not in self.state.runs:
                self.view.remove_run(rid)
        for rid in self.state.runs:
            self._redraw.mark(rid)

    def _draw_runs(self, dirty: set[int]) -> None:
        for rid in dirty:
            run = self.state.runs.get(rid)
            if run is None:
                continue
            loss = run.data.loss if run.data.loss.size else np.array([np.nan])
            self.view.set_run(rid, run.settings.color, run.path(), loss, run.settings.visible)
