"""The Hessian spectrum at a point of the map or of a run, computed in the "spectrum" job slot
with its Ritz values streaming into the state."""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from compute import (
    Landscape,
    LandscapeError,
    PointSpectrum,
    RitzTrail,
    SpectrumOptions,
    SpectrumRequest,
    SpectrumStep,
    spectrum_at,
    spectrum_options,
)
from explorer.jobs import Jobs
from explorer.results import LANDSCAPE, SPECTRUM, SPECTRUM_PROGRESS
from explorer.state import AppState

SLOT = "spectrum"


@dataclass(frozen=True)
class _Failure:
    """A job's error, returned rather than raised: ``Jobs`` creates its workers without
    ``_ignore_errors``, so superqt also re-raises a raised error in the GUI thread (a
    traceback on stderr) besides calling the slot's error handler."""

    message: str


class SpectrumController(QObject):
    """Turns "the spectrum here" into a job: ``at_point(coords)`` (map coordinates: a toy's θ
    or (a, b) on a slice, lifted to θ(a, b)), ``at_run(run_id, which)`` (a run's latest or
    first θ snapshot), ``at_selected()`` (the selected critical point). The choices are
    ``request`` (a ``compute.SpectrumRequest``, changed with ``choose``).

    Results: ``spectrum_progress`` (a ``RitzTrail``, reset at each request) while it runs,
    then ``spectrum`` (a ``PointSpectrum``); ``busy("spectrum", fraction)`` for the status bar.
    ``sigRequested(where)`` when a computation starts (e.g. to raise the panel's dock).
    """

    sigRequested = Signal(str)

    def __init__(self, state: AppState, jobs: Jobs) -> None:
        super().__init__()
        self.state, self.jobs = state, jobs
        self.request = SpectrumRequest()
        self._basis: tuple[Any, float] | None = None  # (problem, λ) the shown numbers are of
        self._last: tuple[np.ndarray, str] | None = None  # the point last asked for
        state.on_result(LANDSCAPE, self._landscape_changed)

    # choices --------------------------------------------------------------------------------
    def options(self) -> SpectrumOptions | None:
        """What the shown landscape offers (blocks, samples, matrices), None before it exists."""
        landscape = self.state.results.landscape
        return None if landscape is None else spectrum_options(landscape)

    def choose(self, **changes: Any) -> bool:
        """Change the request (``matrix="ggn"``, ``top=8``, ...); a refused change is reported
        and the previous request kept. Returns whether it was applied."""
        try:
            request = replace(self.request, **changes)
            request.check()
        except (LandscapeError, TypeError) as exc:
            self.state.notify(f"Spectrum: {exc}. The previous choice is kept.", "error")
            return False
        self.request = request
        return True

    # requests -------------------------------------------------------------------------------
    def at_point(self, coords: Sequence[float]) -> bool:
        """The spectrum at a point of the map (a toy's θ, or (a, b) on the slice)."""
        return self._submit(np.asarray(coords, dtype=float), "")

    def at_run(self, run_id: int, which: str = "current") -> bool:
        """At run ``run_id``'s latest θ snapshot (``"current"``) or its first (``"start"``)."""
        run = self.state.runs.get(run_id)
        if which not in ("current", "start"):
            raise ValueError(f"which must be 'current' or 'start', not {which!r}")
        if run is None or not len(run.data.thetas):
            self.state.notify(f"Run {run_id} has no θ yet: start it, or wait for it.", "error")
            return False
        thetas = run.data.thetas
        theta, step = (thetas[-1], run.data.step) if which == "current" else (thetas[0], 0)
        return self._submit(np.asarray(theta, dtype=float), f"run {run_id} ({which}, step {step})")

    def at_selected(self) -> bool:
        """At the selected critical point of the map."""
        r = self.state.results
        if not 0 <= r.selected < len(r.critical):
            self.state.notify("Select a critical point first (map or table).", "error")
            return False
        point = r.critical[r.selected]
        where = f"the selected {point.kind}"
        coords = np.asarray(point.point, dtype=float)
        return self._submit(coords, where + " " + _coords(self.state.axis_names(), coords))

    def again(self) -> bool:
        """The last point again, with the current choices."""
        if self._last is None:
            self.state.notify("Ask for a spectrum at a point first.", "error")
            return False
        return self._submit(*self._last)

    def cancel(self) -> None:
        if self.jobs.busy(SLOT):
            self.jobs.cancel(SLOT)
            trail = self.state.results.spectrum_progress or RitzTrail()
            self.state.set_result(SPECTRUM_PROGRESS, replace(trail, phase="cancelled"))
            self.state.progress(SLOT, 1.0)
            self.state.notify("Spectrum cancelled.")

    def busy(self) -> bool:
        return self.jobs.busy(SLOT)

    def _submit(self, point: np.ndarray, where: str) -> bool:
        landscape: Landscape | None = self.state.results.landscape
        if landscape is None:
            self.state.notify("The landscape is still being computed: try again shortly.", "error")
            return False
        request = self.request
        if not where and len(point) == landscape.map_objective.dim:
            where = _coords(self.state.axis_names(), point)
            where += " on the slice" if landscape.is_slice else ""

        def job() -> Generator[SpectrumStep, None, PointSpectrum | _Failure]:
            try:
                return (yield from spectrum_at(landscape, point, request, where))
            except Exception as exc:  # reported in the window (see _Failure)
                return _Failure(f"{exc}" if isinstance(exc, LandscapeError) else repr(exc))

        self._basis = (landscape.problem, landscape.modes.l2)
        self._last = (point, where)
        self.state.set_result(SPECTRUM_PROGRESS, RitzTrail(phase="starting"))
        self.state.progress(SLOT, 0.0)
        self.sigRequested.emit(where)
        self.jobs.submit(SLOT, job, self._items, self._done, self._failed)
        return True

    # results --------------------------------------------------------------------------------
    def _items(self, items: list[Any]) -> None:
        steps = [s for s in items if isinstance(s, SpectrumStep)]
        if steps:
            trail = self.state.results.spectrum_progress or RitzTrail()
            self.state.set_result(SPECTRUM_PROGRESS, trail.extend(steps))
            self.state.progress(SLOT, steps[-1].fraction)

    def _done(self, result: PointSpectrum | _Failure) -> None:
        if isinstance(result, _Failure):
            self._failed(result.message)
            return
        self.state.set_result(SPECTRUM, result)
        self.state.progress(SLOT, 1.0)

    def _failed(self, exc: Exception | str) -> None:
        self.state.progress(SLOT, -1.0)
        self.state.notify(f"The spectrum could not be computed: {exc}", "error")

    def _landscape_changed(self, landscape: Landscape | None) -> None:
        """A new landscape of another problem or L2 setting: the shown numbers are not of it."""
        if landscape is None or self._basis is None:
            return
        problem, l2 = self._basis
        if landscape.problem is not problem or landscape.modes.l2 != l2:
            self._basis = self._last = None
            self.jobs.cancel(SLOT)
            self.state.progress(SLOT, 1.0)
            self.state.clear_results(SPECTRUM, SPECTRUM_PROGRESS)


def _coords(names: Sequence[str], values: np.ndarray) -> str:
    return "(" + ", ".join(f"{n} = {v:.4g}" for n, v in zip(names, values, strict=False)) + ")"
