"""Batched evaluation of F, ‖∇F‖ and the extreme Hessian eigenvalues over a 1-D or 2-D grid."""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import torch

from compute.errors import LandscapeError
from compute.objectives.derivatives import second_order
from compute.objectives.objective import Objective

MAX_RESOLUTION = 4096
MAX_COORDINATE = 1e150
"""Windows beyond this overflow F of the quartic toys and the spans of float64 grids."""


@dataclass(frozen=True)
class Window:
    """The axis ranges shown: ``(xmin, xmax)`` in 1-D, ``(xmin, xmax, ymin, ymax)`` in 2-D."""

    bounds: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.bounds) not in (2, 4):
            raise LandscapeError("a window is XMIN,XMAX or XMIN,XMAX,YMIN,YMAX")
        if not all(math.isfinite(b) for b in self.bounds):
            raise LandscapeError(f"window bounds must be finite numbers, got {self.bounds}")
        for lo, hi, axis in zip(self.bounds[::2], self.bounds[1::2], "xy", strict=False):
            if lo >= hi:
                raise LandscapeError(f"window needs {axis}min < {axis}max, got {lo:g} ≥ {hi:g}")
            if not math.isfinite(hi - lo) or max(abs(lo), abs(hi)) > MAX_COORDINATE:
                raise LandscapeError(
                    f"window {axis} range {lo:g}…{hi:g} is too large "
                    f"(|bounds| ≤ {MAX_COORDINATE:g})"
                )

    @property
    def dim(self) -> int:
        return len(self.bounds) // 2

    def ranges(self) -> list[tuple[float, float]]:
        return list(zip(self.bounds[::2], self.bounds[1::2], strict=True))

    def axes(self, resolution: int) -> tuple[np.ndarray, ...]:
        """``resolution`` evenly spaced samples per axis, ends included."""
        check_resolution(resolution)
        return tuple(np.linspace(lo, hi, resolution) for lo, hi in self.ranges())

    def contains(self, point: np.ndarray, pad: float = 1e-9) -> bool:
        return all(
            lo - pad * (hi - lo) <= p <= hi + pad * (hi - lo)
            for p, (lo, hi) in zip(point, self.ranges(), strict=True)
        )


def check_resolution(resolution: int) -> None:
    if not 2 <= resolution <= MAX_RESOLUTION:
        raise LandscapeError(f"resolution must be between 2 and {MAX_RESOLUTION}, got {resolution}")


FIELDS = ("loss", "grad_norm", "hess_min", "hess_max")


@dataclass(frozen=True)
class GridBlock:
    """Rows ``start:stop`` of every field (rows of the (ny, nx) map; samples of a 1-D curve)."""

    start: int
    stop: int
    total: int
    values: dict[str, np.ndarray]  # each (stop − start, nx) in 2-D, (stop − start,) in 1-D


@dataclass(frozen=True)
class LandscapeGrid:
    """F and its local geometry on a grid.

    Attributes
    ----------
    axes : 1 or 2 arrays (nx,), (ny,)
    values : FIELDS → arrays of shape (ny, nx) in 2-D (row i is y = axes[1][i]), (nx,) in 1-D.
        ``hess_min``/``hess_max`` are λ_min/λ_max of ∇²F; non-finite where F overflows.
    """

    axes: tuple[np.ndarray, ...]
    values: dict[str, np.ndarray]


def _points_of_rows(axes: tuple[np.ndarray, ...], start: int, stop: int) -> np.ndarray:
    if len(axes) == 1:
        return axes[0][start:stop, None]
    xx, yy = np.meshgrid(axes[0], axes[1][start:stop])
    return np.stack([xx.ravel(), yy.ravel()], axis=-1)


def evaluate_grid(
    objective: Objective, window: Window, resolution: int, chunk_points: int = 16384
) -> Generator[GridBlock, None, LandscapeGrid]:
    """Evaluate every FIELD on a ``resolution``ⁿ grid, yielding blocks of rows as they finish.

    Vectorised over each block (torch.func vmap, no loop over points); a block holds at most
    ``chunk_points`` points. Closing the generator stops the work at the next block.
    """
    if window.dim != objective.dim:
        raise LandscapeError(
            f"{objective.name} has {objective.dim} parameters, window has {window.dim} axes"
        )
    axes = window.axes(resolution)
    row_len = 1 if objective.dim == 1 else resolution
    rows_per_block = max(1, chunk_points // row_len)
    n_rows = len(axes[-1])
    shape = (n_rows, resolution) if objective.dim == 2 else (n_rows,)
    out = {name: np.empty(shape) for name in FIELDS}
    for start in range(0, n_rows, rows_per_block):
        stop = min(n_rows, start + rows_per_block)
        pts = objective.as_tensor(_points_of_rows(axes, start, stop))
        d = second_order(objective.loss, pts)
        eig = d.hessian_eigenvalues()
        block = {
            "loss": d.loss,
            "grad_norm": torch.linalg.vector_norm(d.grad, dim=-1),
            "hess_min": eig[:, 0],
            "hess_max": eig[:, -1],
        }
        values = {
            k: v.to("cpu", torch.float64).numpy().reshape((stop - start, *shape[1:]))
            for k, v in block.items()
        }
        for k, v in values.items():
            out[k][start:stop] = v
        yield GridBlock(start, stop, n_rows, values)
    return LandscapeGrid(axes, out)


def evaluate_loss(
    objective: Objective, window: Window, resolution: int, chunk_points: int = 65536
) -> LandscapeGrid:
    """Only F on the grid (no derivatives): the fast path for live redraws while dragging.

    Same layout as ``evaluate_grid``; ``values`` holds just ``"loss"``.
    """
    axes = window.axes(resolution)
    pts = _points_of_rows(axes, 0, len(axes[-1]))
    shape = (len(axes[-1]), resolution) if objective.dim == 2 else (resolution,)
    with torch.no_grad():
        loss = torch.cat(
            [
                objective.loss(objective.as_tensor(pts[i : i + chunk_points]))
                for i in range(0, len(pts), chunk_points)
            ]
        )
    return LandscapeGrid(axes, {"loss": loss.to("cpu", torch.float64).numpy().reshape(shape)})
