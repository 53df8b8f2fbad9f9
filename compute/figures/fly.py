"""A marker flying along a kept path over the map, frame by frame (``animate(..., fly=i)``).

The map (with its runs and paths) and, where the figure shows it, the profile panel are drawn
once; every frame restores that background and draws the marker at the next point of the path
and the profile's cursor at the same position t (with F there), as ``animate.frames`` does for
runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.lines import Line2D
from matplotlib.text import Text

from compute.errors import LandscapeError
from compute.figures.compose import compose
from compute.figures.panels import MapPanel, SeriesPanel
from compute.sessions.kept_paths import PathRecord

TEXT_HALO = [patheffects.withStroke(linewidth=1.6, foreground="white")]


@dataclass(frozen=True)
class Flight:
    """Where the marker is in each of ``count`` frames.

    nodes : (count,) the path's point shown in frame i, k_i = round(i·(K − 1)/(count − 1)) for
        a path of K points: the start in the first frame, the far end in the last, the points
        in order (every one of them when count ≥ K)
    xy : (count, 2) its map coordinates; t : (count,) its position along the path; loss :
        (count,) F there
    """

    nodes: np.ndarray
    xy: np.ndarray
    t: np.ndarray
    loss: np.ndarray


def flight(record: PathRecord, count: int) -> Flight:
    """The marker's places along ``record`` over ``count`` ≥ 2 frames (see ``Flight``)."""
    if count < 2:
        raise LandscapeError(f"a flight needs at least 2 frames, got {count}")
    points = len(record.t)
    nodes = np.rint(np.linspace(0, points - 1, count)).astype(int)
    xy = np.asarray(record.coords, dtype=float)[nodes, :2]
    return Flight(nodes, xy, np.asarray(record.t, dtype=float)[nodes], record.loss[nodes])


def flown_path(panel: MapPanel, index: int) -> PathRecord:
    """The kept path number ``index`` (0-based, in the legend's order) of ``panel``, or a
    one-line LandscapeError."""
    if panel.dim != 2 or not panel.paths:
        raise LandscapeError(
            "nothing to fly along: the map has no kept paths (connect two points first)"
        )
    if not 0 <= index < len(panel.paths):
        raise LandscapeError(
            f"there is no path {index + 1}: the map has {len(panel.paths)} (1 to "
            f"{len(panel.paths)})"
        )
    return panel.paths[index]


@dataclass(eq=False)
class PathFlight:
    """The composed figure of a flight and what moves in it: ``marker`` on the map, the
    profile's vertical ``cursor`` and ``dot`` (None without a profile panel), the ``label``
    with t and F. ``frames()`` yields the RGB frames (h, w, 3) uint8; after frame i the
    artists show ``flight``'s place i (what the tests read)."""

    flight: Flight
    marker: Line2D
    cursor: Line2D | None
    dot: Line2D | None
    label: Text
    canvas: Any  # FigureCanvasAgg: its methods are untyped

    def frames(self) -> Iterator[np.ndarray]:
        canvas, f = self.canvas, self.flight
        canvas.draw()
        background = canvas.copy_from_bbox(canvas.figure.bbox)
        for i in range(len(f.nodes)):
            canvas.restore_region(background)
            self.marker.set_data(f.xy[i : i + 1, 0], f.xy[i : i + 1, 1])
            self.label.set_text(f"t = {f.t[i]:.2f}   F = {f.loss[i]:.4g}")
            moving = [self.marker, self.label]
            if self.cursor is not None and self.dot is not None:
                self.cursor.set_xdata([f.t[i], f.t[i]])
                self.dot.set_data(f.t[i : i + 1], f.loss[i : i + 1])
                moving += [self.cursor, self.dot]
            for artist in moving:
                assert artist.axes is not None
                artist.axes.draw_artist(artist)
            canvas.blit(canvas.figure.bbox)
            yield np.asarray(canvas.buffer_rgba())[..., :3].copy()


def _moving_point(ax: Any, color: str, size: float) -> Line2D:
    line: Line2D = ax.plot(
        [], [], marker="o", ms=size, mfc=color, mec="w", mew=1.0, ls="none", zorder=9,
        animated=True,
    )[0]  # fmt: skip
    return line


def path_flight(
    panel: MapPanel,
    index: int,
    count: int,
    profile: SeriesPanel | None = None,
    width: str | float = "single",
    dpi: int = 120,
) -> PathFlight:
    """A flight of ``count`` frames along ``panel``'s kept path ``index`` (see ``flown_path``),
    beside ``profile`` (its cursor following the marker) where given."""
    record = flown_path(panel, index)
    where = flight(record, count)
    comp = compose([panel] if profile is None else [panel, profile], None, width)
    fig, ax = comp.figure, comp.axes[0][0]
    fig.set_dpi(dpi)
    canvas = FigureCanvasAgg(fig)
    marker = _moving_point(ax, record.color, 7.0)
    label = ax.text(
        0.98, 0.02, "", transform=ax.transAxes, ha="right", va="bottom",
        fontsize=comp.venue.small_size, path_effects=TEXT_HALO, animated=True,
    )  # fmt: skip
    cursor = dot = None
    if profile is not None:
        side = comp.axes[1][0]
        cursor = side.axvline(0.0, color=record.color, lw=0.8, ls=":", zorder=9, animated=True)
        dot = _moving_point(side, record.color, 5.0)
    return PathFlight(where, marker, cursor, dot, label, canvas)
