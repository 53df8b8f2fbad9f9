"""What a landscape view draws, produced progressively: the map first, then its geometry.

``landscape_frames`` yields ``MapFrame``s (F, its display transform and isolines: cheap, so a
slider drag redraws at interactive rates; a network slice sharpens coarse to fine), then a
coarse ``GradientField`` for arrows, then the ``GridBlock`` rows of ‖∇F‖ and the Hessian
eigenvalues (autograd, the expensive part), and returns the complete ``LandscapeGrid``.
Toys and network slices go through the same code: only how F is evaluated differs.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field

import numpy as np
import scipy.ndimage
import torch

from compute.geometry.grid import GridBlock, LandscapeGrid, Window, evaluate_grid, evaluate_loss
from compute.geometry.isolines import display_values, isolines, levels_for
from compute.landscapes.landscape import Landscape
from compute.objectives.derivatives import gradient
from compute.objectives.objective import Objective

ARROWS_PER_AXIS = 21
SMOOTH_BELOW = 128
"""Maps coarser than this are drawn from a bilinear upsampling (no overshoot below min F)."""
SMOOTH_TARGET = 256


@dataclass(frozen=True)
class MapFrame:
    """F on the grid and how to show it.

    axes : (nx,) or (nx,), (ny,); loss : (ny, nx) or (nx,) F (with the L2 term);
    display : F or log₁₀(F − min F + δ) (``compute.geometry.isolines.display_values``), same shape;
    image_axes, image : the display resampled for drawing: bilinear upsampling of coarse maps
    (network slices are 41 × 41), otherwise ``axes`` and ``display`` themselves;
    levels : (L,) isoline levels in display units; lines : L arrays (m, 2) of isoline vertices,
    NaN-separated, traced on ``image``; extra : other evaluated fields (a slice's accuracy);
    complete : False for the coarse images of a progressive slice.
    """

    axes: tuple[np.ndarray, ...]
    loss: np.ndarray
    display: np.ndarray
    levels: np.ndarray
    lines: tuple[np.ndarray, ...]
    log_scale: bool
    image_axes: tuple[np.ndarray, ...] = ()
    image: np.ndarray = field(default_factory=lambda: np.zeros(0))
    extra: dict[str, np.ndarray] = field(default_factory=dict)
    complete: bool = True


@dataclass(frozen=True)
class GradientField:
    """−∇F on a coarse lattice: points (k, n), descent directions (k, n) (not normalised)."""

    points: np.ndarray
    descent: np.ndarray


def _smooth(
    axes: tuple[np.ndarray, ...], display: np.ndarray
) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """Bilinear upsampling of a coarse 2-D display to about SMOOTH_TARGET samples per axis.

    Non-finite cells stay non-finite (nearest-neighbour upsampled mask): interpolation never
    invents finite values inside an overflow region.
    """
    if len(axes) != 2 or min(display.shape) >= SMOOTH_BELOW:
        return axes, display
    factor = max(2, SMOOTH_TARGET // max(display.shape))
    finite = np.isfinite(display)
    fill = float(display[finite].max()) if finite.any() else 0.0
    filled = np.where(finite, display, fill)
    up_axes = tuple(np.linspace(a[0], a[-1], (len(a) - 1) * factor + 1) for a in axes)
    zoom = [(len(up_axes[1]) / display.shape[0]), (len(up_axes[0]) / display.shape[1])]
    image = scipy.ndimage.zoom(filled, zoom, order=1, grid_mode=False, mode="nearest")
    mask = scipy.ndimage.zoom(finite.astype(float), zoom, order=0, grid_mode=False) > 0.5
    return up_axes, np.where(mask, image, np.nan)


def make_frame(
    axes: tuple[np.ndarray, ...],
    loss: np.ndarray,
    log_scale: bool,
    levels: int = 14,
    extra: dict[str, np.ndarray] | None = None,
    complete: bool = True,
) -> MapFrame:
    """A frame from F on a grid: display values, the drawn image, isoline levels and lines."""
    display = display_values(loss, log_scale)
    image_axes, image = _smooth(axes, display)
    if len(axes) == 2:
        lv = levels_for(display, levels)
        lines = tuple(isolines(image_axes[0], image_axes[1], image, lv))
    else:
        lv, lines = np.zeros(0), ()
    return MapFrame(
        axes, loss, display, lv, lines, log_scale, image_axes, image, dict(extra or {}), complete
    )


def map_frames(
    objective: Objective, window: Window, resolution: int, log_scale: bool
) -> Generator[MapFrame, None, MapFrame]:
    """F on the grid as frames: one for a cheap objective, coarse to fine for a progressive
    one (network slices). Returns the last (complete) frame."""
    if objective.progressive is None:
        grid = evaluate_loss(objective, window, resolution)
        frame = make_frame(grid.axes, grid.values["loss"], log_scale)
        yield frame
        return frame
    gen = objective.progressive(window.bounds, resolution)
    axes = window.axes(resolution)
    while True:
        try:
            block = next(gen)
        except StopIteration as stop:
            axes, values = stop.value
            values = dict(values)
            loss = values.pop("loss")
            frame = make_frame(axes, loss, log_scale, extra=values)
            yield frame
            return frame
        values = dict(block.values)
        loss = values.pop("loss")
        yield make_frame(axes, loss, log_scale, extra=values, complete=False)


def gradient_field(
    objective: Objective, window: Window, per_axis: int = ARROWS_PER_AXIS
) -> GradientField:
    """−∇F at per_axisⁿ lattice points of the window (chunked like the objective asks)."""
    axes = window.axes(per_axis)
    mesh = np.meshgrid(*axes, indexing="xy")
    pts = np.stack([m.ravel() for m in mesh], axis=-1)
    step = objective.chunk_points
    parts = [
        gradient(objective.loss, objective.as_tensor(pts[i : i + step]))
        for i in range(0, len(pts), step)
    ]
    g = torch.cat(parts).to("cpu", torch.float64)
    return GradientField(pts, -torch.nan_to_num(g, nan=0.0, posinf=0.0, neginf=0.0).numpy())


def landscape_geometry(
    landscape: Landscape, window: Window, resolution: int
) -> Generator[GradientField | GridBlock, None, LandscapeGrid]:
    """The gradient field (coarse lattice), then ‖∇F‖, λ_min and λ_max of ∇²F row block by
    row block (on a slice: of the 2-D restriction)."""
    shown = landscape.map_objective
    yield gradient_field(shown, window)
    return (yield from evaluate_grid(shown, window, resolution, shown.chunk_points))


def landscape_frames(
    landscape: Landscape,
    window: Window,
    resolution: int,
    log_scale: bool,
    with_geometry: bool = True,
) -> Generator[MapFrame | GradientField | GridBlock, None, LandscapeGrid | None]:
    """Map frames first, then (``with_geometry``) the gradient field and the field rows."""
    yield from map_frames(landscape.map_objective, window, resolution, log_scale)
    if not with_geometry:
        return None
    return (yield from landscape_geometry(landscape, window, resolution))
