"""What the workers computed for the current state (the views draw it, exports read it).

``Results`` is frozen: the state replaces it (``AppState.set_result``) and never changes a
value in place, so what a subscriber or an export holds stays what it was given. Each result
has a typed key (``FRAME``, ``CRITICAL``, …): ``state.on_result(FRAME, draw)`` calls ``draw``
with a ``MapFrame | None`` when, and only when, the frame changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

import numpy as np

if TYPE_CHECKING:
    from compute import (
        BasinMap,
        CriticalPoint,
        GradientField,
        Landscape,
        MapFrame,
        PointSpectrum,
        Readout,
        RitzTrail,
    )

T = TypeVar("T")


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

    def with_cells(
        self, ia: np.ndarray, ib: np.ndarray, lam_min: np.ndarray, lam_max: np.ndarray
    ) -> HessianMap:
        """A new map with cells (ib, ia) filled in (this one is left as it is)."""
        lo, hi = self.lam_min.copy(), self.lam_max.copy()
        lo[ib, ia], hi[ib, ia] = lam_min, lam_max
        return HessianMap(self.a, self.b, lo, hi, False)


@dataclass(frozen=True)
class Results:
    """The latest computed results (None / empty until computed).

    landscape : compute.Landscape (problem, modes, plane) the rest was computed on
    frame : compute.MapFrame shown (coarse ones first for a slice)
    fields : "grad_norm", "hess_min", "hess_max" → (ny, nx), filled row block by row block
    gradient : compute.GradientField
    critical : compute.CriticalPoint tuple (in the plane for a slice); critical_known: whether
        it is complete for the current landscape; critical_note: why a search found nothing
        where the map suggests something (empty otherwise)
    selected : index of the selected critical point (−1: none); selection_hint: where the
        selected point was, to select it again when the points are recomputed
    basins : compute.BasinMap, or the labels (ny, nx) of one in progress (``basin_labels``)
    marks : name → (a, b, distance from the plane) of a slice's named points
    readout : compute.Readout under the cursor
    plane_info : the shown plane in words
    spectrum : the Hessian spectrum report of the point last asked for (compute.curvature);
        spectrum_progress: the Ritz values streaming in while it is computed
    hessian_map : the full-space curvature map (``HessianMap``), NaN where not computed yet
    """

    landscape: Landscape | None = None
    frame: MapFrame | None = None
    fields: Mapping[str, np.ndarray] = field(default_factory=dict)
    gradient: GradientField | None = None
    critical: tuple[CriticalPoint, ...] = ()
    critical_known: bool = False
    critical_note: str = ""
    selected: int = -1
    selection_hint: np.ndarray | None = None
    basins: BasinMap | None = None
    basin_labels: np.ndarray | None = None
    marks: Mapping[str, tuple[float, float, float]] = field(default_factory=dict)
    readout: Readout | None = None
    plane_info: str = ""
    spectrum: PointSpectrum | None = None
    spectrum_progress: RitzTrail | None = None
    hessian_map: HessianMap | None = None

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


class Result(Generic[T]):
    """The typed key of one field of ``Results``."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        if name not in Results.names():
            raise ValueError(f"Results has no field {name!r}")
        self.name = name

    def of(self, results: Results) -> T:
        return cast(T, getattr(results, self.name))

    def empty(self) -> T:
        return self.of(Results())

    def __repr__(self) -> str:
        return f"Result({self.name!r})"


LANDSCAPE: Result[Landscape | None] = Result("landscape")
FRAME: Result[MapFrame | None] = Result("frame")
FIELDS: Result[Mapping[str, np.ndarray]] = Result("fields")
GRADIENT: Result[GradientField | None] = Result("gradient")
CRITICAL: Result[tuple[CriticalPoint, ...]] = Result("critical")
CRITICAL_KNOWN: Result[bool] = Result("critical_known")
CRITICAL_NOTE: Result[str] = Result("critical_note")
SELECTED: Result[int] = Result("selected")
SELECTION_HINT: Result[np.ndarray | None] = Result("selection_hint")
BASINS: Result[BasinMap | None] = Result("basins")
BASIN_LABELS: Result[np.ndarray | None] = Result("basin_labels")
MARKS: Result[Mapping[str, tuple[float, float, float]]] = Result("marks")
READOUT: Result[Readout | None] = Result("readout")
PLANE_INFO: Result[str] = Result("plane_info")
SPECTRUM: Result[PointSpectrum | None] = Result("spectrum")
SPECTRUM_PROGRESS: Result[RitzTrail | None] = Result("spectrum_progress")
HESSIAN_MAP: Result[HessianMap | None] = Result("hessian_map")
ALL: tuple[Result[Any], ...] = (
    LANDSCAPE,
    FRAME,
    FIELDS,
    GRADIENT,
    CRITICAL,
    CRITICAL_KNOWN,
    CRITICAL_NOTE,
    SELECTED,
    SELECTION_HINT,
    BASINS,
    BASIN_LABELS,
    MARKS,
    READOUT,
    PLANE_INFO,
    SPECTRUM,
    SPECTRUM_PROGRESS,
    HESSIAN_MAP,
)
