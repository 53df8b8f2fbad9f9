"""The full-space curvature map as data drawn over a map panel (``HessianOverlay``, the
"hessian" overlay; ``hessian_overlay`` draws it).

Its field on the grid a × b: λ_min or λ_max of ∇²F(θ(a, b)), or the ratio |λ_min/λ_max| (NaN
where λ_max = 0), from anything holding λ_min, λ_max on a grid (``CurvatureExtremes``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from compute.errors import LandscapeError
from compute.sessions.session import HESSIAN_FIELDS


class CurvatureExtremes(Protocol):
    """λ_min, λ_max (nb, na) of the full-space Hessian on the grid a (na,) × b (nb,):
    ``compute.curvature.CurvatureMap`` (what ``compute.landscapes.landscape.hessian_map`` returns)
    or the
    window's partial map (NaN where a cell is not computed yet)."""

    @property
    def a(self) -> np.ndarray: ...
    @property
    def b(self) -> np.ndarray: ...
    @property
    def lam_min(self) -> np.ndarray: ...
    @property
    def lam_max(self) -> np.ndarray: ...


@dataclass(frozen=True)
class HessianOverlay:
    """The full-space curvature map as drawn over a map ("hessian" overlay).

    Attributes
    ----------
    field : "ratio" (|λ_min/λ_max|, NaN where λ_max = 0), "lambda_min" or "lambda_max" of
        ∇²F(θ(a, b)) (``compute.sessions.session.HESSIAN_FIELDS``)
    a : (na,), b : (nb,) the cell centres along the map's two axes
    values : (nb, na) the field, row i at b[i] (NaN: not computed, drawn transparent)
    """

    field: str
    a: np.ndarray
    b: np.ndarray
    values: np.ndarray

    def __post_init__(self) -> None:
        if self.field not in HESSIAN_FIELDS:
            raise LandscapeError(
                f"unknown curvature-map field {self.field!r}: choose {', '.join(HESSIAN_FIELDS)}"
            )
        shape = (len(self.b), len(self.a))
        if np.shape(self.values) != shape:
            raise LandscapeError(
                f"a curvature map on {shape[0]}×{shape[1]} cells needs values of that shape, "
                f"got {np.shape(self.values)}"
            )

    @classmethod
    def of(cls, field: str, extremes: CurvatureExtremes) -> HessianOverlay:
        """``field`` of a computed map: λ_min, λ_max, or |λ_min/λ_max| (NaN where λ_max = 0
        or either is not computed)."""
        lam_min = np.asarray(extremes.lam_min, dtype=float)
        lam_max = np.asarray(extremes.lam_max, dtype=float)
        if field == "lambda_min":
            values = lam_min
        elif field == "lambda_max":
            values = lam_max
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                values = np.where(lam_max != 0, np.abs(lam_min / lam_max), np.nan)
        a, b = (np.asarray(x, dtype=float).ravel() for x in (extremes.a, extremes.b))
        return cls(field, a, b, np.array(values, dtype=float))
