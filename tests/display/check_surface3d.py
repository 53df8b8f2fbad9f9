"""The 3-D view on a real OpenGL context (run under Xvfb by tests/explorer/test_surface3d.py;
named check_* so the main, offscreen session does not collect it)."""

import numpy as np

from tests.explorer.conftest import click_data, finished, last_run, wait_idle


def bowl(x, y):
    return 1.0 + (x[None, :] - 0.3) ** 2 + 2.0 * (y[:, None] + 0.1) ** 2


def image_colours(image):
    """Distinct colours of a QImage (as 32-bit pixels)."""
    arr = np.frombuffer(image.constBits(), dtype=np.uint32, count=image.width() * image.height())
    return len(np.unique(arr))


def test_vertex_heights_are_the_map_values_and_the_frame_is_drawn(qtbot):
    from explorer.views.surface3d import Surface3DView

    view = Surface3DView()
    qtbot.addWidget(view)
    view.resize(480, 360)
    view.show()
    qtbot.waitExposed(view)
    assert view.problem is None and view.gl is not None, view.problem
    x, y = np.linspace(-1, 1, 33), np.linspace(-2, 2, 21)  # nx ≠ ny
    loss = bowl(x, y)
    view.log_height.setChecked(False)
    view.show_map((x, y), loss)
    np.testing.assert_allclose(view.vertex_heights(), loss, rtol=1e-6)  # float32 on the GPU side
    view.log_height.setChecked(True)
    expected = np.log10(loss - loss.min() + 1e-12 * (1 + abs(loss.min())))
    np.testing.assert_allclose(view.vertex_heights(), expected, rtol=1e-5, atol=1e-5)
    qtbot.wait(50)
    image = view.grab_image()
    assert image.width() > 100 and image_colours(image) > 50  # a shaded surface, not blank
    # a path through grid nodes lies on the surface: x, y as given, z = the map value there
    nodes = np.array([[x[3], y[2]], [x[10], y[7]], [x[20], y[15]]])
    view.set_run(1, "#E69F00", nodes)
    drawn = view.path_points(1)
    np.testing.assert_allclose(drawn[:, :2], nodes, rtol=1e-6)
    lift = 0.01 * (expected.max() - expected.min())
    np.testing.assert_allclose(
        drawn[:, 2], [expected[2, 3] + lift, expected[7, 10] + lift, expected[15, 20] + lift],
        rtol=1e-6,  # float32, as OpenGL takes it
    )  # fmt: skip
    view.remove_run(1)
    assert 1 not in view.paths


def test_the_windows_3d_view_follows_the_map_and_a_live_run(qtbot, window):
    window.toggle_surface3d()
    view = window.surface3d
    qtbot.waitExposed(view.gl)
    assert view.gl.width() >= 200 and view.gl.height() >= 200
    wait_idle(qtbot, window)
    frame = window.state.results.frame
    cols, rows = view.drawn
    assert len(cols) == 129 and cols[-1] == frame.display.shape[1] - 1  # 256² drawn as 129²
    shown = frame.display[np.ix_(rows, cols)]
    np.testing.assert_allclose(view.vertex_heights(), shown, rtol=1e-5, atol=1e-6)
    click_data(qtbot, window, 1.0, 1.0)
    qtbot.waitUntil(lambda: finished(last_run(window)), timeout=30000)
    wait_idle(qtbot, window)
    rid = max(window.state.runs)
    path = last_run(window).path()
    drawn = view.path_points(rid)
    assert len(path) > 5
    np.testing.assert_allclose(drawn[:, :2], path, rtol=1e-6, atol=1e-7)  # the trajectory
    assert image_colours(view.grab_image()) > 50
    # the rest keeps working: the 2-D map still takes clicks; the menu hides the dock
    window.menu_actions["surface3d"].trigger()
    assert not window.surface3d_dock.isVisible()


def test_forced_fallback_says_so_and_the_window_keeps_working(qtbot, window, monkeypatch):
    monkeypatch.setenv("LANDSCAPE_EXPLORER_NO_GL", "1")
    window.toggle_surface3d()
    view = window.surface3d
    assert view.gl is None and "OpenGL is switched off" in view.notice.text()
    qtbot.waitUntil(view.notice.isVisible)
    runs = len(window.state.runs)
    click_data(qtbot, window, 1.0, 1.0)
    qtbot.waitUntil(lambda: len(window.state.runs) == runs + 1, timeout=10000)
