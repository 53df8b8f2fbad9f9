"""Where the critical-point search starts: a lattice for cheap toys, chosen cells otherwise.

An expensive objective (a network slice, one pass over the data per evaluation) cannot afford
Newton from a 32 × 32 lattice; its already computed map says where critical points can be:
the cells that are discrete minima, maxima and saddles of the map (``grid_candidates``).
"""

from __future__ import annotations

import numpy as np
import scipy.spatial

from compute.errors import LandscapeError
from compute.geometry.grid import Window

STARTS_PER_AXIS = {1: 241, 2: 32}
RING = ((-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1))
"""The 8 neighbours of a cell in cyclic order, as (row, column) offsets."""


def lattice(window: Window) -> np.ndarray:
    """The default starts (M, n): STARTS_PER_AXIS[n] evenly spaced points per axis."""
    if window.dim not in STARTS_PER_AXIS:
        raise LandscapeError(
            f"critical points are searched in 1-D or 2-D windows, not {window.dim}"
        )
    axes = window.axes(STARTS_PER_AXIS[window.dim])
    return np.stack([m.ravel() for m in np.meshgrid(*axes, indexing="xy")], axis=-1)


def check_starts(starts: object, dim: int) -> np.ndarray:
    """Explicit starts as a finite float array (M, dim), or a LandscapeError saying why not."""
    try:
        arr = np.asarray(starts, dtype=float)
    except (TypeError, ValueError):
        raise LandscapeError("starts must be an array of numbers of shape (M, n)") from None
    if arr.ndim != 2 or arr.shape[1] != dim:
        raise LandscapeError(f"starts must have shape (M, {dim}), got {arr.shape}")
    if not np.isfinite(arr).all():
        raise LandscapeError("starts must be finite numbers")
    return arr


def spacing(starts: np.ndarray, window: Window) -> float:
    """h: √n × the median distance from a start to its nearest other start (for a lattice,
    the diagonal of a cell); one start: the lattice's value for this window."""
    n = starts.shape[1]
    diag = float(np.linalg.norm([hi - lo for lo, hi in window.ranges()]))
    default = diag / (STARTS_PER_AXIS.get(n, 32) - 1)
    unique = np.unique(starts, axis=0)
    if len(unique) < 2:
        return default
    dist, _ = scipy.spatial.cKDTree(unique).query(unique, k=2)
    return float(np.sqrt(n) * np.median(dist[:, 1])) or default


def _ranks(values: np.ndarray) -> np.ndarray:
    """A total order of the cells: by value, ties broken by index (simulation of simplicity),
    so a plateau has no interior extrema. Non-finite values rank as NaN-marked (−1)."""
    flat = values.ravel()
    finite = np.isfinite(flat)
    order = np.lexsort((np.arange(len(flat)), np.where(finite, flat, 0.0)))
    ranks = np.empty(len(flat), dtype=np.int64)
    ranks[order] = np.arange(len(flat))
    return np.where(finite, ranks, -1).reshape(values.shape)


def grid_candidates(axes: tuple[np.ndarray, ...], values: np.ndarray) -> np.ndarray:
    """Points (k, n) at the cells that are discrete critical points of a computed map.

    ``values`` is (ny, nx) with row i at y = axes[1][i] and column j at x = axes[0][j] (or
    (nx,) in 1-D). The classic test on a cell's 3 × 3 neighbourhood, with the 8 neighbours
    in cyclic order: a minimum if all are higher, a maximum if all are lower, a saddle if
    "higher" changes to "lower" or back at least 4 times around the ring. Ties are broken by
    cell index; cells on the map's edge, and cells next to a non-finite value, are skipped.
    Returned in the order minima, maxima, saddles, each in row-major order.
    """
    v = np.asarray(values, dtype=float)
    if v.ndim == 1:
        r = _ranks(v)
        c, left, right = r[1:-1], r[:-2], r[2:]
        ok = (c >= 0) & (left >= 0) & (right >= 0)
        idx = [np.flatnonzero(ok & (left > c) & (right > c))]
        idx.append(np.flatnonzero(ok & (left < c) & (right < c)))
        x = np.asarray(axes[0])
        return np.concatenate([x[i + 1] for i in idx])[:, None]
    if v.ndim != 2 or v.shape != (len(axes[1]), len(axes[0])):
        raise LandscapeError(f"a map of shape {v.shape} does not match its axes")
    r = _ranks(v)
    ny, nx = v.shape
    centre = r[1:-1, 1:-1]
    ring = np.stack([r[1 + di : ny - 1 + di, 1 + dj : nx - 1 + dj] for di, dj in RING])
    ok = (centre >= 0) & (ring >= 0).all(axis=0)
    higher = ring > centre
    changes = (higher != np.roll(higher, 1, axis=0)).sum(axis=0)
    kinds = (higher.all(axis=0), (~higher).all(axis=0), changes >= 4)
    xx, yy = np.meshgrid(np.asarray(axes[0])[1:-1], np.asarray(axes[1])[1:-1])
    pts = [np.stack([xx[ok & k], yy[ok & k]], axis=1) for k in kinds]
    return np.concatenate(pts)
