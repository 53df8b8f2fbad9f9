"""The unit of a slice's work, wherever it runs: ``SliceWork`` (problem, plane, splits: shared
by every task, shipped once) and ``evaluate_points`` (one task: a few evaluator chunks)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from compute.geometry.planes import Plane
from compute.networks.sliced import PlaneValues, SlicedProblem


@dataclass(frozen=True, eq=False)
class SliceWork:
    """What every task of one slice needs. The evaluators are built on first use, where the
    task runs (pickling drops them: a worker builds its own from the problem and the plane).

    ``chunk`` is the points per evaluation: every task hands the evaluators its points in
    pieces of ``chunk`` from its start, and the grid code cuts tasks at multiples of ``chunk``
    within a level, so each point is evaluated in the same batch wherever the task runs.
    """

    problem: SlicedProblem
    plane: Plane
    splits: tuple[str, ...] = ("train",)
    _built: list[PlaneValues] = field(default_factory=list, repr=False)

    @property
    def chunk(self) -> int:
        return min(e.chunk for e in self.evaluators())

    def fields(self) -> tuple[str, ...]:
        return tuple(f for e in self.evaluators() for f in e.fields())

    def evaluators(self) -> list[PlaneValues]:
        if not self._built:
            self._built.extend(self.problem.plane_evaluator(self.plane, s) for s in self.splits)
        return self._built

    def __getstate__(self) -> dict[str, Any]:
        return {"problem": self.problem, "plane": self.plane, "splits": self.splits}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)
        object.__setattr__(self, "_built", [])


@dataclass(frozen=True)
class PointValues:
    """One task's result: field → values (P,) float64, and the seconds its evaluation took."""

    values: dict[str, np.ndarray]
    seconds: float


def evaluate_points(work: SliceWork, coords: np.ndarray) -> PointValues:
    """Values at ``coords`` (P, 2) = (a, b), ``work.chunk`` points per evaluation.

    The coordinates travel as float64 and become the problem's dtype here, exactly as an
    in-process slice converts them, so a task gives the same bits on any machine that runs
    the same torch build.
    """
    t0 = time.perf_counter()
    problem, step = work.problem, work.chunk
    parts: dict[str, list[np.ndarray]] = {f: [] for f in work.fields()}
    for start in range(0, len(coords), step):
        c = torch.tensor(coords[start : start + step], dtype=problem.dtype, device=problem.device)
        for e in work.evaluators():
            for f, v in e(c).items():
                parts[f].append(v.to("cpu", torch.float64).numpy())
    values = {f: np.concatenate(v) if v else np.zeros(0) for f, v in parts.items()}
    return PointValues(values, time.perf_counter() - t0)
