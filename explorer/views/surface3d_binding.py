"""The 3-D surface view subscribed to the state: the map, the critical points and the runs."""

from __future__ import annotations

from PySide6.QtCore import QObject

from explorer.results import CRITICAL, FRAME
from explorer.state import AppState, RunsChanged, SessionChanged
from explorer.views.run_redraw import RunRedraw
from explorer.views.surface3d import Surface3DView

REDRAW_MS = 33


class Surface3DBinding(QObject):
    """Keeps ``view`` in step with ``state``: the map frame (its F, on the session's log or
    linear scale), the critical points when shown, and the runs (at most ~30 redraws a second
    while they stream)."""

    def __init__(self, state: AppState, view: Surface3DView) -> None:
        super().__init__(view)
        self.state, self.view = state, view
        self._redraw = RunRedraw(state, self._draw_runs, REDRAW_MS, self)
        state.events.scenario.connect(self._scenario)
        state.on_result(FRAME, lambda _: self._frame_and_critical())
        state.on_result(CRITICAL, lambda _: self._critical())
        state.events.view.connect(self._view)
        state.events.runs.connect(self._runs)
        self.refresh()

    def refresh(self) -> None:
        """Everything from the state as it is now."""
        self.view.log_height.setChecked(self.state.session.log_scale)
        self._frame()
        self._critical()
        self._runs(None)
        self._draw_runs(set(self.state.runs))

    def _scenario(self, _: SessionChanged) -> None:
        for rid in list(self.view.paths):
            self.view.remove_run(rid)

    def _frame(self) -> None:
        frame = self.state.results.frame
        if frame is not None and len(frame.axes) == 2:
            self.view.show_map(frame.axes, frame.loss)

    def _frame_and_critical(self) -> None:
        self._frame()
        self._critical()

    def _view(self, _: SessionChanged) -> None:
        self.view.log_height.setChecked(self.state.session.log_scale)  # redraws if it changed
        self._critical()

    def _critical(self) -> None:
        shown = "critical" in self.state.session.overlays
        self.view.show_critical(self.state.results.critical if shown else [])

    def _runs(self, _: RunsChanged | None) -> None:
        for rid in list(self.view.paths):
            if rid not in self.state.runs:
                self.view.remove_run(rid)
        for rid in self.state.runs:
            self._redraw.mark(rid)

    def _draw_runs(self, dirty: set[int]) -> None:
        for rid in dirty:
            run = self.state.runs.get(rid)
            if run is not None:
                self.view.set_run(rid, run.settings.color, run.path(), run.settings.visible)
