"""One optimizer run as a figure draws and exports it (``RunTrace``): its path on the map, its
curves against the step (F, ‖∇F‖, projected gradient, metrics) and, for networks, its iterates
θ and their distance from the plane.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RunTrace:
    """One optimizer run as drawn/exported.

    Attributes
    ----------
    label, color : legend text in words (e.g. "GD, η = 0.1"; mathtext allowed) and "#rrggbb"
    path : (K, d) map coordinates of the iterates kept (toys: every step), start first
    loss, grad_norm : (T,) F and ‖∇F‖ at the recorded steps ``steps`` (default 0…T−1; NaN
        where not evaluated)
    status : "running", "converged", "max_steps" or "diverged"
    path_steps : (K,) the step of each path point (default 0…K−1)
    thetas : (K, n) the iterates in θ (networks), distance : (K,) their distance from the plane
    metrics : name → (T,) other recorded quantities (test loss, the scenario's metric)
    projected : (T,) ‖θ − P(θ − ∇F)‖ where a constraint acts (None: no constraint)
    """

    label: str
    color: str
    path: np.ndarray
    loss: np.ndarray
    grad_norm: np.ndarray
    status: str
    steps: np.ndarray | None = None
    path_steps: np.ndarray | None = None
    thetas: np.ndarray | None = None
    distance: np.ndarray | None = None
    metrics: Mapping[str, np.ndarray] = dataclasses.field(default_factory=dict)
    projected: np.ndarray | None = None

    def step_axis(self) -> np.ndarray:
        """(T,) the steps of ``loss``/``grad_norm`` (default 0, 1, …)."""
        return np.arange(len(self.loss)) if self.steps is None else np.asarray(self.steps)

    def path_axis(self) -> np.ndarray:
        """(K,) the steps of the path's snapshots (default 0, 1, …)."""
        return np.arange(len(self.path)) if self.path_steps is None else np.asarray(self.path_steps)

    def loss_on_path(self) -> np.ndarray:
        """F at each snapshot (the record of the same step; NaN where none is finite)."""
        steps, loss = self.step_axis(), np.asarray(self.loss, dtype=float)
        ok = np.isfinite(loss)
        if not ok.any():
            return np.full(len(self.path), np.nan)
        return np.interp(self.path_axis(), steps[ok], loss[ok])
