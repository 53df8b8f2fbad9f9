"""What a landscape view draws, produced progressively: the map first, then its geometry.

``landscape_frames`` yields a ``MapFrame`` (F, its display transform and isolines: cheap, so a
slider drag redraws at interactive rates), then a coarse ``GradientField`` for arrows, then the
``GridBlock`` rows of ‖∇F‖ and the Hessian eigenvalues (autograd, the expensive part), and
returns the complete ``LandscapeGrid``.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import torch

from compute.derivatives import gradient
from compute.grid import GridBlock, LandscapeGrid, Window, evaluate_grid, evaluate_loss
from compute.isolines import display_values, isolines, levels_for
from compute.objective import Objective

ARROWS_PER_AXIS = 21


@dataclass(frozen=True)
class MapFrame:
    """F on the grid and how to show it.

    axes : (nx,) or (nx,), (ny,); loss : (ny, nx) or (nx,); display : F or log₁₀(F − min F + δ)
    (see ``compute.isolines.display_values``); levels : (L,) in display units; lines : L arrays
    (m, 2) of isoline vertices, NaN-separated (empty for 1-D).
    """

    axes: tuple[np.ndarray, ...]
    loss: np.ndarray
    display: np.ndarray
    levels: np.ndarray
    lines: tuple[np.ndarray, ...]
    log_scale: bool


@dataclass(frozen=True)
class GradientField:
    """−∇F on a coarse lattice: points (k, n), descent directions (k, n) (not normalised)."""

    points: np.ndarray
    descent: np.ndarray


def map_frame(
    objective: Objective, window: Window, resolution: int, log_scale: bool, levels: int = 14
) -> MapFrame:
    """F on the grid, its display values, ``levels`` isoline levels and their polylines."""
    grid = evaluate_loss(objective, window, resolution)
    loss = grid.values["loss"]
    display = display_values(loss, log_scale)
    if objective.dim == 2:
        lv = levels_for(display, levels)
        lines = tuple(isolines(grid.axes[0], grid.axes[1], display, lv))
    else:
        lv, lines = np.zeros(0), ()
    return MapFrame(grid.axes, loss, display, lv, lines, log_scale)


def gradient_field(
    objective: Objective, window: Window, per_axis: int = ARROWS_PER_AXIS
) -> GradientField:
    axes = window.axes(per_axis)
    mesh = np.meshgrid(*axes, indexing="xy")
    pts = np.stack([m.ravel() for m in mesh], axis=-1)
    g = gradient(objective.loss, objective.as_tensor(pts))
    return GradientField(pts, -torch.nan_to_num(g, nan=0.0, posinf=0.0, neginf=0.0).numpy())


def landscape_frames(
    objective: Objective,
    window: Window,
    resolution: int,
    log_scale: bool,
    with_geometry: bool = True,
) -> Generator[MapFrame | GradientField | GridBlock, None, LandscapeGrid | None]:
    """Map first, then (``with_geometry``) the gradient field and the field rows."""
    yield map_frame(objective, window, resolution, log_scale)
    if not with_geometry:
        return None
    yield gradient_field(objective, window)
    return (yield from evaluate_grid(objective, window, resolution))
