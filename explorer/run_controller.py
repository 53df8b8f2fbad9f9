"""Runs in the background: one worker per run, streamed into its LiveRun and drawn live."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from compute import STATUS_NAMES, DescentStep, descend
from explorer.requests import LandscapeRequest
from explorer.state import AppState, LiveRun
from explorer.streams import StreamPool
from explorer.views.curves import CurvesView
from explorer.views.landscape import LandscapeView

REDRAW_MS = 50


class RunController(QObject):
    """Starts, pauses, steps and cancels runs; ``sigRunChanged(id)`` after each batch of steps."""

    sigRunChanged = Signal(int)
    sigError = Signal(str)

    def __init__(self, state: AppState, landscape: LandscapeView, curves: CurvesView) -> None:
        super().__init__(landscape)
        self.state, self.landscape, self.curves = state, landscape, curves
        self.pool = StreamPool(self)
        self.network: Any = None  # the NetworkController, which starts network runs
        self.delay_ms = 0
        # streamed steps mark runs dirty; one timer redraws them all at most ~30 times a second
        self._dirty: set[int] = set()
        self._redraw = QTimer(self, singleShot=True, interval=REDRAW_MS)
        self._redraw.timeout.connect(self._draw_dirty)

    def sync(self, ids: list[int] | None = None) -> None:
        """Start runs that are new or changed, drop the views of removed ones."""
        for rid in ids if ids is not None else list(self.state.runs):
            run = self.state.runs.get(rid)
            if run is None:
                self.pool.cancel(rid)
                self.landscape.remove_run(rid)
                self.curves.remove_run(rid)
            elif run.status == "queued":
                self.start(run)
            else:
                self.draw(run)

    def restart_all(self) -> None:
        """The landscape changed: every run starts over on the new one."""
        for run in self.state.runs.values():
            run.reset()
            self.start(run)

    def start(self, run: LiveRun) -> None:
        if self.state.session.is_network:
            if self.network is not None:
                self.network.start(run)
            return
        req = LandscapeRequest.from_session(self.state.session)
        settings = run.settings
        run.reset()
        run.status = "running"
        start = np.array([settings.start], dtype=float)
        self.pool.add(
            run.id,
            lambda: descend(req.objective, req.modes, start, settings.optimizer),
            lambda steps, rid=run.id: self._steps(rid, steps),
            lambda final, rid=run.id: self._finished(rid, final),
            lambda exc, rid=run.id: self.failed(rid, exc),
            paused=run.paused,
            delay=self.delay_ms / 1000,
        )
        self.mark(run.id)  # drawn with the next redraw: a click returns at once

    def _steps(self, rid: int, steps: list[DescentStep]) -> None:
        run = self.state.runs.get(rid)
        if run is None:
            return
        for s in steps:
            if run.path and s.step == run.steps and np.array_equal(run.path[-1], s.theta[0]):
                continue  # the final state is yielded twice
            run.path.append(s.theta[0])
            run.loss.append(float(s.loss[0]))
            run.grad_norm.append(float(s.grad_norm[0]))
        self.mark(rid)

    def _max_steps(self) -> int:
        return max((r.settings.optimizer.steps for r in self.state.runs.values()), default=0)

    def mark(self, rid: int) -> None:
        self._dirty.add(rid)
        if not self._redraw.isActive():
            self._redraw.start()

    def _draw_dirty(self) -> None:
        dirty, self._dirty = self._dirty, set()
        for rid in dirty:
            run = self.state.runs.get(rid)
            if run is not None:
                self.draw(run, rescale=False)
        self.curves.grow_ranges(self._max_steps())

    def _finished(self, rid: int, final: DescentStep) -> None:
        run = self.state.runs.get(rid)
        if run is not None:
            run.status = STATUS_NAMES[int(final.status[0])]
            self._dirty.discard(rid)
            self.draw(run)

    def failed(self, rid: int, exc: Exception) -> None:
        run = self.state.runs.get(rid)
        if run is not None:
            run.status = "error"
            self.draw(run)
        self.sigError.emit(f"run {rid} failed: {exc}")

    def draw(self, run: LiveRun, rescale: bool = True) -> None:
        path = np.array(run.path).reshape(-1, len(run.settings.start))
        if not len(path):
            path = np.array([run.settings.start])
        loss = np.array(run.loss) if run.loss else np.array([np.nan])
        visible = run.settings.visible
        self.landscape.set_run(run.id, run.settings.color, path, loss, visible)
        label = f"{run.id}: {run.settings.optimizer.name}"
        self.curves.set_run(
            run.id,
            label,
            run.settings.color,
            np.array(run.loss),
            np.array(run.grad_norm),
            visible,
            run.status == "diverged",
        )
        if "test_loss" in run.curves:
            self.curves.set_test_loss(
                run.id, run.settings.color, np.array(run.curves["test_loss"]), visible
            )
        if rescale:
            self.curves.grow_ranges(self._max_steps())
        self.sigRunChanged.emit(run.id)

    # user actions on selected runs ----------------------------------------------------------
    def toggle_pause(self, ids: list[int]) -> None:
        for rid in ids:
            run, gate = self.state.runs.get(rid), self.pool.gate(rid)
            if run is None:
                continue
            run.paused = not run.paused
            if gate is not None:
                gate.pause() if run.paused else gate.resume()
            self.draw(run)

    def step(self, ids: list[int]) -> None:
        for rid in ids:
            run, gate = self.state.runs.get(rid), self.pool.gate(rid)
            if run is not None and gate is not None:
                run.paused = True
                gate.step()

    def cancel(self, ids: list[int]) -> None:
        for rid in ids:
            run = self.state.runs.get(rid)
            if run is not None and run.status in ("running", "queued"):
                self.pool.cancel(rid)
                run.status = "cancelled"
                self.draw(run)

    def busy(self) -> bool:
        return self.pool.any_busy()
