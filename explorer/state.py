"""The explorer's Qt-free state: the session (what is saved and undone), the runs' live data,
the computed results and a few view settings, with change events.

The state is the single source of truth: panels, views and controllers subscribe to its
events and change it only through its methods (which validate, record undo steps and emit).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from compute import (
    LandscapeError,
    PlaneSpec,
    RunSettings,
    Session,
    default_session,
    figure_style,
    scenario,
)
from explorer.events import Event, Message, Progress
from explorer.live import LiveRun, RunData
from explorer.results import ALL, Result, Results

RUN_COLORS = figure_style.RUN_COLORS  # Okabe–Ito, in the order runs receive them
LANDSCAPE_FIELDS = frozenset({"scenario", "params", "l2", "constraint", "window", "resolution"})
PROBLEM_FIELDS = frozenset({"scenario", "params"})
UNDO_DEPTH = 200
FIELD_LABELS = {
    "scenario": "scenario",
    "params": "parameter",
    "l2": "L2 setting",
    "constraint": "constraint",
    "window": "zoom",
    "resolution": "resolution",
    "log_scale": "colour scale",
    "overlays": "overlays",
    "equal_axes": "axis scales",
    "hessian_field": "curvature map",
    "optimizer": "optimizer settings",
    "runs": "runs",
    "plane": "plane",
    "in_plane": "in-plane setting",
}

T = TypeVar("T")
VIEW_FIELDS = frozenset({"log_scale", "overlays", "equal_axes", "hessian_field"})


@dataclass(frozen=True)
class ViewState:
    """Settings of this window that are not part of the session (not undone, not saved in it):
    where networks compute, how slowly runs are shown, whether a slider is being dragged (the
    map then redraws without its geometry)."""

    device: str = "cpu"
    delay_ms: int = 0
    dragging: bool = False


@dataclass(frozen=True)
class SessionChanged:
    """The session now, and the names of the fields that changed (empty: nothing changed, the
    widgets show the kept state again, e.g. after a refused change)."""

    session: Session
    changed: frozenset[str]


@dataclass(frozen=True)
class RunsChanged:
    """Runs added, removed, moved, shown or hidden (their ids)."""

    ids: tuple[int, ...]


@dataclass(frozen=True)
class UndoLabels:
    """What undo and redo would do ("" where there is nothing to undo or redo)."""

    undo: str
    redo: str


class StateEvents:
    """The state's events, each with its typed payload (see ``AppState``)."""

    def __init__(self) -> None:
        self.scenario = Event[SessionChanged]("scenario")
        self.problem = Event[SessionChanged]("problem")
        self.landscape = Event[SessionChanged]("landscape")
        self.plane = Event[SessionChanged]("plane")
        self.view = Event[SessionChanged]("view")
        self.optimizer = Event[SessionChanged]("optimizer")
        self.in_plane = Event[SessionChanged]("in_plane")
        self.session = Event[SessionChanged]("session")
        self.runs = Event[RunsChanged]("runs")
        self.run_data = Event[int]("run_data")
        self.run_status = Event[int]("run_status")
        self.message = Event[Message]("message")
        self.busy = Event[Progress]("busy")
        self.undo = Event[UndoLabels]("undo")
        self.view_state = Event[ViewState]("view_state")
        self.catalogue = Event[tuple[str, ...]]("catalogue")


@dataclass(frozen=True)
class _Entry:
    label: str
    session: Session
    ids: tuple[int, ...]


@dataclass
class _Gesture:
    label: str
    recorded: bool = False


class AppState:
    """What the user has set up (a ``Session``), the runs' live data, computed results.

    Events (``state.events.NAME.connect(callback)``, payload in brackets):

    - ``scenario`` (another scenario: panels rebuild), ``landscape`` (scenario, parameters,
      modes, window or resolution changed), ``problem`` (scenario or parameters: a network is
      rebuilt), ``plane``, ``view`` (log scale, overlays, axis scales), ``optimizer``,
      ``in_plane``, ``session`` (any of these) [``SessionChanged``]
    - ``runs`` [``RunsChanged``] (runs added, removed, moved, shown or hidden), ``run_data``
      [run id] (streamed data arrived), ``run_status`` [run id]
    - one event per computed result: ``on_result(FRAME, callback)`` [the new value]
    - ``message`` [``Message``], ``busy`` [``Progress``: fraction ≥ 1 finished, < 0 failed]
    - ``undo`` [``UndoLabels``], ``view_state`` [``ViewState``], ``catalogue`` [the scenario
      ids, when a scenario is registered or removed]

    Only the state emits. Results are replaced, never changed in place.

    Every user change goes through ``apply``/``update`` or the run methods, is validated first
    (a LandscapeError leaves the state untouched), and is one undo step (a ``gesture`` groups
    several changes into one).
    """

    def __init__(self, session: Session | None = None) -> None:
        self.events = StateEvents()
        self._result_events: dict[str, Event[Any]] = {k.name: Event(k.name) for k in ALL}
        self._next_id = 1
        self._undo: list[_Entry] = []
        self._redo: list[_Entry] = []
        self._merge: str | None = None
        self._gesture: _Gesture | None = None
        self.session = default_session()
        self.runs: dict[int, LiveRun] = {}
        self.results = Results()
        self.view = ViewState()
        self._install(session or self.session)

    # events -------------------------------------------------------------------------------
    def on_result(self, key: Result[T], callback: Callable[[T], None]) -> None:
        """``callback(value)`` whenever result ``key`` is replaced."""
        self._result_events[key.name].connect(callback)

    def notify(self, text: str, kind: str = "info", details: str = "") -> None:
        self.events.message.emit(Message(text, kind, details))

    def progress(self, task: str, fraction: float) -> None:
        self.events.busy.emit(Progress(task, fraction))

    def restate(self) -> None:
        """Widgets show the state again (a change was refused, or a job kept the old one)."""
        self.events.session.emit(SessionChanged(self.session, frozenset()))

    def announce(self) -> None:
        """Every widget (re)builds from the whole state (a new window)."""
        changed = SessionChanged(self.session, frozenset(self.session.__dataclass_fields__))
        self.events.scenario.emit(changed)
        self.events.session.emit(changed)

    def catalogue_changed(self, ids: tuple[str, ...]) -> None:
        """Scenarios were registered or removed (the scenario pickers list them again)."""
        self.events.catalogue.emit(ids)

    # questions ------------------------------------------------------------------------------
    @property
    def sliced(self) -> bool:
        return self.session.sliced

    def axis_names(self) -> tuple[str, ...]:
        return scenario(self.session.scenario).axis_names

    def undo_label(self) -> str:
        return self._undo[-1].label if self._undo else ""

    def redo_label(self) -> str:
        return self._redo[-1].label if self._redo else ""

    def can_undo(self) -> bool:
        return bool(self._undo)

    # session-level changes ----------------------------------------------------------------
    def apply(self, label: str | None = None, merge: str | None = None, **changes: Any) -> bool:
        """``update`` for user gestures: a refused change is reported (``message``) and the
        state kept; returns whether it was applied."""
        try:
            self.update(label, merge, **changes)
        except LandscapeError as exc:
            self.notify(f"Refused: {exc}. The previous setting is kept.", "error")
            self.restate()  # widgets mirror the kept state again
            return False
        return True

    def update(self, label: str | None = None, merge: str | None = None, **changes: Any) -> None:
        """Change session fields (validated; undoable). Raises LandscapeError if invalid.

        Consecutive updates with the same ``merge`` key (the ticks of one slider drag) share
        one undo entry. A parameter change of a network drops a plane made from a run of the
        old network (PCA, three points) for the random plane of the same seed.
        """
        if "scenario" in changes and changes["scenario"] != self.session.scenario:
            changes = self._scenario_switch(changes)
        new = self.session.with_changes(**changes)
        if new == self.session:
            return
        old_plane = self.session.plane
        if new.params != self.session.params and old_plane.derived and new.plane == old_plane:
            new = new.with_changes(plane=PlaneSpec("random", 0))
            self.notify(
                "The slice's plane came from a run of the previous parameters: showing a "
                "random plane (Ctrl+Z brings the old state back)."
            )
        self._record(label or _label_of(changes), merge)
        self._set(new, tuple(self.runs) if new.runs == self.session.runs else ())

    def amend(self, **changes: Any) -> None:
        """Complete the current state without an undo step (e.g. run starts resolved in θ once
        a rebuilt network is known)."""
        new = self.session.with_changes(**changes)
        if new != self.session:
            self._set(new, tuple(self.runs))

    def _scenario_switch(self, changes: dict[str, Any]) -> dict[str, Any]:
        fresh = default_session(changes["scenario"])
        base = {"params": fresh.params, "window": fresh.window, "runs": (), "plane": fresh.plane}
        if fresh.sliced != self.session.sliced:  # slices are coarser; other optimizers
            base |= {
                "resolution": fresh.resolution,
                "optimizer": fresh.optimizer,
                "overlays": fresh.overlays,
            }
        return base | changes

    def load(self, session: Session, label: str = "open session") -> None:
        """Replace everything with ``session`` (undoable)."""
        self._record(label, None)
        self._install(session)

    def _install(self, session: Session) -> None:
        ids = tuple(range(self._next_id, self._next_id + len(session.runs)))
        self._next_id += len(session.runs)
        self._set(session, ids)

    def _set(self, new: Session, ids: tuple[int, ...]) -> None:
        old = self.session
        self.session = new
        changed = {
            name for name in new.__dataclass_fields__ if getattr(old, name) != getattr(new, name)
        }
        before = dict(self.runs)
        self.runs = {}
        for rid, settings in zip(ids, new.runs, strict=True):
            live = before.get(rid)
            if live is None or live.settings != settings:
                prev = live
                live = LiveRun(rid, settings)
                if prev is not None and _same_start(prev.settings, settings):
                    # only shown/hidden or annotated: the run and its data go on
                    live.data, live.status, live.paused = prev.data, prev.status, prev.paused
            self.runs[rid] = live
        ev, payload = self.events, SessionChanged(new, frozenset(changed))
        if "scenario" in changed:  # nothing computed for the old scenario applies to this one
            self.results = Results()
            for key in ALL:
                self._result_events[key.name].emit(key.of(self.results))
        for event, fields in (
            (ev.scenario, {"scenario"}),
            (ev.problem, PROBLEM_FIELDS),
            (ev.landscape, LANDSCAPE_FIELDS),
            (ev.plane, {"plane"}),
            (ev.view, VIEW_FIELDS),
            (ev.optimizer, {"optimizer"}),
            (ev.in_plane, {"in_plane"}),
        ):
            if changed & fields:
                event.emit(payload)
        touched = set(before) ^ set(self.runs)
        touched |= {rid for rid in self.runs if rid in before and before[rid] is not self.runs[rid]}
        if touched or "runs" in changed:
            ev.runs.emit(RunsChanged(tuple(sorted(touched))))
        ev.session.emit(payload)
        ev.undo.emit(UndoLabels(self.undo_label(), self.redo_label()))

    # runs ---------------------------------------------------------------------------------
    def next_color(self, offset: int = 0) -> str:
        return RUN_COLORS[(self._next_id - 1 + offset) % len(RUN_COLORS)]

    def add_runs(self, settings: list[RunSettings], label: str | None = None) -> list[int]:
        """Add runs (one undo step for all of them: one click, one gesture); returns their ids."""
        if not settings:
            return []
        new = self.session.with_changes(runs=(*self.session.runs, *settings))
        ids = list(range(self._next_id, self._next_id + len(settings)))
        what = "click" if len(settings) == 1 else f"click ({len(settings)} runs)"
        self._record(label or what, None)
        self._next_id += len(settings)
        self._set(new, (*self.runs, *ids))
        return ids

    def _replace_runs(self, label: str, changed: dict[int, RunSettings | None]) -> None:
        missing = set(changed) - set(self.runs)
        if missing:
            raise LandscapeError(f"there is no run {min(missing)}")
        pairs = [(i, changed.get(i, live.settings)) for i, live in self.runs.items()]
        kept = [(i, s) for i, s in pairs if s is not None]
        new = self.session.with_changes(runs=tuple(s for _, s in kept))
        self._record(label, None)
        self._set(new, tuple(i for i, _ in kept))

    def move_run(self, rid: int, settings: RunSettings) -> None:
        self._replace_runs(f"move of run {rid}", {rid: settings})

    def set_runs_visible(self, ids: list[int], visible: dict[int, bool]) -> None:
        changes = {i: replace(self.runs[i].settings, visible=visible[i]) for i in ids}
        self._replace_runs("show/hide runs", changes)  # type: ignore[arg-type]

    def remove_runs(self, ids: list[int]) -> None:
        if ids:
            self._replace_runs("remove runs", dict.fromkeys(ids))

    def clear_runs(self) -> None:
        if self.runs:
            self._record("clear runs", None)
            self._set(self.session.with_changes(runs=()), ())

    # streamed data and computed results (not undoable) ------------------------------------
    def set_run_status(self, rid: int, status: str, error: str = "") -> None:
        run = self.runs.get(rid)
        if run is not None:
            run.status, run.error = status, error
            self.events.run_status.emit(rid)

    def set_run_paused(self, rid: int, paused: bool) -> None:
        run = self.runs.get(rid)
        if run is not None:
            run.paused = paused
            self.events.run_status.emit(rid)

    def append_run_data(self, rid: int, updates: list[Any]) -> None:
        """Chunks of a running run (compute.RunUpdate) enter the state (one event for all)."""
        run = self.runs.get(rid)
        if run is not None and updates:
            for update in updates:
                run.data.append(update)
            self.events.run_data.emit(rid)

    def reset_run_data(self, rid: int) -> None:
        run = self.runs.get(rid)
        if run is not None:
            run.data = RunData()
            run.status = "queued"
            self.events.run_data.emit(rid)

    def set_run_projection(self, rid: int, coords: Any, distance: Any) -> None:
        """The run's snapshots projected onto a new chart (the plane changed)."""
        run = self.runs.get(rid)
        if run is not None:
            run.data = run.data.reprojected(coords, distance)
            self.events.run_data.emit(rid)

    def set_result(self, key: Result[T], value: T) -> None:
        """Replace result ``key`` (``Results`` is replaced, not changed) and tell its
        subscribers."""
        change: dict[str, Any] = {key.name: value}
        self.results = replace(self.results, **change)
        self._result_events[key.name].emit(value)

    def clear_results(self, *keys: Result[Any]) -> None:
        """Results ``keys`` (all without any) back to empty."""
        for key in keys or ALL:
            self.set_result(key, key.empty())

    def set_view(self, **changes: Any) -> None:
        view = replace(self.view, **changes)
        if view != self.view:
            self.view = view
            self.events.view_state.emit(view)

    # undo / redo --------------------------------------------------------------------------
    @contextmanager
    def gesture(self, label: str) -> Iterator[None]:
        """Every change inside is one undo step named ``label`` (e.g. a Ctrl+click)."""
        outer = self._gesture
        if outer is None:
            self._gesture = _Gesture(label)
        try:
            yield
        finally:
            if outer is None:
                self._gesture = None

    def _record(self, label: str, merge: str | None) -> None:
        if self._gesture is not None:
            if self._gesture.recorded:
                return
            self._gesture.recorded = True
            label = self._gesture.label
        elif merge is not None and merge == self._merge:
            return
        self._merge = merge
        self._undo.append(_Entry(label, self.session, tuple(self.runs)))
        del self._undo[:-UNDO_DEPTH]
        self._redo.clear()

    def end_merge(self) -> None:
        """A drag ended: the next change is a new undo step, even from the same slider."""
        self._merge = None

    def undo(self) -> None:
        if self._undo:
            entry = self._undo.pop()
            self._redo.append(_Entry(entry.label, self.session, tuple(self.runs)))
            self._merge = None
            self._set(entry.session, entry.ids)

    def redo(self) -> None:
        if self._redo:
            entry = self._redo.pop()
            self._undo.append(_Entry(entry.label, self.session, tuple(self.runs)))
            self._merge = None
            self._set(entry.session, entry.ids)


def _label_of(changes: dict[str, Any]) -> str:
    names = [FIELD_LABELS.get(k, k) for k in changes if k in FIELD_LABELS]
    return names[0] if len(names) == 1 else "change of " + ", ".join(names[:2]) if names else ""


def _same_start(a: RunSettings, b: RunSettings) -> bool:
    """Whether two settings describe the same run up to how it is drawn (colour, visibility)
    or annotated (a note): then its streamed data stays valid."""
    return replace(a, visible=True, color="#000000", note="") == replace(
        b, visible=True, color="#000000", note=""
    )


__all__ = [
    "RUN_COLORS",
    "AppState",
    "LiveRun",
    "RunsChanged",
    "SessionChanged",
    "StateEvents",
    "UndoLabels",
    "ViewState",
]
