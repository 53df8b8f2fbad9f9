"""A surface as the files exchange it: a map's axes, its fields on the grid, and paths on it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.interpolate import RegularGridInterpolator

from compute.errors import LandscapeError

MAX_SIDE = 4096
"""Largest number of samples per axis read from a file (a 4096² float64 field is 128 MB)."""


@dataclass(frozen=True)
class SurfacePath:
    """A run drawn on a surface: ``points`` (K, 2) map coordinates, start first."""

    label: str
    color: str
    points: np.ndarray


@dataclass(frozen=True)
class Surface:
    """Fields sampled on the grid x (nx,) × y (ny,).

    Attributes
    ----------
    x, y : (nx,), (ny,) strictly increasing coordinates (a, b on a slice's plane)
    fields : name → (ny, nx) values, row i at y[i] (the orientation of ``np.meshgrid(x, y)``
        and of the explorer's maps); non-finite where the loss overflowed
    paths : runs drawn on the surface
    meta : JSON-safe provenance (scenario, plane, source file and its hash)
    """

    x: np.ndarray
    y: np.ndarray
    fields: Mapping[str, np.ndarray]
    paths: tuple[SurfacePath, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        x, y = np.asarray(self.x, dtype=float), np.asarray(self.y, dtype=float)
        for name, axis in (("x", x), ("y", y)):
            if axis.ndim != 1 or not 2 <= len(axis) <= MAX_SIDE:
                raise LandscapeError(
                    f"a surface's {name} coordinates must be 2 to {MAX_SIDE} numbers, "
                    f"got shape {axis.shape}"
                )
            if not np.all(np.isfinite(axis)) or not np.all(np.diff(axis) > 0):
                raise LandscapeError(f"a surface's {name} coordinates must increase strictly")
        if not self.fields:
            raise LandscapeError("a surface needs at least one field (a loss)")
        for key, values in self.fields.items():
            if np.shape(values) != (len(y), len(x)):
                raise LandscapeError(
                    f"field {key!r} has shape {np.shape(values)}, the grid is "
                    f"{len(y)} × {len(x)} (ny × nx)"
                )
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)

    @property
    def window(self) -> tuple[float, float, float, float]:
        return (float(self.x[0]), float(self.x[-1]), float(self.y[0]), float(self.y[-1]))

    def values(self, name: str) -> np.ndarray:
        """The field ``name`` (ny, nx); a one-line error naming the fields there are."""
        if name not in self.fields:
            raise LandscapeError(
                f"the surface has no field {name!r}: it has {', '.join(self.fields)}"
            )
        return np.asarray(self.fields[name], dtype=float)


def surface_heights(
    x: np.ndarray, y: np.ndarray, values: np.ndarray, points: np.ndarray
) -> np.ndarray:
    """The surface's height under each point: bilinear interpolation of ``values`` (ny, nx)
    on the grid x (nx,) × y (ny,) at ``points`` (K, 2) → (K,); NaN outside the grid or next
    to a non-finite cell."""
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    if not len(pts):
        return np.zeros(0)
    interp = RegularGridInterpolator(
        (np.asarray(y, dtype=float), np.asarray(x, dtype=float)),
        np.asarray(values, dtype=float),
        method="linear",
        bounds_error=False,
        fill_value=np.nan,
    )
    with np.errstate(invalid="ignore"):
        return np.asarray(interp(pts[:, ::-1]), dtype=float)
