"""A run's live data as it streams in: records per step, θ snapshots and their map position."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from compute import RunSettings

SERIES = ("steps", "loss", "grad_norm", "projected", "theta_steps", "thetas", "coords", "distance")


class RunData:
    """Chunks of ``compute.RunUpdate`` appended as they arrive, concatenated on demand.

    Per recorded step: ``steps`` (T,), ``loss``, ``grad_norm``, ``projected`` (T,) and
    ``metric(key)`` (T,) (NaN where not evaluated); per snapshot: ``theta_steps`` (K,),
    ``thetas`` (K, n), ``coords`` (K, d) on the shown map and ``distance`` (K,) from its plane.
    """

    def __init__(self) -> None:
        self._parts: dict[str, list[np.ndarray]] = defaultdict(list)
        self.dim = 0
        self.map_dim = 0

    def append(self, update: Any) -> None:
        chunk = update.chunk
        self._parts["steps"].append(chunk.steps)
        for name in ("loss", "grad_norm", "projected"):
            self._parts[name].append(getattr(chunk, name)[:, 0])
        for key, values in chunk.metrics.items():
            self._parts["metric:" + key].append(values[:, 0])
        self._parts["theta_steps"].append(chunk.theta_steps)
        self._parts["thetas"].append(update.thetas)
        self._parts["coords"].append(update.coords)
        self._parts["distance"].append(update.distance)
        self.dim = update.thetas.shape[-1] if update.thetas.size else self.dim
        self.map_dim = update.coords.shape[-1] if update.coords.size else self.map_dim

    def reprojected(self, coords: np.ndarray, distance: np.ndarray) -> RunData:
        """The same run seen on another chart: a new RunData with ``coords`` (K, d) and
        ``distance`` (K,) in place of this one's (whose arrays are left as they are)."""
        new = RunData()
        new._parts = defaultdict(list, {k: list(v) for k, v in self._parts.items()})
        new._parts["coords"] = [np.asarray(coords)]
        new._parts["distance"] = [np.asarray(distance)]
        new.dim = self.dim
        new.map_dim = np.asarray(coords).shape[-1] if np.size(coords) else self.map_dim
        return new

    def array(self, name: str) -> np.ndarray:
        """A series so far; the chunks are merged on read (once per redraw, not per chunk)."""
        parts = self._parts.get(name)
        if not parts:
            return np.zeros(0)
        if len(parts) > 1:
            parts[:] = [np.concatenate(parts)]
        return parts[0]

    @property
    def steps(self) -> np.ndarray:
        return self.array("steps")

    @property
    def loss(self) -> np.ndarray:
        return self.array("loss")

    @property
    def grad_norm(self) -> np.ndarray:
        return self.array("grad_norm")

    @property
    def projected(self) -> np.ndarray:
        return self.array("projected")

    @property
    def thetas(self) -> np.ndarray:
        return self.array("thetas")

    @property
    def coords(self) -> np.ndarray:
        return self.array("coords")

    @property
    def distance(self) -> np.ndarray:
        return self.array("distance")

    def metric_keys(self) -> list[str]:
        return [k[len("metric:") :] for k in self._parts if k.startswith("metric:")]

    def metric(self, key: str) -> np.ndarray:
        return self.array("metric:" + key)

    def last(self, name: str) -> float:
        """The latest finite value of a series (NaN when there is none)."""
        values = self.array(name) if name in self._parts else self.metric(name)
        finite = values[np.isfinite(values)] if values.size else values
        return float(finite[-1]) if finite.size else float("nan")

    @property
    def step(self) -> int:
        steps = self.steps
        return int(steps[-1]) if steps.size else 0


@dataclass
class LiveRun:
    """A run's settings, its state (``compute.RUN_STATES``), and the data streamed back."""

    id: int
    settings: RunSettings
    status: str = "queued"
    paused: bool = False
    error: str = ""
    data: RunData = field(default_factory=RunData)

    def path(self) -> np.ndarray:
        """Where the run has been on the shown map (K, d); its start while nothing arrived."""
        coords = self.data.coords
        if coords.size:
            return coords.reshape(len(coords), -1)
        return np.asarray([self.settings.start], dtype=float)
