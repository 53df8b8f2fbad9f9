"""The map as a 3-D surface (pyqtgraph.opengl): height and colour from F (log or linear), the
runs as paths lying on it, critical points as markers; the mouse rotates (left drag), zooms
(wheel) and pans (middle drag, or Ctrl+left drag).

Where OpenGL cannot draw (no PyOpenGL, a Qt platform without OpenGL widgets, no context, or
``LANDSCAPE_EXPLORER_NO_GL=1``) the view says so in a line of text and draws nothing; the rest
of the window is unaffected.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QImage, QMatrix4x4
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from compute import CriticalPoint, display_values, surface_heights
from explorer.views.style import FIG, MAP_COLORMAP

NO_GL_ENV = "LANDSCAPE_EXPLORER_NO_GL"
NO_GL_PLATFORMS = ("offscreen", "minimal", "minimalegl", "vnc", "linuxfb")
"""Qt platforms whose windows cannot hold an OpenGL widget (QOpenGLWidget needs one)."""
LIFT = 0.01
"""Paths and markers float this fraction of the height range above the surface."""
MIN_SIZE = (260, 220)
MAX_DRAWN = 129
"""Vertices per axis of the drawn mesh: finer maps are drawn at every k-th sample (the last one
kept). Software OpenGL (Mesa's llvmpipe) pays per triangle: a 256² map as 129² vertices turns
four times faster and looks the same in a window (its cells are still about 5 px)."""
BOX = (2.0, 2.0, 1.0)
"""The drawn box: x and y span 2 units, the height range 1 (whatever the map's units)."""


def gl_unavailable() -> str | None:
    """Why the 3-D view cannot draw here (one line), or None when it can."""
    if os.environ.get(NO_GL_ENV, "") not in ("", "0"):
        return f"OpenGL is switched off ({NO_GL_ENV} is set)"
    try:
        import OpenGL.GL  # noqa: F401
    except Exception as exc:  # ImportError, or a broken libGL: the same answer for the user
        return f"PyOpenGL cannot load ({type(exc).__name__})"
    from PySide6.QtGui import QGuiApplication, QOffscreenSurface, QOpenGLContext

    app = QGuiApplication.instance()
    platform = app.platformName() if isinstance(app, QGuiApplication) else ""
    if platform in NO_GL_PLATFORMS:
        return f"Qt's {platform} platform has no OpenGL windows"
    context = QOpenGLContext()
    if not context.create():
        return "no OpenGL context could be created"
    surface = QOffscreenSurface()
    surface.create()
    if not context.makeCurrent(surface):
        return "the OpenGL context cannot be made current"
    version = context.format().version()
    context.doneCurrent()
    if tuple(version) < (2, 1):
        return f"OpenGL {version[0]}.{version[1]} is older than 2.1"
    return None


def drawn_indices(n: int, limit: int = MAX_DRAWN) -> np.ndarray:
    """The samples 0 … n − 1 drawn along an axis: every k-th, k = ⌈(n − 1)/(limit − 1)⌉, and
    the last."""
    step = max(1, -(-(n - 1) // (limit - 1)))
    return np.union1d(np.arange(0, n, step), [n - 1])


def _rgba(color: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    c = QColor(color)
    return (c.redF(), c.greenF(), c.blueF(), alpha)


class Surface3DView(QWidget):
    """The current map in 3-D; ``gl`` is the GLViewWidget (None where OpenGL is unavailable,
    then ``notice`` says why)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.log_height = QCheckBox("log height")
        self.log_height.setChecked(True)
        self.log_height.setToolTip("Height log₁₀(F − min F), as the log colour scale; else F")
        row.addWidget(self.log_height)
        row.addStretch(1)
        box.addLayout(row)
        self.problem = gl_unavailable()
        self.notice = QLabel(
            f"3-D view unavailable: {self.problem}. The 2-D map and everything else work as usual."
            if self.problem
            else ""
        )
        self.notice.setWordWrap(True)
        self.notice.setObjectName("surface3d-notice")
        box.addWidget(self.notice)
        self.notice.setHidden(not self.problem)  # once inside: a parentless show is a window
        self.axes: tuple[np.ndarray, np.ndarray] | None = None
        self.loss: np.ndarray | None = None
        self.heights = np.zeros((0, 0))
        self.drawn: tuple[np.ndarray, np.ndarray] = (np.zeros(0, int), np.zeros(0, int))
        self._range = (0.0, 1.0)
        self._runs: dict[int, tuple[str, np.ndarray, bool]] = {}
        self._critical: list[CriticalPoint] = []
        self.gl: Any = None
        self.paths: dict[int, Any] = {}
        if self.problem is None:
            self._build_gl(box)
        else:
            box.addStretch(1)
        self.log_height.toggled.connect(lambda _: self._redraw())

    def _build_gl(self, box: QVBoxLayout) -> None:
        import pyqtgraph.opengl as gl

        self.gl = gl.GLViewWidget()
        self.gl.setMinimumSize(
            MIN_SIZE[0], MIN_SIZE[1]
        )  # a zero-sized GL widget has no framebuffer
        self.gl.setBackgroundColor("w")
        self.gl.setCameraPosition(distance=4.5, elevation=30, azimuth=-60)
        self.group = gl.GLGraphicsItem.GLGraphicsItem()
        self.gl.addItem(self.group)
        self.surface = gl.GLSurfacePlotItem(smooth=False, computeNormals=False)
        self.surface.setParentItem(self.group)
        self.markers = gl.GLScatterPlotItem(pxMode=True)
        self.markers.setGLOptions("translucent")
        self.markers.setParentItem(self.group)
        box.addWidget(self.gl, 1)

    # data ---------------------------------------------------------------------------------
    def show_map(self, axes: Sequence[np.ndarray], loss: np.ndarray) -> None:
        """F (ny, nx) on the grid x (nx,) × y (ny,): the surface's height and colour."""
        x, y = (np.asarray(a, dtype=float) for a in axes)
        self.axes, self.loss = (x, y), np.asarray(loss, dtype=float)
        self._redraw()

    def set_run(self, rid: int, color: str, path: np.ndarray, visible: bool = True) -> None:
        """Run ``rid``'s path (K, 2) in map coordinates, drawn on the surface."""
        self._runs[rid] = (color, np.asarray(path, dtype=float).reshape(-1, 2), visible)
        self._draw_run(rid)

    def remove_run(self, rid: int) -> None:
        self._runs.pop(rid, None)
        item = self.paths.pop(rid, None)
        if item is not None and self.gl is not None:
            item.setParentItem(None)  # no longer under the drawn group
            self.gl.update()

    def show_critical(self, points: Sequence[CriticalPoint]) -> None:
        self._critical = list(points)
        self._draw_critical()

    def path_points(self, rid: int) -> np.ndarray:
        """(K, 3) the drawn path of run ``rid`` in map units (x, y, height)."""
        item = self.paths.get(rid)
        return np.zeros((0, 3)) if item is None or item.pos is None else np.asarray(item.pos)

    def vertex_heights(self) -> np.ndarray:
        """(ny', nx') the surface's vertex heights as drawn (from the GL item's mesh): the map's
        rows ``drawn[1]`` and columns ``drawn[0]`` (all of them up to MAX_DRAWN per axis)."""
        if self.gl is None or self.axes is None:
            return np.zeros((0, 0))
        z = self.surface._z  # pyqtgraph keeps (nx, ny); its vertices are built from it
        verts = self.surface.opts["meshdata"].vertexes()  # what is uploaded to OpenGL
        heights = np.asarray(verts[:, 2], dtype=float).reshape(np.shape(z))
        return heights.T

    def grab_image(self) -> QImage:
        """The rendered frame (an empty image without OpenGL)."""
        return self.gl.grabFramebuffer() if self.gl is not None else QImage()

    # drawing ------------------------------------------------------------------------------
    def _redraw(self) -> None:
        if self.axes is None or self.loss is None:
            return
        z = display_values(self.loss, self.log_height.isChecked())
        finite = np.isfinite(z)
        lo = float(z[finite].min()) if finite.any() else 0.0
        hi = float(z[finite].max()) if finite.any() else 1.0
        hi = hi if hi > lo else lo + 1.0
        self.heights, self._range = np.where(finite, z, hi), (lo, hi)
        if self.gl is None:
            return
        x, y = self.axes
        cols, rows = drawn_indices(len(x)), drawn_indices(len(y))
        self.drawn = (cols, rows)
        z = self.heights[np.ix_(rows, cols)]
        cmap = pg.colormap.get(MAP_COLORMAP)
        colors = cmap.map(((z - lo) / (hi - lo)).T.ravel(), mode="float")
        self.surface.setData(
            x=x[cols], y=y[rows], z=z.T, colors=np.asarray(colors).reshape(z.size, 4)
        )
        m = QMatrix4x4()  # the map's box → BOX, centred on the origin
        m.scale(BOX[0] / (x[-1] - x[0]), BOX[1] / (y[-1] - y[0]), BOX[2] / (hi - lo))
        m.translate(-(x[0] + x[-1]) / 2, -(y[0] + y[-1]) / 2, -lo)
        self.group.setTransform(m)
        for rid in self._runs:
            self._draw_run(rid)
        self._draw_critical()

    def _on_surface(self, xy: np.ndarray) -> np.ndarray:
        """(K, 3) points on the surface above ``xy`` (K, 2), lifted a little; off-map points
        dropped."""
        if self.axes is None or not len(xy):
            return np.zeros((0, 3))
        h = surface_heights(self.axes[0], self.axes[1], self.heights, xy)
        keep = np.isfinite(h)
        lift = LIFT * (self._range[1] - self._range[0])
        return np.column_stack([xy[keep], h[keep] + lift])

    def _draw_run(self, rid: int) -> None:
        if self.gl is None or rid not in self._runs:
            return
        import pyqtgraph.opengl as gl

        color, path, visible = self._runs[rid]
        pos = self._on_surface(path)
        item = self.paths.get(rid)
        if item is None:
            item = gl.GLLinePlotItem(width=2.5, antialias=True, mode="line_strip")
            item.setGLOptions("translucent")
            item.setParentItem(self.group)
            self.paths[rid] = item
        item.setData(pos=pos if len(pos) else np.zeros((0, 3)), color=_rgba(color))
        item.setVisible(visible and len(pos) > 1)

    def _draw_critical(self) -> None:
        if self.gl is None:
            return
        xy = np.array([p.point[:2] for p in self._critical], dtype=float).reshape(-1, 2)
        pos = self._on_surface(xy)
        kinds = [p.kind for p, ok in zip(self._critical, self._keep(xy), strict=True) if ok]
        colors = [_rgba(FIG.CRITICAL_MARKERS.get(k, FIG.CRITICAL_MARKERS["degenerate"])[2])
                  for k in kinds]  # fmt: skip
        self.markers.setData(
            pos=pos if len(pos) else np.zeros((0, 3)),
            color=np.array(colors).reshape(-1, 4) if colors else (0, 0, 0, 0),
            size=12.0,
        )

    def _keep(self, xy: np.ndarray) -> np.ndarray:
        if self.axes is None or not len(xy):
            return np.zeros(len(xy), dtype=bool)
        return np.isfinite(surface_heights(self.axes[0], self.axes[1], self.heights, xy))
