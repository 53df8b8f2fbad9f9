"""Paths between two points (minima of the critical-point list, run ends, the teacher),
computed in the "path" job slot; a finished path is kept in the session (undoable). On a
network slice the latest path can be shown in its own plane (through its ends and its bend),
built in the "path-plane" slot."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from compute import (
    Landscape,
    LandscapeError,
    PathPlane,
    PathRecord,
    PathRequest,
    PathResult,
    PathStep,
    connect_points,
    path_plane,
    path_plane_reason,
    path_record,
)
from explorer.jobs import Jobs
from explorer.state import AppState

SLOT = "path"
PLANE_SLOT = "path-plane"
PATH_COLORS = ("#CC79A7", "#009E73", "#D55E00", "#0072B2", "#F0E442", "#56B4E9")


@dataclass(frozen=True)
class Candidate:
    """A point that can be an end: ``key`` (stable), ``label`` (shown), ``theta`` (n,) in the
    full space and ``coords`` on the map (None where it is not on the current map)."""

    key: str
    label: str
    theta: np.ndarray
    coords: np.ndarray | None


@dataclass(frozen=True)
class _Failure:
    message: str


class PathController(QObject):
    """Turns "connect these two points" into a job and keeps the result.

    ``candidates()`` lists the possible ends; ``connect_ends(a_key, b_key)`` starts the method of
    ``request`` (``choose`` changes it). Signals: ``sigProgress(PathStep)`` while it runs,
    ``sigResult(PathResult)`` when it is done (the path is then added to the session),
    ``sigRequested(text)`` when a computation starts. ``latest`` is the last result.
    ``show_in_plane()`` switches a network slice to the plane through the latest path's ends and
    its bend (``plane_reason()`` says why it cannot, "" where it can).
    """

    sigProgress = Signal(object)
    sigResult = Signal(object)
    sigRequested = Signal(str)

    def __init__(self, state: AppState, jobs: Jobs) -> None:
        super().__init__()
        self.state, self.jobs = state, jobs
        self.request = PathRequest("neb")
        self.latest: PathResult | None = None
        self._landscape: Landscape | None = None
        self._records: list[PathRecord] = []  # the latest path's records (each plane it was in)

    def choose(self, **changes: Any) -> bool:
        try:
            request = replace(self.request, **changes)
            request.check()
        except (LandscapeError, TypeError) as exc:
            self.state.notify(f"Paths: {exc}. The previous choice is kept.", "error")
            return False
        self.request = request
        return True

    # ends -----------------------------------------------------------------------------------
    def candidates(self) -> list[Candidate]:
        """Minima of the critical-point list, run ends, and the problem's reference points."""
        landscape: Landscape | None = self.state.results.landscape
        if landscape is None:
            return []
        out: list[Candidate] = []
        minima = [p for p in self.state.results.critical if p.kind == "minimum"]
        for i, p in enumerate(minima):
            coords = np.asarray(p.point, dtype=float)
            where = ", ".join(f"{v:.3g}" for v in coords)
            theta = np.asarray(landscape.point(coords)[0], dtype=float)
            out.append(Candidate(f"min{i}", f"minimum {i + 1} ({where})", theta, coords))
        for rid, run in sorted(self.state.runs.items()):
            if len(run.data.thetas):
                theta = np.asarray(run.data.thetas[-1], dtype=float)
                out.append(Candidate(f"run{rid}", f"run {rid} end", theta, self._map(theta)))
        for name, ref in landscape.problem.references.items():
            theta = ref.detach().to("cpu").double().numpy()
            out.append(Candidate(f"ref:{name}", name, theta, self._map(theta)))
        return out

    def _map(self, theta: np.ndarray) -> np.ndarray | None:
        landscape: Landscape | None = self.state.results.landscape
        if landscape is None:
            return None
        if not landscape.is_slice:
            return theta
        return np.asarray(landscape.project(theta[None, :]).coords[0], dtype=float)

    def nearest(self, coords: tuple[float, float]) -> Candidate | None:
        """The candidate drawn nearest to map coordinates ``coords`` (None without any)."""
        shown = [c for c in self.candidates() if c.coords is not None and len(c.coords) == 2]
        if not shown:
            return None
        d = [float(np.hypot(*(np.asarray(c.coords) - coords))) for c in shown]
        return shown[int(np.argmin(d))]

    # requests -------------------------------------------------------------------------------
    def connect_ends(self, a_key: str, b_key: str) -> bool:
        """Start the path between the candidates ``a_key`` and ``b_key``."""
        found = {c.key: c for c in self.candidates()}
        if a_key not in found or b_key not in found:
            self.state.notify("Pick two points from the list: minima, run ends or the teacher.")
            return False
        if a_key == b_key:
            self.state.notify("Pick two different points to connect.", "error")
            return False
        landscape = self.state.results.landscape
        if landscape is None:
            self.state.notify("The map is still being computed: connect when it is shown.")
            return False
        a, b = found[a_key], found[b_key]
        request = self.request
        problem, modes = landscape.problem, landscape.modes

        def job() -> Generator[PathStep, None, PathResult | _Failure]:
            try:
                return (
                    yield from connect_points(
                        problem, modes, a.theta, b.theta, request, (a.label, b.label)
                    )
                )
            except Exception as exc:  # reported in the window (see spectrum's _Failure)
                return _Failure(f"{exc}" if isinstance(exc, LandscapeError) else repr(exc))

        self._landscape = landscape
        self.state.progress(SLOT, 0.0)
        self.sigRequested.emit(f"{request.method}: {a.label} → {b.label}")
        self.jobs.submit(SLOT, job, self._items, self._done, self._failed)
        return True

    def connect_runs(self, ids: list[int]) -> bool:
        """The run table's action: two runs' ends, or one run's end and the teacher (or the
        other run, where there are two)."""
        keys = [f"run{i}" for i in ids]
        if len(keys) == 1:
            others = [c.key for c in self.candidates() if c.key == "ref:teacher"]
            others += [f"run{i}" for i in self.state.runs if f"run{i}" not in keys]
            if not others:
                self.state.notify("Select two runs (or one, in a scenario with a teacher).")
                return False
            keys.append(others[0])
        return self.connect_ends(keys[0], keys[1])

    def cancel(self) -> None:
        if self.jobs.busy(SLOT):
            self.jobs.cancel(SLOT)
            self.state.progress(SLOT, 1.0)
            self.state.notify("Path cancelled.")

    def busy(self) -> bool:
        return self.jobs.busy(SLOT)

    # results --------------------------------------------------------------------------------
    def _items(self, items: list[Any]) -> None:
        steps = [s for s in items if isinstance(s, PathStep)]
        if steps:
            self.sigProgress.emit(steps[-1])
            self.state.progress(SLOT, steps[-1].fraction)

    def _done(self, result: PathResult | _Failure) -> None:
        if isinstance(result, _Failure):
            self._failed(result.message)
            return
        self.latest = result
        self.state.progress(SLOT, 1.0)
        landscape = self._landscape
        nodes = np.asarray(result.nodes, dtype=float)
        coords = nodes
        if landscape is not None and landscape.is_slice:
            coords = landscape.project(nodes).coords
        kept = self.state.session.paths
        color = PATH_COLORS[len(kept) % len(PATH_COLORS)]
        try:
            record = path_record(result, coords, color)
            self._records = [record]
            self.state.apply(f"connect ({result.method})", paths=(*kept, record)[-16:])
        except LandscapeError as exc:
            self.state.notify(f"The path could not be kept: {exc}", "error")
        self.sigResult.emit(result)

    # the path's own plane --------------------------------------------------------------------
    def plane_reason(self) -> str:
        """Why the latest path cannot be shown in its own plane ("" where it can)."""
        return path_plane_reason(self.latest, self.state.sliced)

    def _kept_index(self) -> int | None:
        """Where the latest path is in the session's paths (None: undone, or another session)."""
        for i, p in enumerate(self.state.session.paths):
            if any(p is r for r in self._records):
                return i
        return None

    def show_in_plane(self) -> bool:
        """Switch the slice to the plane through the latest path's ends and its bend (in a
        worker), then draw the path there: one undo step brings the previous plane back."""
        reason, result = self.plane_reason(), self.latest
        landscape = self.state.results.landscape
        if reason or result is None:
            self.state.notify(f"Show in its plane: {reason}", "error")
            return False
        if landscape is None or landscape.problem.id != result.scenario:
            self.state.notify("The map is still being computed: try again when it is shown.")
            return False
        if self._kept_index() is None:
            self.state.notify(
                "The path is no longer kept in this session (undone?): connect its ends again "
                "to show it in its plane.",
                "error",
            )
            return False
        problem = landscape.problem

        def job() -> Generator[None, None, PathPlane]:
            yield None
            return path_plane(problem, result)

        self.state.progress(PLANE_SLOT, 0.0)
        self.jobs.submit(PLANE_SLOT, job, lambda _: None, self._in_plane, self._plane_failed)
        return True

    def _in_plane(self, found: PathPlane) -> None:
        self.state.progress(PLANE_SLOT, 1.0)
        i = self._kept_index()
        if i is None:
            self.state.notify("The path was removed meanwhile: its plane is not shown.", "error")
            return
        kept = self.state.session.paths
        coords = tuple(tuple(float(x) for x in row) for row in found.coords)
        mine = replace(kept[i], coords=coords, visible=True)
        hidden = [j for j, p in enumerate(kept) if j != i and p.visible]
        paths = tuple(
            mine if j == i else replace(p, visible=False) if j in hidden else p
            for j, p in enumerate(kept)
        )
        window = tuple(float(f"{b:.6g}") for b in found.window)
        if not self.state.apply(
            "show the path in its plane", plane=found.spec, window=window, paths=paths
        ):
            return
        self._records.append(mine)
        names = list(found.points)
        text = f"Showing the path in the plane through {names[0]}, {names[1]} and its {names[2]}"
        off = float(found.distance.max())
        if off > 1e-6 * (1 + float(np.abs(found.coords).max())):
            text += f" (the other points are up to {off:.3g} from it, drawn projected)"
        if hidden:
            text += f"; {len(hidden)} other path(s), drawn in the previous plane, are hidden here"
        self.state.notify(text + ". Ctrl+Z brings the previous plane back.")

    def _plane_failed(self, exc: Exception) -> None:
        self.state.progress(PLANE_SLOT, -1.0)
        self.state.notify(f"The path's plane could not be built: {exc}", "error")

    def _failed(self, exc: Exception | str) -> None:
        self.state.progress(SLOT, -1.0)
        self.state.notify(f"The path could not be computed: {exc}", "error")
