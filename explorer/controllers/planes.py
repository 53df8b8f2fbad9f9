"""Choosing a network slice's plane (a recipe, or one made from a run in a worker) and the
1-D interpolation from θ₀ to a run's end."""

from __future__ import annotations

from collections.abc import Generator

import numpy as np
import torch
from PySide6.QtCore import QObject, Signal

from compute import (
    Interpolation,
    PlaneSpec,
    derive_plane,
    directions_plane_spec,
    eigen_plane,
    interpolate,
    scenario,
)
from explorer.jobs import Jobs
from explorer.live import LiveRun
from explorer.state import AppState

FINISHED = ("converged", "max_steps", "diverged", "cancelled")
EIGEN = ("hessian", "hessian-random")


class PlaneController(QObject):
    """``choose(kind, seed)``: recipes apply at once; PCA and three-point planes are built from
    the latest finished run in a worker, then applied (one undo step, with the window that
    frames the run). ``sigInterpolation(result, start, end)`` when a 1-D cut is ready."""

    sigInterpolation = Signal(object, str, str)

    def __init__(self, state: AppState, jobs: Jobs) -> None:
        super().__init__()
        self.state, self.jobs = state, jobs

    def latest_finished(self) -> LiveRun | None:
        done = [
            r for r in self.state.runs.values() if r.status in FINISHED and len(r.data.thetas) > 1
        ]
        return done[-1] if done else None

    def kinds(self) -> list[str]:
        """The planes this scenario offers (towards the teacher only where there is one)."""
        spec = scenario(self.state.session.scenario)
        teacher = spec.capabilities.teacher
        return ["random", *(["teacher"] if teacher else []), "pca", "points", *EIGEN, "directions"]

    def choose(self, kind: str, seed: int, at_run: bool = False) -> bool:
        """Apply plane ``kind``: a recipe at once; a derived plane built in a worker (from the
        latest finished run; eigenvector planes at θ₀, or at that run's end with ``at_run``)."""
        if kind in ("random", "teacher"):  # in the plane's own window, not a derived one's
            window = tuple(scenario(self.state.session.scenario).window)
            return self.state.apply("plane", plane=PlaneSpec(kind, seed), window=window)
        if kind in EIGEN and not at_run:
            return self._eigen(kind, seed, None)
        run = self.latest_finished()
        landscape = self.state.results.landscape
        if run is None or landscape is None or not landscape.problem.capabilities.sliced:
            self.state.notify(
                f"A {kind} plane is made from a finished run: train one first (click the map or "
                "'Train from θ₀').",
                "error",
            )
            self.state.restate()  # the panel shows the plane that is kept
            return False
        if kind in EIGEN:
            return self._eigen(kind, seed, run)
        problem, trajectory, source = landscape.problem, run.data.thetas, f"run {run.id}"

        def job() -> Generator[None, None, tuple[PlaneSpec, tuple[float, ...]]]:
            yield None
            return derive_plane(problem, kind, trajectory, source)

        self.state.progress(f"plane: {kind}", 0.0)  # one task key, ended by _derived
        self.jobs.submit("plane", job, lambda _: None, self._derived, self._failed)
        return True

    def _eigen(self, kind: str, seed: int, run: LiveRun | None) -> bool:
        """The top Hessian eigenvectors at θ₀ or at ``run``'s end, in a worker."""
        landscape = self.state.results.landscape
        if landscape is None or not landscape.problem.capabilities.sliced:
            self.state.notify("The network is still being built: choose the plane again.")
            return False
        problem, l2 = landscape.problem, self.state.session.l2
        theta = problem.init if run is None else torch.as_tensor(run.data.thetas[-1])
        if theta is None:
            self.state.notify(f"{problem.id} has no initialization θ₀ to take a plane at.")
            return False
        source = "θ₀" if run is None else f"the end of run {run.id}"

        def job() -> Generator[str, None, tuple[PlaneSpec, tuple[float, ...]]]:
            return (yield from eigen_plane(problem, theta, kind, seed, source, l2))

        self.state.progress("plane: eigenvectors", 0.0)
        self.jobs.submit("plane", job, lambda _: None, self._derived, self._failed)
        return True

    def from_directions(self, path: str) -> bool:
        """The plane of the reference tool's direction file (``xdirection``, ``ydirection``
        per parameter tensor) around θ₀, read in a worker; a file whose tensors do not match
        this network is refused by name and nothing changes."""
        landscape = self.state.results.landscape
        if landscape is None or not landscape.problem.capabilities.sliced:
            self.state.notify(
                "A direction file sets the plane of a network's slice: choose a network "
                "scenario or your own model first (toys have no parameter tensors).",
                "error",
            )
            return False
        problem = landscape.problem

        def job() -> Generator[None, None, tuple[PlaneSpec, tuple[float, ...]]]:
            yield None
            return directions_plane_spec(problem, path)

        self.state.progress("plane: directions", 0.0)
        self.jobs.submit("plane", job, lambda _: None, self._derived, self._failed)
        return True

    def _derived(self, result: tuple[PlaneSpec, tuple[float, ...]]) -> None:
        spec, window = result
        self.state.progress("plane", 1.0)
        self.state.apply("plane", plane=spec, window=tuple(float(f"{b:.6g}") for b in window))
        a_span, b_span = window[1] - window[0], window[3] - window[2]
        if min(a_span, b_span) < 1e-3 * max(a_span, b_span):
            self.state.notify(
                f"Warning: the {spec.describe()} is nearly degenerate (a spans {a_span:.2g}, b "
                f"spans {b_span:.2g}): its points are (nearly) collinear, so b shows almost "
                "nothing. Train a run that ends elsewhere, or use a random or PCA plane.",
                "warning",
            )

    def _failed(self, exc: Exception) -> None:
        self.state.progress("plane", -1.0)
        self.state.notify(f"The plane could not be built: {exc}", "error")
        self.state.restate()

    def interpolate_latest(self) -> None:
        """F on the segment from θ₀ to the latest finished run's end, in a worker."""
        run, landscape = self.latest_finished(), self.state.results.landscape
        if run is None or landscape is None or not landscape.problem.capabilities.sliced:
            self.state.notify("1-D interpolation needs a finished run: train one first", "error")
            return
        problem = landscape.problem
        start = problem.init
        if start is None:
            self.state.notify(f"{problem.id} has no initialization θ₀ to start from.", "error")
            return
        end = torch.as_tensor(np.asarray(run.data.thetas[-1]), dtype=problem.dtype)

        def job() -> Generator[None, None, Interpolation]:
            yield None
            return interpolate(problem, start, end)

        label = f"run {run.id}'s end"
        self.jobs.submit(
            "interpolate",
            job,
            lambda _: None,
            lambda result: self.sigInterpolation.emit(result, "θ₀", label),
            self._failed,
        )
