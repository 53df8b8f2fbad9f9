"""Rotating the 3-D view of a 256² map: frames per second on a real OpenGL context.

    .venv/bin/python benchmarks/surface3d_bench.py [--frames N] [--size N]

Without a DISPLAY it starts Xvfb (Mesa's software renderer llvmpipe draws: no GPU). Ours: the
explorer's ``Surface3DView`` (pyqtgraph.opengl), each frame turns the camera 3° and repaints
and Qt paints it into the window (``update`` and the event loop, as a mouse drag does;
paints are counted). Baseline: the reference tool's way of showing a
surface in 3-D, matplotlib's mplot3d ``plot_surface`` (its ``plot_2D.py``), redrawn at each new
azimuth on an Agg canvas of the same size at the same resolution. Both draw the same heights
(checked). Ends with ``ratio: X`` = our frames per second / the baseline's; the target is
≥ 30 frames/s for ours.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from machine_load import busy_seconds, other_load

SIZE = (640, 480)


def start_display() -> subprocess.Popen[bytes] | None:
    if os.environ.get("DISPLAY"):
        return None
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        sys.exit("Xvfb is not installed (make test installs it)")
    read, write = os.pipe()
    proc = subprocess.Popen(
        [xvfb, "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as fh:
        os.environ["DISPLAY"] = ":" + fh.readline().strip()
    return proc


def landscape(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A rugged 256² loss map (a bowl with ripples and a saddle)."""
    x = np.linspace(-2, 2, n)
    y = np.linspace(-1.5, 1.5, n)
    xx, yy = np.meshgrid(x, y)
    loss = 0.5 + xx**2 * (1 + 0.3 * np.sin(4 * yy)) - 0.5 * yy**2 + yy**4 + 0.1 * np.cos(6 * xx)
    return x, y, loss - loss.min() + 1e-3


def ours(
    x: np.ndarray, y: np.ndarray, loss: np.ndarray, frames: int
) -> tuple[float, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    from OpenGL import GL
    from PySide6.QtWidgets import QApplication

    from explorer.app import configure_pyqtgraph, share_gl_contexts
    from explorer.views.surface3d import Surface3DView

    share_gl_contexts()
    app = QApplication.instance() or QApplication([])
    configure_pyqtgraph()
    view = Surface3DView()
    view.resize(*SIZE)
    view.show()
    view.show_map((x, y), loss)
    if view.gl is None:
        sys.exit(f"no OpenGL: {view.problem}")
    deadline = time.perf_counter() + 10
    while time.perf_counter() < deadline:  # until the window is on the (virtual) screen
        app.processEvents()
        handle = view.window().windowHandle()
        if handle is not None and handle.isExposed():
            break
    painted = [0]
    paint = view.gl.paintGL

    def counted() -> None:
        painted[0] += 1
        paint()

    view.gl.paintGL = counted
    heights = view.vertex_heights()
    for _ in range(5):  # warm up: shaders, buffers
        view.gl.grabFramebuffer()
    GL.glFinish()
    start = time.perf_counter()
    for _ in range(frames):  # as a mouse drag does: turn, update, let Qt paint and compose
        done = painted[0]
        view.gl.orbit(3.0, 0.0)  # calls update()
        while painted[0] == done:
            app.processEvents()
    seconds = time.perf_counter() - start
    assert painted[0] >= frames, f"only {painted[0]} of {frames} frames were painted"
    image = view.grab_image()
    assert image.width() == view.gl.width() and not image.isNull(), "nothing drawn"
    return frames / seconds, heights, view.drawn


def baseline(
    x: np.ndarray, y: np.ndarray, loss: np.ndarray, frames: int
) -> tuple[float, np.ndarray]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from compute import display_values

    z = display_values(loss, True)
    fig = Figure(figsize=(SIZE[0] / 100, SIZE[1] / 100), dpi=100)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_subplot(projection="3d")
    xx, yy = np.meshgrid(x, y)
    ax.plot_surface(xx, yy, z, cmap="cividis", rcount=len(y), ccount=len(x), linewidth=0)
    canvas.draw()
    start = time.perf_counter()
    for i in range(frames):
        ax.view_init(elev=30, azim=-60 + 3.0 * (i + 1))
        canvas.draw()
    return frames / (time.perf_counter() - start), z


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--size", type=int, default=256)
    args = parser.parse_args()
    display = start_display()
    try:
        x, y, loss = landscape(args.size)
        before = busy_seconds()
        t0 = time.perf_counter()
        fps, heights, drawn = ours(x, y, loss, args.frames)
        base_fps, base_z = baseline(x, y, loss, max(3, args.frames // 40))
        wall = time.perf_counter() - t0
    except BaseException:
        if display is not None:
            display.terminate()
        raise
    cols, rows = drawn
    assert np.allclose(heights, base_z[np.ix_(rows, cols)], rtol=1e-5, atol=1e-5), "not the same"
    print(f"map {args.size}×{args.size}, window {SIZE[0]}×{SIZE[1]}, software OpenGL (llvmpipe)")
    print(
        f"ours (pyqtgraph.opengl, Surface3DView, drawn as {len(drawn[0])}×{len(drawn[1])} "
        f"vertices): {fps:.1f} frames/s over {args.frames} frames"
    )
    print(
        "baseline (matplotlib mplot3d plot_surface, the reference tool's 3-D): "
        f"{base_fps:.2f} frames/s"
    )
    print(f"target ≥ 30 frames/s: {'met' if fps >= 30 else 'NOT met'}")
    print(other_load(before, wall))
    print(f"ratio: {fps / base_fps:.1f}")
    sys.stdout.flush()
    if display is not None:
        display.terminate()
    os._exit(0)  # Qt's teardown would talk to the display just closed


if __name__ == "__main__":
    main()
