"""Network scenarios in the window: build the problem, choose the plane, stream the slice,
train runs (in full space or within the plane) and draw their projections on the slice."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
import torch
from PySide6.QtCore import QObject, Signal

from compute import (
    NETWORKS,
    Interpolation,
    LandscapeError,
    LandscapeSlice,
    NetworkProblem,
    Plane,
    evaluate_slice,
    interpolate,
    pca_plane,
    random_plane,
    three_point_plane,
)
from compute.frames import MapFrame
from compute.isolines import display_values, isolines, levels_for
from compute.planes import directions_plane
from compute.session import NETWORK_OPTIMIZERS
from compute.training import TrainConfig, TrainProgress, TrainResult, train
from explorer.jobs import Jobs
from explorer.run_controller import RunController
from explorer.state import AppState, LiveRun
from explorer.views.landscape import LandscapeView


def slice_frame(a: np.ndarray, b: np.ndarray, loss: np.ndarray, log_scale: bool) -> MapFrame:
    """A slice image as the landscape view draws it (log display, isolines)."""
    display = display_values(loss, log_scale)
    lv = levels_for(display, 12)
    return MapFrame((a, b), loss, display, lv, tuple(isolines(a, b, display, lv)), log_scale)


def build_plane(problem: NetworkProblem, spec: str, trajectory: np.ndarray | None) -> Plane:
    """The plane that ``spec`` (compute.session.PLANE_KINDS) names, around θ₀ = the init.

    ``pca`` and ``points`` need a finished run's trajectory (T, n); without one they fall back
    to a random plane (and say so through the plane's kind).
    """
    kind, _, seed_text = spec.partition(":")
    seed = int(seed_text or 0)
    init = problem.init.to("cpu", torch.float32)
    if kind == "pca" and trajectory is not None and len(trajectory) >= 3:
        return pca_plane(trajectory)
    if kind == "points" and trajectory is not None and len(trajectory) >= 2:
        others = {k: v for k, v in problem.references.items() if k != "init"}
        third = next(iter(others.items()), None)
        points = {"init": init, "end of run": torch.as_tensor(trajectory[-1])}
        if third is None:  # no teacher: the run's midpoint
            third = ("mid-run", torch.as_tensor(trajectory[len(trajectory) // 2]))
        points[third[0]] = third[1].to("cpu", torch.float32)
        return three_point_plane(points)
    if kind == "teacher" and "teacher" in problem.references:
        towards = problem.references["teacher"].to("cpu", torch.float32) - init
        other = random_plane(problem.model.layout, init, seed).d2
        other = other * (towards.norm() / other.norm().clamp_min(1e-12))
        return directions_plane(init, towards, other, window=(-0.25, 1.25, -0.75, 0.75))
    if float(init.norm()) == 0 and "teacher" in problem.references:
        init = problem.references["teacher"].to("cpu", torch.float32)
    return random_plane(problem.model.layout, init, seed)


class NetworkController(QObject):
    """The network half of the window. Signals: ``sigProgress(task, fraction)``,
    ``sigError(text)``, ``sigInfo(text)`` (plane description), ``sigReady()`` (plane known)."""

    sigProgress = Signal(str, float)
    sigError = Signal(str)
    sigInfo = Signal(str)
    sigReadout = Signal(str)
    sigInterpolation = Signal(object, str, str)

    def __init__(
        self, state: AppState, view: LandscapeView, jobs: Jobs, runs: RunController
    ) -> None:
        super().__init__(view)
        self.state, self.view, self.jobs, self.runs = state, view, jobs, runs
        self.problem: NetworkProblem | None = None
        self.plane: Plane | None = None
        self.slice: LandscapeSlice | None = None
        self._problem_key: tuple[Any, ...] | None = None
        self._plane_spec = ""
        self._modes_key: tuple[Any, ...] = ()
        self.device = "cpu"
        runs.network = self

    # problem, plane, slice ------------------------------------------------------------------
    def refresh(self) -> None:
        """Recompute what changed: the problem (parameters), the plane (its spec), the runs
        (problem or modes changed) and always the slice (window, resolution, log scale)."""
        s = self.state.session
        key = (s.scenario, tuple(sorted(s.params.items())), self.device)
        device = self.device
        problem = self.problem if key == self._problem_key else None
        trajectory = self._latest_trajectory()
        plane = self.plane if problem is not None and s.plane == self._plane_spec else None
        self._plane_spec = s.plane
        modes = (s.l2, s.constraint, s.batch_size)
        if problem is None or modes != self._modes_key:
            self.problem = problem
            self.plane = None
            for run in self.state.runs.values():
                self.runs.pool.cancel(run.id)
                run.reset()
        self._modes_key = modes
        self.slice = None
        self.sigProgress.emit("slice", 0.0)

        def job() -> Generator[tuple[str, Any], None, LandscapeSlice]:
            p = problem or NETWORKS[s.scenario].problem(s.params).to(device)
            yield ("problem", (key, p))
            pl = plane or build_plane(p, s.plane, trajectory)
            yield ("plane", pl)
            if len(s.window) != 4:
                raise LandscapeError("a slice window is AMIN,AMAX,BMIN,BMAX")
            gen = evaluate_slice(p, pl, s.window, s.resolution)
            while True:
                try:
                    block = next(gen)
                except StopIteration as stop:
                    return stop.value  # type: ignore[no-any-return]
                a, b = (
                    np.linspace(*s.window[:2], s.resolution),
                    np.linspace(*s.window[2:], s.resolution),
                )
                yield ("frame", (block, slice_frame(a, b, block.values["loss"], s.log_scale)))

        self.jobs.submit("map", job, self._items, self._slice_done, self._failed)

    def _items(self, items: list[tuple[str, Any]]) -> None:
        frames = [payload for kind, payload in items if kind == "frame"]
        for kind, payload in items:
            if kind == "problem":
                self._problem_key, self.problem = payload
                self.runs.curves.set_baselines(dict(self.problem.baselines))
            elif kind == "plane":
                self.plane = payload
                self._describe_plane()
                self._plane_ready()
        if frames:
            block, frame = frames[-1]
            self.view.show_frame(frame)
            self.sigProgress.emit("slice", block.done / block.total)

    def _slice_done(self, result: LandscapeSlice) -> None:
        self.slice = result
        marks = {k: v for k, v in result.references.items()}
        marks |= {k: (a, b, 0.0) for k, (a, b) in result.plane.marks.items() if k not in marks}
        self.view.show_marks(marks)
        self.sigProgress.emit("slice", 1.0)

    def redraw_scale(self) -> None:
        """The colour scale changed: redraw the finished slice (no re-evaluation)."""
        if self.slice is None:
            self.refresh()  # still computing: start over with the new scale
            return
        (a, b), loss = self.slice.axes, self.slice.values["loss"]
        self.view.show_frame(slice_frame(a, b, loss, self.state.session.log_scale))

    def _describe_plane(self) -> None:
        pl = self.plane
        if pl is None:
            return
        text = f"plane: {pl.kind}" + ("" if pl.orthonormal else " (directions not orthonormal)")
        if pl.explained_variance is not None:
            e1, e2 = pl.explained_variance
            text += f", explained variance {100 * e1:.1f}% + {100 * e2:.1f}%"
        wanted = self.state.session.plane.partition(":")[0]
        if wanted in ("pca", "points") and pl.kind != wanted:
            text += " — no finished run yet to build the chosen plane from"
        self.sigInfo.emit(text)

    def _latest_trajectory(self) -> np.ndarray | None:
        done = [r for r in self.state.runs.values() if r.thetas and r.status != "running"]
        return np.stack(done[-1].thetas) if done else None

    def _plane_ready(self) -> None:
        """Start queued runs; re-project the others onto the new plane."""
        for run in self.state.runs.values():
            if run.status == "queued":
                self.start(run)
            else:
                self._reproject(run)
                self.runs.draw(run)

    def _failed(self, exc: Exception) -> None:
        self.sigProgress.emit("slice", 1.0)
        self.sigError.emit(f"{exc}")

    def interpolate_latest(self) -> None:
        """F on the segment from θ₀ to the latest finished run's end, in a worker."""
        trajectory, problem = self._latest_trajectory(), self.problem
        if trajectory is None or problem is None:
            self.sigError.emit("1-D interpolation needs a finished run: train one first")
            return
        end = torch.as_tensor(trajectory[-1])

        def job() -> Generator[None, None, Interpolation]:
            yield None
            return interpolate(problem, problem.init, end.to(problem.init))

        self.jobs.submit(
            "interpolate",
            job,
            lambda _: None,
            lambda result: self.sigInterpolation.emit(result, "θ₀", "run end"),
            self._failed,
        )

    def hover(self, a: float, b: float) -> None:
        """F at the slice's grid point nearest the cursor (the slice is the evaluation)."""
        frame = self.view.frame
        if frame is None or len(frame.axes) != 2:
            return
        i = int(np.abs(frame.axes[1] - b).argmin())
        j = int(np.abs(frame.axes[0] - a).argmin())
        ga, gb = frame.axes[0][j], frame.axes[1][i]
        self.sigReadout.emit(
            f"a={a:.4g}, b={b:.4g}   F(θ₀ + a·d₁ + b·d₂) ≈ {frame.loss[i, j]:.6g}"
            f"   (grid point a={ga:.3g}, b={gb:.3g}; click to train from here)"
        )

    # runs -----------------------------------------------------------------------------------
    def start(self, run: LiveRun) -> None:
        """Train ``run`` from its (a, b) on the plane: in full space, or within the plane."""
        if self.problem is None or self.plane is None:
            run.status = "queued"  # started when the plane arrives
            return
        s = self.state.session
        opt = run.settings.optimizer
        try:
            config = TrainConfig.for_optimizer(
                NETWORK_OPTIMIZERS.get(opt.name, opt.name),
                lr=opt.lr,
                momentum=opt.momentum,
                steps=opt.steps,
                batch_size=s.batch_size,
            )
        except LandscapeError as exc:
            run.status = "error"
            self.sigError.emit(str(exc))
            return
        problem, plane, modes = self.problem, self.plane, s.modes()
        ab = torch.tensor(run.settings.start, dtype=torch.float32)
        in_plane = run.settings.in_plane
        run.reset()
        run.status = "running"

        def make() -> Generator[TrainProgress, None, TrainResult]:
            if in_plane:
                return train(problem, config, modes, start=ab, plane=plane)
            return train(problem, config, modes, start=plane.point(ab).to(problem.init))

        self.runs.pool.add(
            run.id,
            make,
            lambda items, rid=run.id: self._progress(rid, items),
            lambda result, rid=run.id: self._finished(rid, result),
            lambda exc, rid=run.id: self.runs.failed(rid, exc),
            paused=run.paused,
            delay=self.runs.delay_ms / 1000,
        )
        self.runs.mark(run.id)

    def _progress(self, rid: int, items: list[TrainProgress]) -> None:
        run = self.state.runs.get(rid)
        if run is None:
            return
        for p in items:
            for rec in p.records:
                run.loss.append(rec.loss)
                run.grad_norm.append(rec.grad_norm)
                for name in ("test_loss", "metric", "accuracy", "test_accuracy"):
                    value = getattr(rec, name)
                    if value is not None:
                        run.curves.setdefault(name, []).append(value)
            run.thetas.extend(p.thetas)
        self._reproject(run)
        self.runs.mark(rid)

    def _finished(self, rid: int, result: TrainResult) -> None:
        run = self.state.runs.get(rid)
        if run is None:
            return
        run.thetas = list(result.trajectory)
        self._reproject(run)
        run.status = result.status
        self.runs.draw(run)

    def _reproject(self, run: LiveRun) -> None:
        """Path (a, b) of the run's θ snapshots on the current plane, with their distance."""
        if self.plane is None or not run.thetas:
            run.path, run.distance = [np.array(run.settings.start)], [0.0]
            return
        proj = self.plane.project(np.stack(run.thetas))
        run.path = list(proj.coords)
        run.distance = list(proj.distance)
