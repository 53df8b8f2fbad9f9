"""The landscape: a filled contour map with isolines (2-D) or the loss curve (1-D), and what
the user puts on it: runs, critical points, the constraint set, overlays."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtWidgets import QGraphicsItem, QWidget

from compute import Ball, Box, CriticalPoint, GradientField, MapFrame
from explorer.views.style import (
    CRITICAL_STYLE,
    FIG,
    MAP_COLORMAP,
    PX,
    InertCurve,
    arrow_segments,
    cache_axes,
    pen,
)

OVERLAY_Z = {
    "image": -20,
    "curvature": -15,
    "basins": -14,
    "hessian": -13,
    "isolines": -10,
    "gradient": -5,
    "constraint": 5,
    "critical": 10,
    "runs": 20,
}


class LandscapeView(pg.PlotWidget):
    """Map of F over two parameters, or F over one; emits user gestures in data coordinates.

    Signals: ``sigClicked(x, y, modifiers)`` on a left click inside the plot (y = 0 in 1-D),
    ``sigHovered(x, y)``, ``sigStartMoved(run_id, x, y)`` when a start handle is dragged,
    ``sigCriticalClicked(index)`` when a critical-point marker is clicked (index into the list
    last given to ``show_critical``).
    """

    sigClicked = Signal(float, float, object)
    sigHovered = Signal(float, float)
    sigStartMoved = Signal(int, float, float)
    sigCriticalClicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w")
        self.dim = 2
        item = self.getPlotItem()
        item.showGrid(x=False, y=False)
        item.setMenuEnabled(False)
        item.setContentsMargins(2, 10, 2, 2)  # the top tick label is half above the axis
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(OVERLAY_Z["image"])
        self.addItem(self.image)
        self.layers: dict[str, pg.ImageItem] = {}  # overlay images by name, made when drawn
        self.colorbar = pg.ColorBarItem(
            colorMap=pg.colormap.get(MAP_COLORMAP), interactive=False, width=18
        )
        self.colorbar.setImageItem(self.image, insert_in=item)
        cache_axes(item)
        for side in ("left", "bottom"):
            item.getAxis(side).enableAutoSIPrefix(False)  # "b (x0.001)" confuses coordinates
        self.colorbar.axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.overlay_bar: pg.ColorBarItem | None = None  # an overlay's own scale (curvature map)
        self.curve = pg.PlotDataItem(pen=pen(FIG.CURVE_COLOR, 1.0))
        self.addItem(self.curve)
        self.isolines: list[InertCurve] = []
        self.arrows = InertCurve(
            connect="pairs", pen=pen(FIG.GRADIENT_COLOR, 0.5, FIG.GRADIENT_ALPHA)
        )
        self.arrows.setZValue(OVERLAY_Z["gradient"])
        self.addItem(self.arrows)
        self.constraint = InertCurve(
            pen=pen(FIG.CONSTRAINT_COLOR, FIG.CONSTRAINT_WIDTH, style=Qt.PenStyle.DashLine)
        )
        self.constraint.setZValue(OVERLAY_Z["constraint"])
        self.addItem(self.constraint)
        self.critical: dict[str, pg.ScatterPlotItem] = {}
        for kind, (symbol, fill, size) in CRITICAL_STYLE.items():
            scatter = pg.ScatterPlotItem(
                symbol=symbol,
                size=size,
                brush=pg.mkBrush(fill),
                pen=pen(FIG.CRITICAL_EDGE, FIG.CRITICAL_EDGE_WIDTH),
            )
            scatter.setZValue(OVERLAY_Z["critical"])
            scatter.sigClicked.connect(self._marker_clicked)
            self.critical[kind] = scatter
            self.addItem(scatter)
        self.members = pg.ScatterPlotItem(
            symbol="o",
            size=PX * FIG.MEMBER_SIZE,
            pen=pen(FIG.CRITICAL_EDGE, FIG.CRITICAL_EDGE_WIDTH / 2),
            brush=FIG.MEMBER_COLOR,
        )
        self.members.setZValue(OVERLAY_Z["critical"] - 1)
        # clicks on a continuum's dots start runs (pyqtgraph's scene ignores accepted buttons)
        self.members.mouseClickEvent = lambda ev: ev.ignore()
        self.addItem(self.members)
        self.selection = {
            sign: InertCurve(connect="pairs", pen=pen(color, FIG.EIGENVECTOR_WIDTH))
            for sign, color in FIG.EIGENVECTOR_COLORS.items()
        }
        for arrow in self.selection.values():
            arrow.setZValue(OVERLAY_Z["critical"] + 1)
            self.addItem(arrow)
        self.paths: dict[int, InertCurve] = {}
        self.ends: dict[int, pg.TargetItem] = {}
        self.handles: dict[int, pg.TargetItem] = {}
        self.frame: MapFrame | None = None
        self.marks = pg.ScatterPlotItem(
            symbol=FIG.MARK_MARKER[1],
            size=PX * FIG.MARK_MARKER[2],
            brush=pg.mkBrush(FIG.MARK_COLOR),
            pen=pen(FIG.CRITICAL_EDGE, FIG.CRITICAL_EDGE_WIDTH),
        )
        self.marks.setZValue(OVERLAY_Z["critical"] + 2)
        self.marks.mouseClickEvent = lambda ev: ev.ignore()
        self.addItem(self.marks)
        self.mark_labels: list[pg.TextItem] = []
        self.scene().sigMouseClicked.connect(self._clicked)
        self.scene().sigMouseMoved.connect(self._moved)

    # the landscape ------------------------------------------------------------------------
    def set_axis_names(self, names: Sequence[str]) -> None:
        self.dim = len(names)
        item = self.getPlotItem()
        item.setLabel("bottom", names[0])
        item.setLabel("left", names[1] if self.dim == 2 else "F")
        self.colorbar.setVisible(self.dim == 2)
        self.image.setVisible(self.dim == 2)
        self.curve.setVisible(self.dim == 1)
        item.setLogMode(False, False)
        if self.dim == 1:
            self.enableAutoRange(axis="y")  # F's range, whatever the 2-D window was

    def set_window(self, bounds: Sequence[float]) -> None:
        if len(bounds) == 4:
            self.setRange(xRange=bounds[:2], yRange=bounds[2:], padding=0)
        else:
            self.setRange(xRange=bounds[:2], padding=0.02)
            self.enableAutoRange(axis="y")

    def show_frame(self, frame: MapFrame) -> None:
        """Draw F (image + isolines in 2-D, the curve in 1-D) from a computed frame."""
        self.frame = frame
        if len(frame.axes) == 1:
            self._set_isolines([])  # a 2-D map's isolines would stay on (and stretch) the curve
            self.arrows.setData([], [])
            for which in self.layers:
                self.show_overlay_image(which, None)
            self.curve.setData(frame.axes[0], _curve_values(frame))
            self.getPlotItem().setLogMode(False, frame.log_scale and _positive(frame.loss))
            return
        lo, hi = FIG.colour_range(frame.display)
        # the drawn image is the display resampled (smooth for coarse slices); overflow (inf,
        # NaN) saturates at the top colour rather than vanishing
        image = frame.image if frame.image.size else frame.display
        x, y = frame.image_axes or frame.axes
        self.image.setImage(np.nan_to_num(image, nan=hi, posinf=hi, neginf=lo), autoLevels=False)
        self.colorbar.setLevels((lo, hi))
        self.colorbar.axis.setLabel("log₁₀(F − min F)" if frame.log_scale else "F")
        self.image.setRect(_cell_rect(x, y))
        self._set_isolines(frame.lines)
        cx, cy = frame.axes
        for which in ("curvature",):  # drawn on the map's own grid
            if which in self.layers:
                self.layers[which].setRect(_cell_rect(cx, cy))

    def _set_isolines(self, lines: Sequence[np.ndarray]) -> None:
        while len(self.isolines) < len(lines):
            c = InertCurve(
                connect="finite", pen=pen(FIG.ISOLINE_COLOR, FIG.ISOLINE_WIDTH, FIG.ISOLINE_ALPHA)
            )
            c.setZValue(OVERLAY_Z["isolines"])
            self.addItem(c)
            self.isolines.append(c)
        for c, pts in zip(self.isolines, lines, strict=False):
            c.setData(pts[:, 0], pts[:, 1]) if len(pts) else c.setData([], [])
        for c in self.isolines[len(lines) :]:
            c.setData([], [])

    def show_isolines(self, visible: bool) -> None:
        for c in self.isolines:
            c.setVisible(visible)

    def show_gradient(self, field: GradientField | None) -> None:
        if field is None or self.dim != 2:
            self.arrows.setData([], [])
            return
        vb = self.getPlotItem().vb
        (x0, x1), _ = vb.viewRange()
        segs = arrow_segments(field.points, field.descent, FIG.GRADIENT_LENGTH * (x1 - x0))
        self.arrows.setData(segs[:, 0], segs[:, 1])

    def show_overlay_image(
        self, which: str, rgba: np.ndarray | None, axes: tuple[np.ndarray, ...] = ()
    ) -> None:
        """An RGBA overlay ``which`` (..., 4) on cells centred at ``axes`` (default: the map's
        grid), at depth ``OVERLAY_Z[which]``."""
        item = self.layers.get(which)
        if item is None:
            if rgba is None:
                return
            item = self.layers[which] = pg.ImageItem(axisOrder="row-major")
            item.setZValue(OVERLAY_Z.get(which, OVERLAY_Z["image"] + 1))
            self.addItem(item)
        if rgba is None or self.dim != 2:
            item.clear()
            item.setVisible(False)  # an empty image keeps its old rect in the auto range
            return
        item.setImage(rgba, autoLevels=False)
        item.setVisible(True)
        grid = axes or (self.frame.axes if self.frame is not None else ())
        if len(grid) == 2:
            item.setRect(_cell_rect(grid[0], grid[1]))

    def show_overlay_scale(
        self,
        which: str,
        cmap: str | None,
        levels: tuple[float, float] = (0.0, 1.0),
        label: str = "",
    ) -> None:
        """A second colour bar for overlay ``which`` drawn in its own colours (``cmap``, a
        matplotlib name, over ``levels``), labelled; None hides it. The map's bar keeps
        describing F, drawn underneath."""
        item = self.layers.get(which)
        if cmap is None or item is None:
            if self.overlay_bar is not None:
                self.overlay_bar.setVisible(False)
            return
        colormap = pg.colormap.get(cmap, source="matplotlib")
        if self.overlay_bar is None:
            self.overlay_bar = pg.ColorBarItem(colorMap=colormap, interactive=False, width=14)
            self.overlay_bar.setImageItem(item)
            layout = self.getPlotItem().layout
            layout.addItem(self.overlay_bar, 2, 6)  # right of the map's bar (at column 5)
            layout.setColumnFixedWidth(6, 5 + 14 + 40)
            self.overlay_bar.axis.enableAutoSIPrefix(False)
        else:
            self.overlay_bar.setColorMap(colormap)
        self.overlay_bar.setLevels(levels)
        self.overlay_bar.axis.setLabel(label)
        self.overlay_bar.setVisible(True)

    def set_equal_axes(self, equal: bool) -> None:
        """Equal axis scales (a ball looks round) or the window filling the view."""
        self.getPlotItem().vb.setAspectLocked(equal and self.dim == 2, ratio=1.0)

    def show_constraint(self, constraint: Ball | Box | None) -> None:
        if constraint is None:
            self.constraint.setData([], [])
            return
        r = constraint.radius
        if self.dim == 1:
            xs, ys = np.array([-r, -r, np.nan, r, r]), np.array([-1e9, 1e9, np.nan, -1e9, 1e9])
        elif isinstance(constraint, Ball):
            t = np.linspace(0, 2 * np.pi, 361)
            xs, ys = r * np.cos(t), r * np.sin(t)
        else:
            xs, ys = np.array([-r, r, r, -r, -r]), np.array([-r, -r, r, r, -r])
        self.constraint.setData(xs, ys, connect="finite")

    def show_critical(self, points: Sequence[CriticalPoint]) -> None:
        """Markers by kind (data = index into ``points``) and the dots of continua."""
        for kind, scatter in self.critical.items():
            chosen = [i for i, p in enumerate(points) if p.kind == kind]
            pos = self._run_xy(
                np.array([points[i].point for i in chosen]).reshape(-1, self.dim),
                np.array([points[i].loss for i in chosen]),
            )
            scatter.setData(pos=pos, data=chosen)
        sets = [p for p in points if len(p.members) > 1]
        members = np.concatenate([p.members for p in sets]) if sets else np.zeros((0, self.dim))
        losses = (
            np.concatenate([np.full(len(p.members), p.loss) for p in sets]) if sets else np.zeros(0)
        )
        self.members.setData(pos=self._run_xy(members, np.asarray(losses)))

    def show_marks(self, marks: dict[str, tuple[float, float, float]]) -> None:
        """Named reference points (teacher, init, …) at their (a, b); the label gives their
        distance from the plane when they are not in it."""
        for label in self.mark_labels:
            self.removeItem(label)
        self.mark_labels = []
        self.marks.setData(pos=[(a, b) for a, b, _ in marks.values()])
        for name, (a, b, dist) in marks.items():
            text = name if dist < 1e-6 else f"{name} ({dist:.2g} off plane)"
            label = pg.TextItem(
                text, color="#000000", fill=pg.mkBrush(255, 255, 255, 190), anchor=(0, 1)
            )
            label.setPos(a, b)
            label.setZValue(OVERLAY_Z["critical"] + 3)
            self.addItem(label)
            self.mark_labels.append(label)

    def window(self) -> tuple[float, ...]:
        """The visible data range: (x0, x1, y0, y1), or (x0, x1) for a 1-D map."""
        (x0, x1), (y0, y1) = self.getPlotItem().vb.viewRange()
        return (x0, x1, y0, y1) if self.dim == 2 else (x0, x1)

    def select_critical(self, point: CriticalPoint | None) -> None:
        """Draw ``point``'s Hessian eigenvectors (white: λ > 0, red: λ < 0)."""
        for item in self.selection.values():
            item.setData([], [])
        if point is None or self.dim != 2 or point.hessian_eigenvectors.size == 0:
            return
        (x0, x1), (y0, y1) = self.getPlotItem().vb.viewRange()
        length = FIG.EIGENVECTOR_LENGTH * min(x1 - x0, y1 - y0)
        for sign in ("positive", "negative"):
            cols = [
                i
                for i, lam in enumerate(point.hessian_eigenvalues)
                if (lam >= 0) == (sign == "positive")
            ]
            vecs = point.hessian_eigenvectors[:, cols].T
            if len(vecs):
                both = np.concatenate([vecs, -vecs])  # an eigenvector has no sign: arrows both ways
                segs = arrow_segments(np.repeat(point.point[None, :], len(both), 0), both, length)
                self.selection[sign].setData(segs[:, 0], segs[:, 1])

    # runs ---------------------------------------------------------------------------------
    def set_run(
        self, rid: int, color: str, path: np.ndarray, loss: np.ndarray, visible: bool
    ) -> None:
        """Draw (or update) run ``rid``: its path (T, n), a dot at its end, a start handle.

        In 1-D the path is drawn on the curve, at (w, F(w)); points without a finite F yet are
        skipped.
        """
        xy = self._run_xy(path, loss)
        if rid not in self.paths:
            self._add_run_items(rid, color, xy)
        line, end, handle = self.paths[rid], self.ends[rid], self.handles[rid]
        line.setData(xy[:, 0], xy[:, 1])
        for item in (line, end, handle):
            item.setVisible(visible and len(xy) > 0)
        if len(xy):
            end.setPos(*xy[-1])
            if (handle.pos().x(), handle.pos().y()) != tuple(xy[0]):
                handle.setPos(*xy[0])

    def _add_run_items(self, rid: int, color: str, xy: np.ndarray) -> None:
        line = InertCurve(pen=pen(color, FIG.RUN_WIDTH))
        # the end dot is a fixed-size marker moved along (cheaper than re-filling a scatter)
        end = pg.TargetItem(
            size=9, symbol="o", brush=pg.mkBrush(color), pen=pg.mkPen("#000000"), movable=False
        )
        end.mouseClickEvent = lambda ev: ev.ignore()
        start = tuple(xy[0]) if len(xy) else (0.0, 0.0)
        handle = pg.TargetItem(
            pos=start,
            size=14,
            symbol="o",
            pen=pg.mkPen("#000000"),
            brush=pg.mkBrush(color),
            movable=self.dim == 2,
        )
        handle.sigPositionChangeFinished.connect(
            lambda h, rid=rid: self.sigStartMoved.emit(rid, h.pos().x(), h.pos().y())
        )
        vb = self.getPlotItem().vb  # not PlotItem.addItem: quadratic in the number of items
        for z, item in enumerate((line, end, handle)):
            item.setZValue(OVERLAY_Z["runs"] + z)
            vb.addItem(item, ignoreBounds=self.dim == 2)
        self.paths[rid], self.ends[rid], self.handles[rid] = line, end, handle

    def _run_xy(self, path: np.ndarray, loss: np.ndarray) -> np.ndarray:
        if self.dim == 2:
            xy = np.asarray(path, dtype=float).reshape(-1, 2)
        else:
            w = np.asarray(path, dtype=float).reshape(-1)
            f = np.asarray(loss, dtype=float).reshape(-1)
            k = min(len(w), len(f))
            xy = np.column_stack([w[:k], f[:k]])
        return xy[np.isfinite(xy).all(axis=1)]

    def remove_run(self, rid: int) -> None:
        vb = self.getPlotItem().vb
        for store in (self.paths, self.ends, self.handles):
            item = store.pop(rid, None)
            if item is not None:
                vb.removeItem(item)

    # gestures -----------------------------------------------------------------------------
    def data_point(self, scene_pos: QPointF) -> tuple[float, float] | None:
        vb = self.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(scene_pos):
            return None
        p = vb.mapSceneToView(scene_pos)
        return p.x(), p.y()

    def _marker_clicked(self, _item: object, points: Sequence[object], event: object) -> None:
        """A critical marker: selects the point; with Alt, the spectrum at it (as Alt+click
        anywhere on the map), not a selection."""
        mods = event.modifiers()  # type: ignore[attr-defined]
        if mods & Qt.KeyboardModifier.AltModifier:
            pos = points[0].pos()  # type: ignore[attr-defined]
            self.sigClicked.emit(pos.x(), pos.y(), mods)
            return
        self.sigCriticalClicked.emit(int(points[0].data()))  # type: ignore[attr-defined]

    def _clicked(self, event: object) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.isAccepted():  # type: ignore[attr-defined]
            return
        xy = self.data_point(event.scenePos())  # type: ignore[attr-defined]
        if xy is not None:
            self.sigClicked.emit(xy[0], xy[1], event.modifiers())  # type: ignore[attr-defined]

    def _moved(self, scene_pos: QPointF) -> None:
        xy = self.data_point(scene_pos)
        if xy is not None:
            self.sigHovered.emit(*xy)


def _cell_rect(x: np.ndarray, y: np.ndarray) -> QRectF:
    """The rectangle an image of samples at x (nx,), y (ny,) covers: cells centred on them."""
    dx, dy = x[1] - x[0], y[1] - y[0]
    return QRectF(x[0] - dx / 2, y[0] - dy / 2, dx * len(x), dy * len(y))


def _positive(values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    return bool(finite.size) and bool(finite.min() > 0)


def _curve_values(frame: MapFrame) -> np.ndarray:
    return np.where(np.isfinite(frame.loss), frame.loss, np.nan)
