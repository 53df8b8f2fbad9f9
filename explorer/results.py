"""What the workers computed for the current state (the views draw it, exports read it)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np


@dataclass
class Results:
    """The latest computed results (None / empty until computed).

    landscape : compute.Landscape (problem, modes, plane) the rest was computed on
    frame : compute.MapFrame shown (coarse ones first for a slice)
    fields : "grad_norm", "hess_min", "hess_max" → (ny, nx), filled row block by row block
    gradient : compute.GradientField
    critical : list of compute.CriticalPoint (in the plane for a slice); critical_known: whether
        the list is complete for the current landscape
    selected : index of the selected critical point (−1: none); selection_hint: where the
        selected point was, to select it again when the points are recomputed
    basins : compute.BasinMap, or the labels (ny, nx) of one in progress (``basin_labels``)
    marks : name → (a, b, distance from the plane) of a slice's named points
    readout : compute.Readout under the cursor
    plane_info : the shown plane in words
    spectrum : the Hessian spectrum report of the point last asked for (compute.curvature);
        spectrum_progress: the Ritz values streaming in while it is computed
    hessian_map : the full-space curvature map (``HessianMap``: a, b, lam_min, lam_max (nb,
        na), NaN where not computed yet, and whether it is complete)
    """

    landscape: Any = None
    frame: Any = None
    fields: dict[str, np.ndarray] = field(default_factory=dict)
    gradient: Any = None
    critical: list[Any] = field(default_factory=list)
    critical_known: bool = False
    selected: int = -1
    selection_hint: Any = None
    basins: Any = None
    basin_labels: Any = None
    marks: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    readout: Any = None
    plane_info: str = ""
    spectrum: Any = None
    spectrum_progress: Any = None
    hessian_map: Any = None

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def empty(cls, name: str) -> Any:
        return getattr(cls(), name)


@dataclass(frozen=True)
class HessianMap:
    """λ_min, λ_max (nb, na) of the full-space Hessian on the grid (a (na,), b (nb,)); NaN
    where a cell is not computed yet; ``complete`` once every cell is."""

    a: np.ndarray
    b: np.ndarray
    lam_min: np.ndarray
    lam_max: np.ndarray
    complete: bool

    def field(self, name: str) -> np.ndarray:
        """``ratio`` = |λ_min/λ_max| (NaN where λ_max = 0), ``lambda_min`` or ``lambda_max``."""
        if name == "lambda_min":
            return self.lam_min
        if name == "lambda_max":
            return self.lam_max
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.lam_max != 0, np.abs(self.lam_min / self.lam_max), np.nan)
