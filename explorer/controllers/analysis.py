"""Critical points and basins of attraction of the shown landscape (a toy, or a slice's 2-D
restriction), computed in workers once the map is known."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject
from superqt.utils import qdebounced, qthrottled

from compute import MapFrame, Window
from explorer.jobs import Jobs
from explorer.results import (
    BASIN_LABELS,
    BASINS,
    CRITICAL,
    CRITICAL_KNOWN,
    CRITICAL_NOTE,
    FRAME,
    HESSIAN_MAP,
    SELECTED,
    SELECTION_HINT,
    HessianMap,
)
from explorer.state import AppState, SessionChanged

if TYPE_CHECKING:
    from compute import BasinBlock, BasinMap, CriticalSearch


class AnalysisController(QObject):
    """Critical points (debounced after each change of the landscape) and the basin map (when
    its overlay is on, after the critical points it needs); partial basin maps stream in."""

    def __init__(self, state: AppState, jobs: Jobs) -> None:
        super().__init__()
        self.state, self.jobs = state, jobs
        self._debounced = qdebounced(self.refresh_critical, timeout=150, parent=self)
        self.pending = False
        self._draw_basins = qthrottled(
            self._partial_basins, timeout=200, leading=False, parent=self
        )
        self.held: set[str] = set()  # overlays the user stopped (Esc): not restarted by others
        self._overlays = frozenset(state.session.overlays)
        state.on_result(FRAME, self._frame)
        state.events.optimizer.connect(self._optimizer)
        state.events.view.connect(self._view)
        for event in (state.events.landscape, state.events.plane, state.events.problem):
            event.connect(lambda _: self.held.clear())  # a new map: its overlays follow it

    def schedule(self) -> None:
        """Critical points shortly after the map settles (a burst of changes computes once)."""
        self.pending = True
        self._debounced()

    def _frame(self, frame: MapFrame | None) -> None:
        """A complete map (not while a slider is dragged) is followed by its critical points."""
        r = self.state.results
        if frame is None or not frame.complete:
            return
        idle = not self.jobs.busy("critical") and "critical" not in self.held
        if not self.state.view.dragging and not r.critical_known and idle:
            self.schedule()
        if self._wants_hessian_map() and not self.state.view.dragging:
            self.refresh_hessian_map()

    def _optimizer(self, _: SessionChanged) -> None:
        self.held.discard("basins")  # another optimizer: the user asks for its basins
        if "basins" in self.state.session.overlays:
            self.refresh_basins()

    def _view(self, change: SessionChanged) -> None:
        """An overlay ticked (or another view setting changed): compute what is now shown and
        missing, except what the user stopped, unless it is the overlay ticked just now."""
        now = frozenset(change.session.overlays)
        self.held -= now - self._overlays
        self._overlays = now
        r = self.state.results
        if "basins" in self.state.session.overlays and r.basins is None and r.critical_known:
            self.refresh_basins()
        frame = r.frame
        if self._wants_hessian_map() and frame is not None and frame.complete:
            self.refresh_hessian_map()

    def _wants_hessian_map(self) -> bool:
        """The overlay is on and its map is neither computed nor being computed."""
        return (
            "hessian" in self.state.session.overlays
            and "hessian" not in self.held
            and self.state.results.hessian_map is None
            and not self.jobs.busy("hessian")
        )

    def refresh_hessian_map(self) -> None:
        """The full-space curvature map of the shown window, cells streaming in coarse to
        fine (a slice: 21 × 21 network Hessians by batched Lanczos)."""
        landscape, window = self.state.results.landscape, Window(self.state.session.window)
        if landscape is None or len(window.bounds) != 4:
            return
        from compute import hessian_map

        self.state.progress("curvature map", 0.0)
        self.jobs.submit(
            "hessian",
            lambda: hessian_map(landscape, window),
            self._hessian_cells,
            self._hessian_done,
            self._failed,
        )

    def _hessian_cells(self, items: list[Any]) -> None:
        current = self.state.results.hessian_map
        for cells in items:
            if current is None:
                nb, na = cells.shape
                w = self.state.session.window
                current = HessianMap(
                    np.linspace(w[0], w[1], na),
                    np.linspace(w[2], w[3], nb),
                    np.full((nb, na), np.nan),
                    np.full((nb, na), np.nan),
                    False,
                )
            current = current.with_cells(cells.ia, cells.ib, cells.lam_min, cells.lam_max)
            self.state.progress("curvature map", cells.done / cells.total)
        self.state.set_result(HESSIAN_MAP, current)

    def _hessian_done(self, result: Any) -> None:
        done = HessianMap(result.a, result.b, result.lam_min, result.lam_max, True)
        self.state.set_result(HESSIAN_MAP, done)
        self.state.progress("curvature map", 1.0)

    def stop(self) -> None:
        """Esc: stop the critical points, the basin map and the curvature map, and hold them
        until the user asks again (a new map, the overlay ticked again, another optimizer)."""
        self._debounced.cancel()
        if self.pending:
            self.held.add("critical")
        self.pending = False
        for slot in ("critical", "basins", "hessian"):
            if self.jobs.busy(slot):
                self.held.add(slot)
            self.jobs.cancel(slot)

    def refresh_critical(self) -> None:
        self.pending = False
        landscape = self.state.results.landscape
        if landscape is None:
            return
        window, frame = Window(self.state.session.window), self.state.results.frame
        self.state.set_result(CRITICAL_KNOWN, False)
        self.state.progress("critical points", 0.0)

        from compute import critical_search, search_starts  # imports scipy: at the first search

        def job() -> Generator[Any, None, CriticalSearch]:
            starts = search_starts(landscape, frame.axes, frame.loss, window) if frame else None
            objective, modes = landscape.map_objective, landscape.map_modes
            return (yield from critical_search(objective, modes, window, starts))

        self.jobs.submit(
            "critical", job, self._critical_progress, self._critical_done, self._failed
        )

    def _critical_progress(self, items: list[Any]) -> None:
        last = items[-1]
        stage, fraction = getattr(last, "stage", str(last)), getattr(last, "fraction", 0.5)
        self.state.progress(f"critical points: {stage}", min(0.99, fraction))

    def _critical_done(self, found: CriticalSearch) -> None:
        points = found.points
        hint = self.state.results.selection_hint
        again = -1
        if hint is not None and points:
            gaps = [float(np.linalg.norm(p.point - hint)) for p in points]
            again = int(np.argmin(gaps)) if min(gaps) < 1e-6 * (1 + np.abs(hint).max()) else -1
        self.state.set_result(SELECTION_HINT, None)
        self.state.set_result(CRITICAL_KNOWN, True)
        self.state.set_result(CRITICAL_NOTE, found.note)
        self.state.set_result(CRITICAL, points)
        self.state.set_result(SELECTED, again)
        self.state.progress("critical points", 1.0)
        if "basins" in self.state.session.overlays:
            self.refresh_basins()

    def refresh_basins(self) -> None:
        """One batched run from every cell (needs this landscape's critical points)."""
        landscape, s = self.state.results.landscape, self.state.session
        if landscape is None or self.jobs.busy("critical") or not self.state.results.critical_known:
            return  # started when the critical points arrive
        if "basins" in self.held:
            return
        from compute import basin_budget, basin_map

        objective, modes = landscape.map_objective, landscape.map_modes
        resolution, config = basin_budget(objective, s.resolution, s.optimizer)
        critical, window = list(self.state.results.critical), Window(s.window)
        self.state.clear_results(BASINS, BASIN_LABELS)
        self.state.progress("basin map", 0.0)
        self.jobs.submit(
            "basins",
            lambda: basin_map(objective, modes, window, resolution, config, critical),
            self._basin_blocks,
            self._basins_done,
            self._failed,
        )

    def _basin_blocks(self, blocks: list[BasinBlock]) -> None:
        self._draw_basins(blocks[-1])

    def _partial_basins(self, block: BasinBlock) -> None:
        if self.state.results.basins is None and self.jobs.busy("basins"):
            self.state.set_result(BASIN_LABELS, block.labels)
            self.state.progress("basin map", block.done_fraction)

    def _basins_done(self, result: BasinMap) -> None:
        self._draw_basins.cancel()
        self.state.set_result(BASIN_LABELS, result.labels)
        self.state.set_result(BASINS, result)
        self.state.progress("basin map", 1.0)

    def _failed(self, exc: Exception) -> None:
        self.state.progress("analysis", -1.0)
        self.state.notify(f"{exc}", "error")
