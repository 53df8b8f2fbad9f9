"""Where things appear on screen: the map and its isolines on an asymmetric, non-square window
(a transposed image or isolines traced with x and y swapped cannot pass)."""

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF

from compute.figures.style import COLORMAP, colour_range

from .conftest import pick, wait_idle

WINDOW = (-3.0, 3.0, -4.0, 2.0)


EPS = 0.5  # with ε = 1, F(w, v) = F(v + 1, w − 1): a transposed map on WINDOW would look right


def shamir(w, v, eps=EPS):
    """Seed 001, Example 1: F(w, v) = ½ (w (1 + ε v) − 1)² (written out independently)."""
    return 0.5 * (w * (1 + eps * v) - 1) ** 2


def _shamir_on(qtbot, window, log_scale):
    pick(qtbot, window, "shamir")
    window.state.apply("zoom", window=WINDOW, log_scale=log_scale, params={"eps": EPS})

    def drawn():
        frame = window.state.results.frame
        return frame.axes[1][0] == WINDOW[2] and frame.log_scale == log_scale

    qtbot.waitUntil(drawn, timeout=30000)
    wait_idle(qtbot, window)
    return window.state.results.frame


def _pixel(image, view, x, y):
    """The colour (r, g, b) drawn at data point (x, y), averaged over 3×3 device pixels."""
    vb = view.getPlotItem().vb
    p = view.mapFromScene(vb.mapViewToScene(QPointF(x, y)))
    ratio = image.devicePixelRatio()
    cx, cy = round(p.x() * ratio), round(p.y() * ratio)
    block = [image.pixelColor(cx + i, cy + j) for i in (-1, 0, 1) for j in (-1, 0, 1)]
    return np.mean([(c.red(), c.green(), c.blue()) for c in block], axis=0)


def test_map_colours_sit_where_their_values_are(qtbot, window):
    frame = _shamir_on(qtbot, window, log_scale=False)
    window.state.update(overlays=())  # no isolines over the sampled pixels
    qtbot.wait(200)
    image = window.view.grab().toImage()
    lo, hi = colour_range(frame.display)
    cmap = pg.colormap.get(COLORMAP)

    def colour(f):
        return np.asarray(cmap.map((np.clip(f, lo, hi) - lo) / (hi - lo), mode="float"))[:3] * 255

    def transposed(w, v):
        """Where a transposed image would take the colour shown at (w, v) from: the same
        fractions of the other axis's range."""
        fx, fy = (w - WINDOW[0]) / 6.0, (v - WINDOW[2]) / 6.0
        return WINDOW[0] + 6.0 * fy, WINDOW[2] + 6.0 * fx

    points = [(w, v) for w in np.linspace(-2.7, 2.7, 10) for v in np.linspace(-3.7, 1.7, 10)]
    misses, telling = [], 0
    for w, v in points:
        got, expected = _pixel(image, window.view, w, v), colour(shamir(w, v))
        if np.abs(got - expected).max() > 30:  # an isoline or the colour bar's rounding
            misses.append((w, v))
        telling += np.abs(colour(shamir(*transposed(w, v))) - expected).max() > 60
    assert len(misses) <= 5, misses
    assert telling >= 12  # points where a transposed image would show another colour


def test_isolines_on_screen_lie_on_their_levels(qtbot, window):
    frame = _shamir_on(qtbot, window, log_scale=True)
    levels = frame.levels
    drawn = [c.getData() for c in window.view.isolines if c.isVisible()]
    assert len(drawn) == len(levels) >= 5
    low = float(frame.loss.min())
    cell = max(np.diff(frame.axes[0])[0], np.diff(frame.axes[1])[0])
    for level, (x, y) in zip(levels, drawn, strict=False):
        keep = np.isfinite(x) & np.isfinite(y)
        assert keep.sum() > 10
        w, v = x[keep], y[keep]
        f = shamir(w, v)
        shifted = f - low + 1e-12 * (1 + abs(low))
        shown = np.log10(shifted)
        r = w * (1 + v) - 1  # ∇F = r (1 + v, w); ∇ log₁₀(F − low + δ) = ∇F / ((F − low + δ) ln 10)
        slope = np.hypot(r * (1 + v), r * w) / (shifted * np.log(10))
        # distance from each vertex to the true level set, in grid cells (first order): a
        # traced isoline is within a cell; one traced with x and y swapped is far off
        cells = np.abs(shown - level) / np.maximum(slope, 1e-12) / cell
        assert np.median(cells) < 0.5, (level, np.median(cells))


def test_a_one_parameter_scenario_after_a_map_shows_only_its_curve(qtbot, window):
    """After a 2-D map, the 1-D curve's y axis spans F (not the old window) and no isoline or
    overlay of the map stays on it."""
    _shamir_on(qtbot, window, log_scale=True)
    pick(qtbot, window, "activation")
    wait_idle(qtbot, window)
    x, f = window.view.curve.getData()
    assert len(x) > 10 and x[0] == -3.0
    (lo, hi) = window.view.getPlotItem().vb.viewRange()[1]
    span = f.max() - f.min()
    assert f.min() - 0.1 * span <= lo <= f.min() and f.max() <= hi <= f.max() + 0.1 * span
    assert all(c.getData()[0] is None or len(c.getData()[0]) == 0 for c in window.view.isolines)
    left = window.view.getPlotItem().getAxis("left")
    assert left.isVisible() and left.labelText == "F"


def test_map_cells_on_screen_are_centred_on_their_samples_on_a_non_square_window(qtbot, window):
    """A window 6 wide and 2 high (cells three times wider than high): the drawn image reaches
    half a cell beyond the first and last samples, by hand from the window and the counts."""
    pick(qtbot, window, "shamir")
    window.state.apply("zoom", window=(-3.0, 3.0, -1.0, 1.0))
    qtbot.waitUntil(lambda: window.state.results.frame.axes[1][0] == -1.0, timeout=30000)
    wait_idle(qtbot, window)
    frame = window.state.results.frame
    ix, iy = frame.image_axes or frame.axes
    h, k = 6.0 / (len(ix) - 1), 2.0 / (len(iy) - 1)
    rect = window.view.image.mapRectToParent(window.view.image.boundingRect())
    assert (rect.left(), rect.right()) == pytest.approx((-3.0 - h / 2, 3.0 + h / 2))
    assert (rect.top(), rect.bottom()) == pytest.approx((-1.0 - k / 2, 1.0 + k / 2))
