"""Coarse-to-fine order of a grid's cells: the order in which grid work fills in a map.

Level 0 holds the cells whose every index is a multiple of 4, level 1 those with every index
even (and not in level 0), level 2 the rest. Drawn after level 0, a map already shows its
shape at a quarter of the resolution; level 1 halves the gaps; level 2 completes it.
"""

from __future__ import annotations

import numpy as np

STRIDES = (4, 2, 1)


def refinement_levels(shape: tuple[int, ...]) -> np.ndarray:
    """The level (0, 1 or 2) of every cell of a grid of ``shape`` (any number of axes)."""
    index = np.indices(shape)
    level = np.full(shape, len(STRIDES) - 1, dtype=np.int64)
    for lev in reversed(range(len(STRIDES) - 1)):
        level[(index % STRIDES[lev] == 0).all(axis=0)] = lev
    return level


def coarse_to_fine(shape: tuple[int, ...]) -> list[np.ndarray]:
    """Flat (row-major) indices of the cells of each level, in row-major order within it."""
    level = refinement_levels(shape).ravel()
    return [np.flatnonzero(level == lev) for lev in range(len(STRIDES))]


def coarser_cell(index: np.ndarray, level: int) -> np.ndarray:
    """For cells (P, ndim) of ``level`` ≥ 1, the nearest cell (P, ndim) of the level before
    (each index rounded down to that level's stride: a cell already solved)."""
    stride = STRIDES[level - 1]
    return index - index % stride
