"""Isoline levels and polylines of a 2-D map, via contourpy (all levels of 512² in ~10 ms)."""

from __future__ import annotations

import contourpy
import numpy as np


def display_values(loss: np.ndarray, log_scale: bool) -> np.ndarray:
    """What the map shows: F, or log₁₀(F − min F + δ) with δ = 1e-12·(1 + |min F|).

    The shift makes the log map defined for any F (regularised or negative losses) while keeping
    the minimum visible as the darkest colour. Non-finite F stays non-finite (overflow is shown
    as a saturated colour by the view).
    """
    if not log_scale:
        return loss
    finite = np.isfinite(loss)
    if not finite.any():
        return loss
    low = float(loss[finite].min())
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log10(loss - low + 1e-12 * (1 + abs(low)))


def levels_for(values: np.ndarray, count: int = 14) -> np.ndarray:
    """``count`` evenly spaced levels strictly inside the finite range of ``values``."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.zeros(0)
    lo, hi = np.percentile(finite, [0.5, 99.5])
    if not hi > lo:
        return np.zeros(0)
    return np.linspace(lo, hi, count + 2)[1:-1]


def isolines(x: np.ndarray, y: np.ndarray, z: np.ndarray, levels: np.ndarray) -> list[np.ndarray]:
    """One (m, 2) array per level: all pieces of that isoline, separated by NaN rows.

    ``z`` is (ny, nx) with row i at y[i]; non-finite values are masked out.
    """
    bad = ~np.isfinite(z)
    field = np.ma.masked_array(np.where(bad, 0.0, z), mask=bad) if bad.any() else z
    gen = contourpy.contour_generator(x, y, field, line_type=contourpy.LineType.ChunkCombinedNan)
    out = []
    for level in levels:
        chunks = gen.lines(float(level))[0]
        pieces = [c for c in chunks if c is not None]
        out.append(np.concatenate(pieces) if pieces else np.zeros((0, 2)))
    return out
