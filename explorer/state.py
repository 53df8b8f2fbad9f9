"""The explorer's Qt-free state: the saved session, live run data, undo/redo, change events."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from compute import LandscapeError, OptimizerConfig, scenario
from compute.session import RunSettings, Session, default_session

# Okabe–Ito palette: distinguishable for colour-blind viewers, in the order runs receive them.
RUN_COLORS = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#000000",
)
LANDSCAPE_FIELDS = frozenset(
    {"scenario", "params", "l2", "constraint", "window", "resolution", "plane", "batch_size"}
)
UNDO_DEPTH = 200


@dataclass
class LiveRun:
    """A run's settings and the data streamed back so far (path (T, n), loss (T,), ...)."""

    id: int
    settings: RunSettings
    path: list[np.ndarray] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    status: str = "queued"
    paused: bool = False
    # network runs: θ snapshots (full space), their distance from the slice's plane, and the
    # extra curves (test loss, the scenario's metric)
    thetas: list[np.ndarray] = field(default_factory=list)
    distance: list[float] = field(default_factory=list)
    curves: dict[str, list[float]] = field(default_factory=dict)

    def reset(self) -> None:
        for store in (self.path, self.loss, self.grad_norm, self.thetas, self.distance):
            store.clear()
        self.curves.clear()
        self.status = "queued"

    @property
    def steps(self) -> int:
        """Steps taken: one record per step (toys: path points; networks: loss records)."""
        return max(0, len(self.path) - 1, len(self.loss) - 1)


Listener = Callable[..., None]


class AppState:
    """What the user has set up, as a ``Session`` plus the runs' live data.

    Events (``subscribe(name, callback)``):
    ``landscape`` (scenario, params, modes, window or resolution changed),
    ``scenario`` (another scenario: panels rebuild), ``view`` (log scale, overlays),
    ``optimizer``, ``runs(ids)`` (runs added, removed, moved, shown/hidden), ``run_data(id)``.
    Every user change goes through ``update`` or the run methods, is validated first (a
    LandscapeError leaves the state untouched), and can be undone.
    """

    def __init__(self, session: Session | None = None) -> None:
        self._listeners: dict[str, list[Listener]] = defaultdict(list)
        self._next_id = 1
        self._undo: list[tuple[Session, tuple[int, ...]]] = []
        self._redo: list[tuple[Session, tuple[int, ...]]] = []
        self._merge: str | None = None
        self.session = default_session()
        self.runs: dict[int, LiveRun] = {}
        self._install(session or self.session)

    # events -------------------------------------------------------------------------------
    def subscribe(self, event: str, callback: Listener) -> None:
        self._listeners[event].append(callback)

    def emit(self, event: str, *args: Any) -> None:
        for callback in list(self._listeners[event]):
            callback(*args)

    def axis_names(self) -> tuple[str, ...]:
        if self.session.is_network:
            return ("a", "b")
        return scenario(self.session.scenario).axis_names

    # session-level changes ----------------------------------------------------------------
    def update(self, merge: str | None = None, **changes: Any) -> None:
        """Change session fields (validated; undoable). Raises LandscapeError if invalid.

        Consecutive updates with the same ``merge`` key (the ticks of one slider drag) share
        one undo entry.
        """
        if "scenario" in changes and changes["scenario"] != self.session.scenario:
            changes = self._scenario_switch(changes)
        new = self.session.with_changes(**changes)
        if new == self.session:
            return
        if merge is None or merge != self._merge:
            self._push_undo()
        self._merge = merge
        self._set(new, tuple(self.runs) if new.runs == self.session.runs else ())

    def _scenario_switch(self, changes: dict[str, Any]) -> dict[str, Any]:
        fresh = default_session(changes["scenario"])
        base = {"params": fresh.params, "window": fresh.window, "runs": ()}
        if fresh.is_network != self.session.is_network:  # slices are coarser; other optimizers
            base |= {"resolution": fresh.resolution, "optimizer": fresh.optimizer}
        return base | changes

    def load(self, session: Session) -> None:
        """Replace everything with ``session`` (undoable)."""
        self._push_undo()
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
                live = LiveRun(rid, settings)
            self.runs[rid] = live
        if "scenario" in changed:
            self.emit("scenario")
        if changed & LANDSCAPE_FIELDS:
            self.emit("landscape")
        if changed & {"log_scale", "overlays"}:
            self.emit("view")
        if "optimizer" in changed:
            self.emit("optimizer")
        touched = set(before) ^ set(self.runs) | {
            rid for rid in self.runs if rid in before and before[rid] is not self.runs[rid]
        }
        touched |= {
            rid
            for rid in self.runs
            if rid in before and before[rid].settings.visible != self.runs[rid].settings.visible
        }
        if touched or "runs" in changed:
            self.emit("runs", sorted(touched))

    # runs ---------------------------------------------------------------------------------
    def add_run(
        self,
        start: tuple[float, ...],
        optimizer: OptimizerConfig | None = None,
        in_plane: bool = False,
    ) -> int:
        """Add a run from ``start`` with the current (or given) optimizer; returns its id.

        For network scenarios ``start`` is (a, b) on the slice and ``in_plane`` restricts the
        descent to the plane."""
        rid = self._next_id
        color = RUN_COLORS[(rid - 1) % len(RUN_COLORS)]
        settings = RunSettings(
            tuple(float(v) for v in start),
            optimizer or self.session.optimizer,
            color,
            in_plane=in_plane,
        )
        new = self.session.with_changes(runs=(*self.session.runs, settings))
        self._next_id += 1
        self._push_undo()
        self._set(new, (*self.runs, rid))
        return rid

    def _replace_run(self, rid: int, settings: RunSettings | None) -> None:
        if rid not in self.runs:
            raise LandscapeError(f"there is no run {rid}")
        pairs = [(i, settings if i == rid else live.settings) for i, live in self.runs.items()]
        pairs = [(i, s) for i, s in pairs if s is not None]
        new = self.session.with_changes(runs=tuple(s for _, s in pairs))
        self._push_undo()
        self._set(new, tuple(i for i, _ in pairs))

    def move_run(self, rid: int, start: tuple[float, ...]) -> None:
        self._replace_run(rid, replace(self.runs[rid].settings, start=tuple(map(float, start))))

    def set_run_visible(self, rid: int, visible: bool) -> None:
        self._replace_run(rid, replace(self.runs[rid].settings, visible=visible))

    def remove_run(self, rid: int) -> None:
        self._replace_run(rid, None)

    def clear_runs(self) -> None:
        if self.runs:
            self._push_undo()
            self._set(self.session.with_changes(runs=()), ())

    # undo / redo --------------------------------------------------------------------------
    def _push_undo(self) -> None:
        self._merge = None
        self._undo.append((self.session, tuple(self.runs)))
        del self._undo[:-UNDO_DEPTH]
        self._redo.clear()

    def can_undo(self) -> bool:
        return bool(self._undo)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> None:
        if self._undo:
            self._redo.append((self.session, tuple(self.runs)))
            self._set(*self._undo.pop())

    def redo(self) -> None:
        if self._redo:
            self._undo.append((self.session, tuple(self.runs)))
            self._set(*self._redo.pop())
