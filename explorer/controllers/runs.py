"""Runs in the background: every run of the session streamed by one shared worker into the
state; restarted when what they descend changes, re-projected when only the plane does."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from PySide6.QtCore import QObject

from compute import STATUS_NAMES, Landscape, RunChunk, track_run
from explorer.jobs import Jobs
from explorer.results import LANDSCAPE
from explorer.state import AppState, SessionChanged
from explorer.streams import StreamPool


class RunController(QObject):
    """Starts, pauses, steps and cancels runs. A run starts once the landscape it runs on is
    known (a network is rebuilt first); its chunks enter the state with their map positions
    (compute.track_run projects them in the worker)."""

    def __init__(self, state: AppState, jobs: Jobs) -> None:
        super().__init__()
        self.state, self.jobs = state, jobs
        self.pool = StreamPool(self)
        self._landscape: Landscape | None = None
        state.events.runs.connect(lambda change: self.sync(list(change.ids)))
        state.on_result(LANDSCAPE, self._landscape_changed)
        state.events.problem.connect(self._problem_changed)
        state.events.view_state.connect(lambda view: self._set_delay(view.delay_ms))

    # what changed ---------------------------------------------------------------------------
    def _problem_changed(self, _: SessionChanged) -> None:
        """A network is being rebuilt: its runs wait for the new one."""
        for rid in list(self.state.runs):
            self.pool.cancel(rid)
            self.state.reset_run_data(rid)
        self._landscape = None

    def _landscape_changed(self, new: Landscape | None) -> None:
        old = self._landscape
        self._landscape = new
        if new is None:
            return
        same_runs = old is not None and old.problem is new.problem and old.modes == new.modes
        if old is not None and same_runs and old.plane_spec != new.plane_spec:
            self.reproject()
        elif not same_runs:
            self.restart_all()
        else:
            self.sync(list(self.state.runs))

    def sync(self, ids: list[int] | None = None) -> None:
        """Start runs that are new or changed (queued); forget removed ones."""
        for rid in ids if ids is not None else list(self.state.runs):
            run = self.state.runs.get(rid)
            if run is None:
                self.pool.cancel(rid)
            elif run.status == "queued":
                self.start(rid)

    def restart_all(self) -> None:
        for rid in list(self.state.runs):
            self.state.reset_run_data(rid)
            self.start(rid)

    # a run ----------------------------------------------------------------------------------
    def start(self, rid: int) -> None:
        run, landscape = self.state.runs.get(rid), self._landscape
        if run is None or landscape is None:
            return  # started when the landscape is known
        settings = run.settings
        waiting = settings.at == "point" and not settings.theta and not settings.in_plane
        if waiting and landscape.plane is not None:
            return  # its θ start is resolved with the landscape (LandscapeController)
        self.state.reset_run_data(rid)
        self.state.set_run_status(rid, "running")
        delay = self.state.view.delay_ms / 1000

        def make() -> Generator[Any, None, RunChunk]:
            return track_run(landscape, settings)

        self.pool.add(
            rid,
            make,
            lambda updates: self._updates(rid, updates),
            lambda final: self._finished(rid, final),
            lambda exc: self._failed(rid, exc),
            paused=run.paused,
            delay=delay,
        )

    def _updates(self, rid: int, updates: list[Any]) -> None:
        self.state.append_run_data(rid, updates)

    def _finished(self, rid: int, final: RunChunk) -> None:
        self.state.set_run_status(rid, STATUS_NAMES[int(final.status[0])])

    def _failed(self, rid: int, exc: Exception) -> None:
        self.state.set_run_status(rid, "error", str(exc))
        self.state.notify(f"Run {rid} failed: {exc}", "error")

    def reproject(self) -> None:
        """The plane changed: every run's snapshots projected onto it, in a worker."""
        landscape = self._landscape
        if landscape is None:
            return
        thetas = {
            rid: run.data.thetas for rid, run in self.state.runs.items() if run.data.thetas.size
        }

        def job() -> Generator[tuple[int, Any], None, None]:
            for rid, snaps in thetas.items():
                yield rid, landscape.project(snaps)

        def apply(items: list[tuple[int, Any]]) -> None:
            for rid, proj in items:
                self.state.set_run_projection(rid, proj.coords, proj.distance)

        self.jobs.submit("reproject", job, apply)

    # user actions ---------------------------------------------------------------------------
    def toggle_pause(self, ids: list[int]) -> None:
        for rid in ids:
            run, gate = self.state.runs.get(rid), self.pool.gate(rid)
            if run is None:
                continue
            paused = not run.paused
            if gate is not None:
                gate.pause() if paused else gate.resume()
            self.state.set_run_paused(rid, paused)

    def step(self, ids: list[int]) -> None:
        for rid in ids:
            gate = self.pool.gate(rid)
            if rid in self.state.runs and gate is not None:
                gate.step()
                self.state.set_run_paused(rid, True)

    def cancel(self, ids: list[int]) -> None:
        for rid in ids:
            run = self.state.runs.get(rid)
            if run is not None and run.status in ("running", "queued"):
                self.pool.cancel(rid)
                self.state.set_run_status(rid, "cancelled")

    def _set_delay(self, ms: int) -> None:
        """A new step delay reaches the running runs too, not only the next ones."""
        for rid in self.state.runs:
            gate = self.pool.gate(rid)
            if gate is not None:
                gate.delay = ms / 1000

    def cancel_all(self) -> None:
        self.cancel(list(self.state.runs))

    def busy(self) -> bool:
        return self.pool.any_busy()
