"""Several panels, one figure: a grid of equal-sized maps (and curves), labelled (a), (b), …,
with one colour bar per map or one shared colour bar, and one legend below the grid.

Geometry is laid out in inches (not by a layout engine), so every map of a row or grid gets the
same box whatever its title, colour bar or legend; the figure's height follows from the width
preset, the panels' aspect and the legend's measured height.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colorbar import Colorbar
from matplotlib.figure import Figure
from matplotlib.legend import Legend

from compute.errors import LandscapeError
from compute.figures.captions import titles as caption_titles
from compute.figures.curve_styles import merge_styles
from compute.figures.hessian_overlay import LEGEND_HANDLERS
from compute.figures.line_panels import curves_rows, draw_curves, draw_series
from compute.figures.map_overlays import Handles
from compute.figures.map_panel import colour_label, draw_map, in_order, panel_range
from compute.figures.panels import CurvesPanel, MapPanel, Panel, SeriesPanel, SurfacePanel
from compute.figures.run_colours import distinct_colours, runs_of
from compute.figures.run_tags import RunTag, place_tags
from compute.figures.shared_scale import bar_room, shared_scale
from compute.figures.spectrum_plot import draw_spectrum
from compute.figures.surface_panel import draw_surface
from compute.figures.venues import Venue, parse_layout, rc_params, venue

LEFT, RIGHT_PAD, BOTTOM = 0.55, 0.08, 0.36
"""Inches around every panel's axes: y tick labels and label, a gap, x tick labels and label."""
BAR_WIDTH, BAR_GAP, BAR_LABELS = 0.07, 0.05, 0.42
"""A colour bar's width, its gap to the map, and room for its tick labels and label."""
LEGEND_PAD = 0.06
CURVE_GAP = 0.06
"""Inches between the stacked axes of a curves panel."""
Box = tuple[float, float, float, float]
"""(left, top, width, height) in inches, top measured down from the figure's top edge."""
LEGEND_ORDER = (
    "run",
    "critical",
    "constraint",
    "curvature",
    "basin",
    "hessian",
    "overflow",
    "style",
)
"""Legend entries by kind (runs by number; other kinds in the order drawn)."""
ASPECT = {"curves2": 0.85, "curves3": 1.1, "spectrum": 0.7, "series": 0.75, "surface": 0.9}


@dataclass(frozen=True)
class Composition:
    """A composed figure and its parts (for saving, tests and further edits).

    figure : the matplotlib Figure (non-GUI canvas); axes : per panel, its axes (a curves
    panel has 2 or 3); titles : the panels' titles as drawn, "(a) …"; colorbars : one per
    2-D map, or one shared; legend : the shared legend (None without entries); venue : the
    width preset used
    """

    figure: Figure
    axes: tuple[tuple[Axes, ...], ...]
    titles: tuple[str, ...]
    colorbars: tuple[Colorbar, ...]
    legend: Legend | None
    venue: Venue


def _aspect(p: Panel) -> float:
    if isinstance(p, SurfacePanel):
        return ASPECT["surface"]
    if isinstance(p, MapPanel):
        if p.dim == 1:
            return 0.75
        b = p.bounds()
        return (b[3] - b[2]) / (b[1] - b[0]) if p.equal_axes else 1.0
    if isinstance(p, CurvesPanel):
        return ASPECT[f"curves{curves_rows(p)}"]
    return ASPECT["series" if isinstance(p, SeriesPanel) else "spectrum"]


def _colour_map(p: Panel) -> MapPanel | None:
    """The 2-D map ``p`` draws (flat or in 3-D) with a colour bar; None for other panels."""
    m = p.map if isinstance(p, SurfacePanel) else p
    return m if isinstance(m, MapPanel) and m.dim == 2 else None


def _legend(fig: Figure, handles: Handles, width: float) -> Legend | None:
    """The legend with as many columns as fit in ``width`` inches (measured)."""
    seen: dict[str, object] = {}
    for key, h in handles:
        seen.setdefault(key, h)

    def order(key: str) -> tuple[int, int]:
        kind, _, rest = key.partition(":")
        rank = LEGEND_ORDER.index(kind) if kind in LEGEND_ORDER else len(LEGEND_ORDER)
        return rank, int(rest) if kind == "run" and rest.isdigit() else 0

    items = [seen[k] for k in sorted(seen, key=order)]  # stable: equal ranks keep their order
    if not items:
        return None
    renderer = FigureCanvasAgg(fig).get_renderer()  # type: ignore[no-untyped-call]
    legend: Legend | None = None
    for ncols in range(min(len(items), 6), 0, -1):
        if legend is not None:
            legend.remove()
        legend = fig.legend(
            handles=items,
            loc="lower center",
            ncols=ncols,
            frameon=False,
            handler_map=LEGEND_HANDLERS,
        )
        if legend.get_window_extent(renderer).width / fig.dpi <= width - 0.1 or ncols == 1:
            break
    return legend


def compose(
    panels: Sequence[Panel],
    layout: str | None = None,
    width: str | float = "double",
    shared: bool = False,
    labels: bool | None = None,
) -> Composition:
    """One figure of ``panels`` in a grid.

    Parameters
    ----------
    panels : MapPanel, CurvesPanel, SpectrumPanel or SeriesPanel, in reading order
    layout : "ROWSxCOLS" (None: a row of up to three, then rows of three)
    width : "single" (3.25 in), "double" (6.75 in), "slide" (4.96 in) or inches
    shared : one colour scale and colour bar for every 2-D map (``shared_scale``: refused,
        LandscapeError, for maps of different losses or whose values lie orders of magnitude
        apart)
    labels : "(a)", "(b)", … before the titles (default: with more than one panel)

    Every map box has the same size (same width; height = width × aspect, 1 unless equal
    axes); titles are caption-style; runs are numbered 1, 2, … within the figure, each in a
    colour of its own (``run_colours``); one legend below the grid lists each run, marker
    kind, constraint and basin once.
    """
    # Long by design: the figure's layout decisions (grid, shared scale, legends, captions) depend
    # on each other and on one matplotlib figure.
    rows, cols = parse_layout(layout, len(panels))
    v = venue(width)
    panels = distinct_colours(panels)
    bar_label = ""
    if shared:
        panels, bar_label = shared_scale(panels)
    maps = [m for m in map(_colour_map, panels) if m is not None]
    has_maps = bool(maps)
    own_bars = has_maps and not shared
    shared_zone = 0.0
    if shared and has_maps:  # room for the shared bar's labels as measured (two lines of label)
        room = bar_room(*panel_range(maps[0]), bar_label, v, BAR_WIDTH)
        shared_zone = BAR_GAP + max(BAR_WIDTH + BAR_LABELS, room) + 0.06
    cell_w = (v.width - shared_zone) / cols
    ax_w = cell_w - LEFT - RIGHT_PAD - (BAR_GAP + BAR_WIDTH + BAR_LABELS if own_bars else 0.0)
    if ax_w < 0.4:
        raise LandscapeError(
            f"{cols} panels per row do not fit in {v.width:.2f} in: widen it or add rows"
        )
    line_h = v.font_size / 72 * 1.3
    chars = max(12, int((cell_w - LEFT + 0.2) * 72 / (v.font_size * 0.56)))
    titles = caption_titles(panels, len(panels) > 1 if labels is None else labels, chars)
    top_pads = [
        max(t.count("\n") + 1 for t in titles[r * cols : (r + 1) * cols]) * line_h + 0.06
        for r in range(rows)
    ]
    heights = [ax_w * _aspect(p) for p in panels]
    row_h = [max(heights[r * cols : (r + 1) * cols]) + top_pads[r] + BOTTOM for r in range(rows)]
    grid_h = sum(row_h)
    with matplotlib.rc_context(rc_params(v)):
        fig = Figure(figsize=(v.width, grid_h + 1.0))
        numbering = in_order(runs_of(panels))
        handles: Handles = []
        boxes: list[tuple[Axes, Box]] = []  # every axes with its box in inches from the top

        def add(box: Box, share: Axes | None = None, projection: str | None = None) -> Axes:
            ax = fig.add_axes((0, 0, 1, 1), sharex=share, projection=projection)
            boxes.append((ax, box))
            return ax

        all_axes: list[tuple[Axes, ...]] = []
        bars: list[Colorbar] = []
        mappables: list[ScalarMappable] = []
        map_boxes: list[Box] = []
        tagged: list[tuple[Axes, tuple[RunTag, ...]]] = []  # each map's axes and run numbers
        for i, p in enumerate(panels):
            r, c = divmod(i, cols)
            top = sum(row_h[:r]) + top_pads[r]  # inches below the figure's top edge
            x0 = c * cell_w + LEFT
            prefix = f"({string.ascii_lowercase[i]}) " if len(panels) > 1 else ""
            axes: tuple[Axes, ...]
            if isinstance(p, MapPanel | SurfacePanel):
                is_3d = isinstance(p, SurfacePanel)
                ax = add((x0, top, ax_w, heights[i]), projection="3d" if is_3d else None)
                drawn = (
                    draw_surface(ax, p, numbering, prefix)
                    if isinstance(p, SurfacePanel)
                    else draw_map(ax, p, numbering, prefix)
                )
                handles += drawn.handles
                tagged.append((ax, drawn.tags))
                axes = (ax,)
                if drawn.mappable is not None:
                    mappables.append(drawn.mappable)
                    map_boxes.append((x0, top, ax_w, heights[i]))
                    if own_bars:
                        cax = add((x0 + ax_w + BAR_GAP, top, BAR_WIDTH, heights[i]))
                        bar = fig.colorbar(drawn.mappable, cax=cax)
                        m = p.map if isinstance(p, SurfacePanel) else p
                        bar.set_label(colour_label(m.frame.log_scale))
                        bars.append(bar)
            elif isinstance(p, CurvesPanel):
                n = curves_rows(p)
                h = (heights[i] - CURVE_GAP * (n - 1)) / n
                stack: list[Axes] = []
                for k in range(n):
                    stack.append(
                        add((x0, top + k * (h + CURVE_GAP), ax_w, h), stack[0] if stack else None)
                    )
                for ax in stack[:-1]:
                    ax.tick_params(labelbottom=False)
                axes = tuple(stack)
                handles += draw_curves(axes, p, numbering, prefix[1:2])
            else:
                ax = add((x0, top, ax_w, heights[i]))
                handles += (
                    draw_series(ax, p) if isinstance(p, SeriesPanel) else draw_spectrum(ax, p)
                )
                axes = (ax,)
            axes[0].set_title(titles[i], loc="left")
            all_axes.append(axes)
        if shared and mappables:
            top = min(b[1] for b in map_boxes)
            bottom = max(b[1] + b[3] for b in map_boxes)
            cax = add((v.width - shared_zone + BAR_GAP, top, BAR_WIDTH, bottom - top))
            bar = fig.colorbar(mappables[0], cax=cax)  # every map has the same norm here
            bar.set_label(bar_label)
            bars.append(bar)
        legend = _legend(fig, merge_styles(handles), v.width)
        legend_h = 0.0
        if legend is not None:
            renderer = FigureCanvasAgg(fig).get_renderer()  # type: ignore[no-untyped-call]
            legend_h = legend.get_window_extent(renderer).height / fig.dpi + 2 * LEGEND_PAD
        height = grid_h + max(legend_h, 0.05)
        fig.set_size_inches(v.width, height)
        for ax, (x, t, w, h) in boxes:
            ax.set_position((x / v.width, (height - t - h) / height, w / v.width, h / height))
        if legend is not None:
            legend.set_bbox_to_anchor((0.5, LEGEND_PAD / height), transform=fig.transFigure)
        renderer = FigureCanvasAgg(fig).get_renderer()  # type: ignore[no-untyped-call]
        for ax, tags in tagged:
            place_tags(ax, tags, renderer)
        return Composition(fig, tuple(all_axes), tuple(titles), tuple(bars), legend, v)
