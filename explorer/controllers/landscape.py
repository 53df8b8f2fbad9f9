"""Keeps the computed landscape in step with the session: the problem (rebuilt when a network's
parameters change), the landscape (problem + modes + plane), the map frames and the geometry
fields, the hover read-out. Everything runs in worker slots; results enter the state."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

import numpy as np
from PySide6.QtCore import QObject
from superqt.utils import qthrottled

from compute import (
    GradientField,
    GridBlock,
    Landscape,
    MapFrame,
    Problem,
    Window,
    build_landscape,
    landscape_frames,
    landscape_geometry,
    make_frame,
    mapped,
    readout,
    resolve_starts,
    scenario,
)
from explorer.jobs import Jobs
from explorer.overlays import needing
from explorer.results import (
    BASIN_LABELS,
    BASINS,
    CRITICAL,
    CRITICAL_KNOWN,
    CRITICAL_NOTE,
    FIELDS,
    FRAME,
    GRADIENT,
    HESSIAN_MAP,
    LANDSCAPE,
    MARKS,
    PLANE_INFO,
    READOUT,
    SELECTION_HINT,
)
from explorer.state import AppState, SessionChanged, ViewState

GEOMETRY_OVERLAYS = needing("geometry")


class LandscapeController(QObject):
    """Submits the "map" job on session changes and feeds its results into the state.

    The job builds what changed and nothing more: the problem (scenario, parameters, device:
    a network is rebuilt stage by stage with progress), the landscape (modes, plane), then the
    map frames (a slice coarse to fine) and, when an overlay needs them, the gradient field and
    the ‖∇F‖ / Hessian-eigenvalue rows. ``results.landscape`` is set as soon as it is known,
    so runs can (re)start while the map is still being computed.
    """

    def __init__(self, state: AppState, jobs: Jobs) -> None:
        super().__init__()
        self.state, self.jobs = state, jobs
        self._problem: Problem | None = None
        self._problem_key: tuple[Any, ...] | None = None
        for event in (state.events.landscape, state.events.plane, state.events.problem):
            event.connect(lambda _: self.refresh())
        state.events.view.connect(self._view_changed)
        state.events.view_state.connect(self._view_state)
        self._device = state.view.device
        self._dragging = False
        self.held = False  # the user stopped the map (Esc): only their next change restarts it
        self._overlays = frozenset(state.session.overlays)
        self.hover = qthrottled(self._hover, timeout=40, parent=self)

    def _key(self) -> tuple[Any, ...]:
        s = self.state.session
        return (s.scenario, tuple(sorted(s.params.items())), self.state.view.device)

    def adopt(self, problem: Problem) -> None:
        """A problem built elsewhere (a user's model, built before the window switches to it)
        is the one the next map of its scenario and parameters uses: built once, not twice."""
        self._problem_key = (
            problem.id,
            tuple(sorted(problem.params.items())),
            self.state.view.device,
        )
        self._problem = problem

    def _view_state(self, view: ViewState) -> None:
        """A new device rebuilds the network; the end of a slider drag computes what the drag
        left out (geometry, then critical points)."""
        if view.device != self._device:
            self._device = view.device
            if self.state.sliced:
                self.refresh()
        if self._dragging and not view.dragging:
            self._dragging = False
            self.refresh()
        self._dragging = view.dragging

    def _view_changed(self, change: SessionChanged) -> None:
        """Log scale: redraw the computed values; a geometry overlay turned on: compute it
        (after Esc, only when it is the overlay just ticked)."""
        now = frozenset(change.session.overlays)
        ticked, self._overlays = now - self._overlays, now
        if self.held and not GEOMETRY_OVERLAYS & ticked:
            return
        frame, s = self.state.results.frame, self.state.session
        wants = bool(GEOMETRY_OVERLAYS & set(s.overlays)) and not self.state.results.fields
        if frame is not None and frame.complete and frame.log_scale != s.log_scale:
            self.refresh(geometry=wants, reuse_frame=True)
        elif wants and not self.jobs.busy("map"):
            self.refresh(geometry=True)

    def stop(self) -> None:
        """Esc: stop the map (and the read-out), held until the user changes something."""
        self.held = self.held or self.jobs.busy("map")
        for slot in ("map", "hover"):
            self.jobs.cancel(slot)

    def analysis_stale(self) -> None:
        """The map changes: its critical points and basins are recomputed after it (a selected
        point is selected again among the new ones)."""
        for slot in ("critical", "basins", "hessian"):
            self.jobs.cancel(slot)
        r = self.state.results
        if 0 <= r.selected < len(r.critical):
            self.state.set_result(SELECTION_HINT, r.critical[r.selected].point)
        self.state.clear_results(
            CRITICAL, CRITICAL_KNOWN, CRITICAL_NOTE, BASINS, BASIN_LABELS, HESSIAN_MAP
        )

    def refresh(self, geometry: bool | None = None, reuse_frame: bool = False) -> None:
        """Recompute the map (and whatever it rests on that changed)."""
        self.held = False
        s, key = self.state.session, self._key()
        spec = scenario(s.scenario)
        problem = self._problem if key == self._problem_key else None
        modes, plane, window = s.modes(), s.plane if s.sliced else None, Window(s.window)
        old = self.state.results.landscape
        keep = (
            old is not None
            and problem is not None
            and (old.source or old.problem) is problem  # F_lin under a constraint: a variant
            and old.modes == modes
            and old.plane_spec == plane
        )
        landscape: Landscape | None = old if keep else None
        want = geometry if geometry is not None else bool(GEOMETRY_OVERLAYS & set(s.overlays))
        want = want and not self.state.view.dragging
        frame = self.state.results.frame if reuse_frame and keep else None
        if frame is not None and not _covers(frame, window, s.resolution):
            frame = None  # the window changed in the same step as the log scale (undo, open)
        self.state.clear_results(FIELDS, GRADIENT)
        if frame is None:
            self.analysis_stale()
        params, device, resolution, log = (
            dict(s.params),
            self.state.view.device,
            s.resolution,
            s.log_scale,
        )

        def job() -> Generator[tuple[str, Any], None, None]:
            built, shown = problem, landscape
            if built is None:
                built = yield from _staged(spec.problem_stream(params, device))
                yield ("problem", (key, built))
            if shown is None:
                shown = build_landscape(built, modes, plane)
                yield ("landscape", (shown, shown.marks()))
            items: Iterator[Any]
            if frame is not None:  # the values are known: only their display changes
                yield ("frame", make_frame(frame.axes, frame.loss, log, extra=frame.extra))
                items = landscape_geometry(shown, window, resolution) if want else iter(())
            else:
                items = landscape_frames(shown, window, resolution, log, want)
            for item in items:
                yield ("item", item)

        self.state.progress("landscape", 0.0)
        self.jobs.submit("map", job, self._items, self._done, self._failed)

    def _items(self, items: list[tuple[str, Any]]) -> None:
        frames = []
        for kind, payload in items:
            if kind == "stage":
                self.state.progress(payload, 0.05)
            elif kind == "problem":
                self._problem_key, self._problem = payload
            elif kind == "landscape":
                self._landscape_ready(*payload)
            elif kind == "frame" or isinstance(payload, MapFrame):
                frames.append(payload)
            elif isinstance(payload, GradientField):
                self.state.set_result(GRADIENT, payload)
            elif isinstance(payload, GridBlock):
                self._rows(payload)
        if frames:
            self.state.set_result(FRAME, frames[-1])
            if not frames[-1].complete:
                self.state.progress("landscape: slice", 0.5)

    def _landscape_ready(self, landscape: Landscape, marks: dict[str, Any]) -> None:
        s = self.state.session
        if s.sliced:
            runs = resolve_starts(landscape.problem, s.runs, s.plane)
            if runs != s.runs:
                self.state.amend(runs=runs)
        self.state.set_result(MARKS, marks)
        self.state.set_result(PLANE_INFO, _plane_info(landscape))
        self.state.set_result(LANDSCAPE, landscape)

    def _rows(self, block: GridBlock) -> None:
        fields = dict(self.state.results.fields)
        for name, rows in block.values.items():
            old = fields.get(name)
            full = (
                np.full((block.total, *rows.shape[1:]), np.nan)
                if old is None or len(old) != block.total
                else old.copy()  # what was handed out before is never changed
            )
            full[block.start : block.stop] = rows
            fields[name] = full
        self.state.set_result(FIELDS, fields)
        self.state.progress("‖∇F‖ and curvature", block.stop / block.total)

    def _done(self, _: Any) -> None:
        self.state.progress("landscape", 1.0)

    def _failed(self, exc: Exception) -> None:
        self.state.progress("landscape", -1.0)
        details = str(getattr(exc, "details", ""))  # a user's model: their traceback
        self.state.notify(f"The landscape could not be computed: {exc}", "error", details)

    # hover ----------------------------------------------------------------------------------
    def _hover(self, x: float, y: float) -> None:
        """Exact F, ∇F and ∇²F at the cursor (and ‖∇_θF‖ on a slice), in a worker."""
        landscape = self.state.results.landscape
        if landscape is None:
            return
        coords = (x, y)[: landscape.map_objective.dim]

        def job() -> Generator[Any, None, None]:
            yield readout(landscape, coords)

        self.jobs.submit("hover", job, lambda items: self.state.set_result(READOUT, items[-1]))


def _covers(frame: MapFrame, window: Window, resolution: int) -> bool:
    """Whether ``frame`` holds F on exactly this window's grid (its display may be redrawn)."""
    bounds = np.array([[a[0], a[-1]] for a in frame.axes]).ravel()
    sizes = {len(a) for a in frame.axes}
    return bounds.tolist() == list(window.bounds) and sizes == {resolution}


def _staged(stream: Generator[str, None, Problem]) -> Generator[tuple[str, Any], None, Problem]:
    """A problem builder's stages as ("stage", text) items."""
    return mapped(stream, lambda stage: ("stage", f"landscape: building {stage}"))


def _plane_info(landscape: Landscape) -> str:
    if landscape.plane is None or landscape.plane_spec is None:
        return ""
    text = f"Plane: {landscape.plane_spec.describe()}."
    if landscape.problem.notes:
        text += " Evaluation: " + "; ".join(landscape.problem.notes) + "."
    if not landscape.plane.orthonormal:
        text += " Directions not orthonormal: a, b are not Euclidean distances."
    note = landscape.constraint_note
    return text + (f" {note}" if note else "")
