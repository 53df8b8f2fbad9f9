"""A 3-D surface turning around its vertical axis, frame by frame (for a rotating GIF/MP4)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg

from compute.figures.compose import compose
from compute.figures.panels import SurfacePanel


def rotation_frames(
    panel: SurfacePanel, count: int, width: str | float = "single", dpi: int = 120
) -> Iterator[np.ndarray]:
    """``count`` RGB frames (h, w, 3) uint8 of ``panel`` seen from azimuth
    ``panel.azimuth + 360°·i/count`` (one full turn; the last frame leads back to the first)
    at the panel's elevation. The figure is composed once; each frame redraws it."""
    comp = compose([panel], None, width)
    fig, ax = comp.figure, comp.axes[0][0]
    fig.set_dpi(dpi)
    canvas: Any = FigureCanvasAgg(fig)  # its methods are untyped
    for i in range(count):
        ax.view_init(elev=panel.elevation, azim=panel.azimuth + 360.0 * i / count)  # type: ignore[attr-defined]
        canvas.draw()
        yield np.asarray(canvas.buffer_rgba())[..., :3].copy()
