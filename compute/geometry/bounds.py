"""Window bounds a map can be computed on (torch-free: the command line checks them before
torch loads, the session loader when it reads a file)."""

from __future__ import annotations

import math

from compute.errors import LandscapeError

MAX_COORDINATE = 1e150
"""Largest |window bound| (as ``compute.geometry.grid``)."""
MIN_RELATIVE_WIDTH = 1e-9
"""A window axis narrower than this times max(1, |bound|) is below what float64 resolves on a
grid (and what F's differences can show): refused rather than computed as noise."""


def check_window(bounds: tuple[float, ...], what: str = "--window") -> None:
    """Ordered, finite, at most MAX_COORDINATE, at least MIN_RELATIVE_WIDTH wide per axis."""
    for lo, hi, axis in zip(bounds[::2], bounds[1::2], "xy", strict=False):
        if lo >= hi:
            raise LandscapeError(f"{what} needs {axis}min < {axis}max, got {lo:g} ≥ {hi:g}")
        if max(abs(lo), abs(hi)) > MAX_COORDINATE or not math.isfinite(hi - lo):
            raise LandscapeError(
                f"{what} {axis} range {lo:g}…{hi:g} is too large (|bounds| ≤ {MAX_COORDINATE:g})"
            )
        scale = max(1.0, abs(lo), abs(hi))
        if hi - lo < MIN_RELATIVE_WIDTH * scale:
            raise LandscapeError(
                f"{what} {axis} range {lo:g}…{hi:g} is too narrow to resolve "
                f"(width ≥ {MIN_RELATIVE_WIDTH:g}·max(1, |bound|)): widen it"
            )
