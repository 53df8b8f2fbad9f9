"""Where a run's number goes on a map: beside its start, inside the axes, off the other runs
(and where a mark's name goes: beside it, inside the axes).

``draw_map`` writes each run's number at a first guess (up and left of its start); once the
figure's geometry is final, ``place_tags`` tries positions around the start, nearest first, and
prefers one whose text box lies inside the axes and touches no other run's path, no marker
(critical points, marks, the runs' ends), no tag placed before and no other text of the axes (a
mark's name); the position that costs least wins (COSTS: leaving the axes most, then another
run's path or tag, then a marker or a text; crossing its own path least), and a clear one
further out costs a little (RADII) more than one next to the start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.lines import Line2D
from matplotlib.path import Path
from matplotlib.text import Annotation, Text
from matplotlib.transforms import Bbox

DIRECTIONS = ((-1, 1), (1, 1), (-1, -1), (1, -1), (0, 1), (0, -1), (-1, 0), (1, 0))
"""Sides of the start tried in turn: up-left (the first guess), up-right, down-left, …"""
RADII = {3.0: 0, 7.0: 4, 12.0: 8}
"""Distances (points) from the start to the tag's nearest corner or edge, with what moving that
far costs (a tag far from its start is read as another point's)."""
CLEARANCE = 2.0
"""Points kept free around a tag (a path's halo and its markers are wider than its line)."""
COSTS = {"outside": 1000, "path": 100, "tag": 100, "marker": 10, "text": 10, "own": 2}
"""What a position that is not clear costs, per axes edge crossed and per thing touched."""


@dataclass(frozen=True)
class RunTag:
    """A run's number as drawn (``text``, anchored at its start) and its path (None when the
    run is a single point, or the text a mark's name); ``first``: the side tried first."""

    text: Annotation
    path: Line2D | None
    first: tuple[int, int] = DIRECTIONS[0]

    def offsets(self) -> list[tuple[float, float, int]]:
        """(dx, dy) points from the anchor and what going that far costs, in the order tried:
        nearest first, ``first`` first at each distance."""
        sides = [self.first, *(d for d in DIRECTIONS if d != self.first)]
        return [(dx * r, dy * r, cost) for r, cost in RADII.items() for dx, dy in sides]


def alignment(dx: float, dy: float) -> tuple[str, str]:
    """(ha, va) that puts a text offset by (dx, dy) from its anchor on that side of it."""
    ha = "right" if dx < 0 else "left" if dx > 0 else "center"
    va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
    return ha, va


def _display_path(line: Line2D) -> Path:
    return line.get_transform().transform_path(line.get_path())


@dataclass(frozen=True)
class Obstacles:
    """What a tag should not touch, in display units: other runs' paths (by tag), markers
    (critical points, marks, run starts and ends: (k, 2) centres with their radius), the tags
    placed so far and the axes' other texts."""

    paths: dict[int, Path]
    markers: list[tuple[np.ndarray, float]]
    tags: list[Bbox]
    texts: list[Bbox]


def _markers(ax: Axes, tags: Sequence[RunTag]) -> list[tuple[np.ndarray, float]]:
    """The centres (k, 2) and radius of every marker the axes draw (not the runs' paths)."""
    skip = {id(t.path) for t in tags}
    out = []
    for line in ax.get_lines():
        if id(line) in skip or line.get_marker() in ("", " ", "None", "none", None):
            continue
        xy = line.get_transform().transform(np.column_stack(line.get_data()))
        xy = xy[np.isfinite(xy).all(axis=1)]
        if len(xy):
            out.append((xy, line.get_markersize() / 2 * ax.figure.dpi / 72))
    return out


def _cost(tag: RunTag, box: Bbox, frame: Bbox, anchor: np.ndarray, seen: Obstacles) -> int:
    """What placing ``tag`` on ``box`` costs (COSTS; 0: clear)."""
    outside = sum((box.x0 < frame.x0, box.x1 > frame.x1, box.y0 < frame.y0, box.y1 > frame.y1))
    others = [p for k, p in seen.paths.items() if k != id(tag)]
    own = seen.paths.get(id(tag))
    markers = 0
    for xy, r in seen.markers:
        far = np.hypot(*(xy - anchor).T) > 1.0  # its own start marker sits at the anchor
        x, y = xy[far, 0], xy[far, 1]
        markers += bool(
            np.any((x > box.x0 - r) & (x < box.x1 + r) & (y > box.y0 - r) & (y < box.y1 + r))
        )
    return (
        COSTS["outside"] * outside
        + COSTS["path"] * sum(p.intersects_bbox(box, filled=False) for p in others)
        + COSTS["marker"] * markers
        + COSTS["tag"] * sum(box.overlaps(b) for b in seen.tags)
        + COSTS["text"] * sum(box.overlaps(b) for b in seen.texts)
        + COSTS["own"] * bool(own is not None and own.intersects_bbox(box, filled=False))
    )


def _put(tag: RunTag, offset: tuple[float, float], renderer: RendererBase, pad: float) -> Bbox:
    """Move ``tag`` to ``offset`` points from its start; its text box (display units), grown by
    ``pad`` on every side."""
    ha, va = alignment(*offset)
    tag.text.set(ha=ha, va=va)
    tag.text.xyann = offset
    return tag.text.get_window_extent(renderer).padded(pad)


def place_tags(ax: Axes, tags: Sequence[RunTag], renderer: RendererBase) -> None:
    """Move each tag of ``tags`` (in order) to the clearest position around its run's start
    (see the module's docstring); tags whose start is outside the axes are not drawn anyway."""
    ax.apply_aspect()
    frame = ax.get_window_extent(renderer)
    pad = CLEARANCE * ax.figure.dpi / 72
    own_texts = {id(t.text) for t in tags}
    seen = Obstacles(
        {id(t): _display_path(t.path) for t in tags if t.path is not None},
        _markers(ax, tags),
        [],
        [
            t.get_window_extent(renderer)
            for t in ax.texts
            if isinstance(t, Text) and id(t) not in own_texts and t.get_text()
        ],
    )
    for tag in tags:
        anchor = ax.transData.transform(tag.text.xy)
        if not frame.contains(*anchor):
            continue
        scored = []
        for dx, dy, far in tag.offsets():
            box = _put(tag, (dx, dy), renderer, pad)
            scored.append((far + _cost(tag, box, frame, anchor, seen), (dx, dy)))
        _, offset = min(scored, key=lambda s: s[0])  # the first of the cheapest
        seen.tags.append(_put(tag, offset, renderer, pad))
