"""Live redraw while a parameter slider is dragged: ours vs pyqtgraph's IsocurveItem path.

For each two-parameter toy scenario (shamir over eps, factorization over y, psd-factorization
over m12, deep-linear over y) the parameter sweeps ``--values`` values across its slider span
(``ParamSpec.span``); every value is one full redraw at 256×256 (and 512×512 for shamir):

* ours: ``compute.map_frames(..., log_scale=True)`` (F on the grid, display transform,
  14 contourpy isolines), ``LandscapeView.show_frame``, then the event loop's repaint;
* baseline: the same F grid and display values (``evaluate_loss``, ``display_values``,
  ``levels_for``) drawn in a plain pyqtgraph ``PlotWidget``: an ``ImageItem`` (same colour map
  and colour levels) and one ``pg.IsocurveItem`` per level (same levels, same data), then the
  same repaint.

Both widgets are shown at 900×700 (offscreen platform: real raster painting into the backing
store). A redraw ends when the view's viewport has received its paint event; the script counts
paint events and checks there is exactly one per redraw. pyqtgraph's marching squares is pure
Python (~25 ms per level at 256²), so by default the baseline redraws every 4th value of each
sweep at 256 (every 8th at 512) and its cost per redraw is the mean over those; ``--full``
redraws every value. Agreement: identical levels and image arrays (``np.array_equal``) on every
value both paths drew, and, for one frame per scenario, every IsocurveItem vertex lies within
one grid cell of a contourpy vertex of the same level and the bounding boxes agree within one
cell.

Ends with ``ratio: X`` = baseline seconds per redraw / ours, at 256×256, over all four
scenarios (total time / total redraws of each path).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as the app does: see explorer/launcher.py

import numpy as np
import pyqtgraph as pg
import scipy.spatial
from machine_load import busy_seconds, other_load
from PySide6.QtCore import QEvent, QObject, QRectF
from PySide6.QtWidgets import QApplication

from compute import Window, drain, map_frames, scenario
from compute.geometry.grid import evaluate_loss
from compute.geometry.isolines import display_values, levels_for
from compute.scenarios import build_problem
from explorer.app import configure_pyqtgraph
from explorer.views.style import MAP_COLORMAP

SWEEPS = (
    ("shamir", "eps"),
    ("factorization", "y"),
    ("psd-factorization", "m12"),
    ("deep-linear", "y"),
)
LEVELS = 14
SIZE = (900, 700)
TARGET_FPS = 30.0


class PaintCounter(QObject):
    """Counts the paint events a widget receives."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def repaint(app: QApplication, widget: pg.PlotWidget, counter: PaintCounter) -> None:
    """Let the event loop run what a redraw posts (scene update, layout, paint); force the paint
    synchronously if none happened."""
    before = counter.count
    app.processEvents()
    if counter.count == before:
        widget.viewport().repaint()
    assert counter.count > before, "the view was not repainted"


def show(widget: pg.PlotWidget, app: QApplication) -> PaintCounter:
    widget.resize(*SIZE)
    widget.show()
    for _ in range(5):
        app.processEvents()
    counter = PaintCounter()
    widget.viewport().installEventFilter(counter)
    return counter


class Ours:
    def __init__(self, app: QApplication) -> None:
        from explorer.views.landscape import LandscapeView

        self.app = app
        self.view = LandscapeView()
        self.view.setWindowTitle("ours: map_frames + LandscapeView")
        self.counter = show(self.view, app)

    def set_scenario(self, spec) -> None:
        self.view.set_axis_names(spec.axis_names)
        self.view.set_window(spec.window)
        self.app.processEvents()

    def redraw(self, objective, window: Window, resolution: int):
        frame = drain(map_frames(objective, window, resolution, log_scale=True))
        self.view.show_frame(frame)
        repaint(self.app, self.view, self.counter)
        return frame


class Baseline:
    """A plain PlotWidget: ImageItem + one IsocurveItem per level (children of the image)."""

    def __init__(self, app: QApplication) -> None:
        self.app = app
        self.widget = pg.PlotWidget(background="w")
        self.widget.setWindowTitle("baseline: ImageItem + pg.IsocurveItem")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.colormap.get(MAP_COLORMAP))
        self.widget.addItem(self.image)
        self.curves: list[pg.IsocurveItem] = []
        for _ in range(LEVELS):
            c = pg.IsocurveItem(level=0.0, pen=pg.mkPen(20, 20, 40, 90, width=1))
            c.setParentItem(self.image)  # IsocurveItem works in the image's pixel coordinates
            self.curves.append(c)
        self.counter = show(self.widget, app)

    def set_scenario(self, spec) -> None:
        self.widget.setRange(xRange=spec.window[:2], yRange=spec.window[2:], padding=0)
        self.app.processEvents()

    def redraw(self, objective, window: Window, resolution: int):
        grid = evaluate_loss(objective, window, resolution)
        display = display_values(grid.values["loss"], log_scale=True)
        levels = levels_for(display, LEVELS)
        # the colour range and non-finite handling LandscapeView.show_frame uses
        finite = display[np.isfinite(display)]
        lo, hi = (
            (float(np.percentile(finite, 1)), float(finite.max())) if finite.size else (0.0, 1.0)
        )
        hi = hi if hi > lo else lo + 1.0
        img = np.nan_to_num(display, nan=hi, posinf=hi, neginf=lo)
        self.image.setImage(img, levels=(lo, hi))
        x, y = grid.axes
        dx, dy = x[1] - x[0], y[1] - y[0]
        self.image.setRect(QRectF(x[0] - dx / 2, y[0] - dy / 2, dx * len(x), dy * len(y)))
        for c, level in zip(self.curves, levels, strict=False):
            c.setData(img, float(level))
            c.setVisible(True)
        for c in self.curves[len(levels) :]:
            c.setVisible(False)
        repaint(self.app, self.widget, self.counter)
        return grid.axes, levels


def check_geometry(frame, baseline: Baseline) -> tuple[int, int, float]:
    """Each IsocurveItem vertex within one cell of a contourpy vertex of its level, and the
    bounding boxes within one cell; returns (contourpy vertices, IsocurveItem vertices, worst
    vertex distance in cells)."""
    x, y = frame.axes
    dx, dy = x[1] - x[0], y[1] - y[0]
    n_ours = n_base = 0
    worst = 0.0
    for lines, curve in zip(frame.lines, baseline.curves, strict=False):
        if curve.path is None:
            curve.generatePath()
        path = curve.path
        uv = np.array(
            [(path.elementAt(i).x, path.elementAt(i).y) for i in range(path.elementCount())]
        )
        ours = lines[np.isfinite(lines).all(axis=1)]
        n_ours += len(ours)
        n_base += len(uv)
        assert (len(ours) == 0) == (len(uv) == 0), "a level has lines in one path only"
        if not len(uv):
            continue
        # image pixel (u, v) → data: pixel k's centre is at x[k]
        base = np.column_stack([x[0] + (uv[:, 0] - 0.5) * dx, y[0] + (uv[:, 1] - 0.5) * dy])
        scaled_o, scaled_b = ours / (dx, dy), base / (dx, dy)
        dist, _ = scipy.spatial.cKDTree(scaled_o).query(scaled_b)
        worst = max(worst, float(dist.max()))
        box_o = np.concatenate([scaled_o.min(0), scaled_o.max(0)])
        box_b = np.concatenate([scaled_b.min(0), scaled_b.max(0)])
        assert np.all(np.abs(box_o - box_b) <= 1.0), f"bounding boxes differ: {box_o} {box_b}"
    assert worst <= 1.0, f"an IsocurveItem vertex is {worst:.2f} cells from every contourpy one"
    return n_ours, n_base, worst


def sweep(app, ours, base, sid, name, resolution, n_values, stride):
    spec = scenario(sid)
    window = Window(spec.window)
    lo, hi = spec.param(name).span
    values = np.linspace(lo, hi, n_values)
    objectives = [build_problem(spec.id, {name: float(v)}).objective() for v in values]
    for path in (ours, base):
        path.set_scenario(spec)
        path.redraw(objectives[0], window, resolution)  # warm-up (first paint, first traces)
    p0 = ours.counter.count
    t_ours, frames = [], []
    for obj in objectives:
        t0 = time.perf_counter()
        frames.append(ours.redraw(obj, window, resolution))
        t_ours.append(time.perf_counter() - t0)
    assert ours.counter.count - p0 == len(objectives), "not one paint per redraw (ours)"
    p0 = base.counter.count
    t_base, shown = [], []
    chosen = list(range(0, n_values, stride))
    for k in chosen:
        t0 = time.perf_counter()
        axes, levels = base.redraw(objectives[k], window, resolution)
        t_base.append(time.perf_counter() - t0)
        frame = frames[k]
        assert np.array_equal(frame.levels, levels), f"{sid}: levels differ at {name}={values[k]}"
        assert all(np.array_equal(a, b) for a, b in zip(frame.axes, axes, strict=True))
        assert [c.level for c in base.curves[: len(levels)]] == list(frame.levels)
        shown.append((base.image.image, base.image.levels))
    assert base.counter.count - p0 == len(chosen), "not one paint per redraw (baseline)"
    # the image arrays and colour levels each path showed for the same slider value
    for k, (image, levels) in zip(chosen, shown, strict=True):
        ours.view.show_frame(frames[k])
        assert np.array_equal(ours.view.image.image, image), f"{sid}: images differ"
        assert np.allclose(ours.view.image.levels, levels), f"{sid}: colour levels differ"
    app.processEvents()
    geometry = check_geometry(frames[chosen[-1]], base)
    return np.array(t_ours), np.array(t_base), geometry


def fmt(t: np.ndarray) -> str:
    rate, mean, worst = len(t) / t.sum(), 1e3 * t.mean(), 1e3 * t.max()
    return f"{rate:6.1f} redraws/s  (mean {mean:6.1f} ms, max {worst:6.1f} ms, n={len(t)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--values", type=int, default=40, help="slider positions per sweep")
    parser.add_argument("--full", action="store_true", help="baseline redraws every value too")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    configure_pyqtgraph()
    app = QApplication.instance() or QApplication([])
    ours, base = Ours(app), Baseline(app)
    print(
        f"slider sweep: {args.values} values over each span, log colour scale, {LEVELS} isolines, "
        f"{SIZE[0]}x{SIZE[1]} widgets, platform {app.platformName()}, {args.threads} threads, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    runs = [(sid, name, 256) for sid, name in SWEEPS] + [("shamir", "eps", 512)]
    load, t_start = busy_seconds(), time.perf_counter()
    total_ours = total_base = 0.0
    n_ours = n_base = 0
    worst_fps = np.inf
    for sid, name, res in runs:
        stride = 1 if args.full else (4 if res <= 256 else 8)
        t_o, t_b, (v_o, v_b, dist) = sweep(app, ours, base, sid, name, res, args.values, stride)
        print(f"{sid} over {name}, {res}x{res}:")
        print(f"  ours     {fmt(t_o)}")
        print(f"  baseline {fmt(t_b)}")
        print(
            f"  agree: same levels and images; isoline vertices contourpy {v_o}, "
            f"IsocurveItem {v_b}, farthest IsocurveItem vertex {dist:.3f} cells from contourpy"
        )
        print(f"  ours meets >= {TARGET_FPS:.0f} redraws/s: {len(t_o) / t_o.sum() >= TARGET_FPS}")
        if res == 256:
            total_ours += t_o.sum()
            total_base += t_b.sum()
            n_ours += len(t_o)
            n_base += len(t_b)
            worst_fps = min(worst_fps, len(t_o) / t_o.sum())
    per_ours, per_base = total_ours / n_ours, total_base / n_base
    print(
        f"256x256, all four scenarios: ours {1e3 * per_ours:.1f} ms/redraw "
        f"({1 / per_ours:.1f}/s), baseline {1e3 * per_base:.1f} ms/redraw ({1 / per_base:.2f}/s)"
    )
    print(
        f"ours >= {TARGET_FPS:.0f} redraws/s in every scenario at 256x256: "
        f"{worst_fps >= TARGET_FPS} (slowest {worst_fps:.1f}/s)"
    )
    for widget in (ours.view, base.widget):
        widget.close()
        widget.deleteLater()
    app.processEvents()
    print(other_load(load, time.perf_counter() - t_start))
    print(f"ratio: {per_base / per_ours:.1f}")


if __name__ == "__main__":
    main()
