"""The 3-D view: where OpenGL is missing (this offscreen session) it says so and the window keeps
working; on a real OpenGL context (Xvfb + Mesa's software renderer, started here) the checks in
tests/display/check_surface3d.py run in a process of their own and must all pass."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.explorer.conftest import click_data, wait_idle

ROOT = Path(__file__).resolve().parents[2]
CHECKS = ROOT / "tests" / "display" / "check_surface3d.py"


def test_without_opengl_the_view_says_so_and_the_window_keeps_working(qtbot, window):
    window.menu_actions["surface3d"].trigger()  # View ▸ 3-D surface (F3)
    view = window.surface3d
    qtbot.waitUntil(view.notice.isVisible)
    assert view.gl is None
    assert view.notice.text().startswith("3-D view unavailable: Qt's offscreen platform")
    runs = len(window.state.runs)
    click_data(qtbot, window, 1.0, 1.0)
    qtbot.waitUntil(lambda: len(window.state.runs) == runs + 1, timeout=10000)
    wait_idle(qtbot, window)
    # the view still follows the data it would draw (heights of the map, paths of runs)
    frame = window.state.results.frame
    assert view.heights.shape == frame.display.shape
    window.menu_actions["surface3d"].trigger()
    assert not window.surface3d_dock.isVisible()


@pytest.fixture(scope="module")
def display(tmp_path_factory):
    """A virtual X display (Xvfb, installed by `make test`), its number chosen by Xvfb."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.fail("Xvfb is not installed: `make test` installs it (apt-get install xvfb)")
    read, write = os.pipe()
    proc = subprocess.Popen(
        [xvfb, "-displayfd", str(write), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as fh:
        number = fh.readline().strip()
    if not number:
        proc.kill()
        pytest.fail("Xvfb did not start")
    runtime = tmp_path_factory.mktemp("xdg")
    runtime.chmod(0o700)
    yield {"DISPLAY": f":{number}", "XDG_RUNTIME_DIR": str(runtime)}
    proc.terminate()
    proc.wait(10)


@pytest.mark.slow
def test_3d_view_on_a_real_opengl_context(display):
    """Vertex heights equal the map values, a run's 3-D path equals its trajectory, the frame
    is drawn (not blank), the forced fallback says so: tests/display/check_surface3d.py."""
    env = os.environ | display | {"QT_QPA_PLATFORM": "xcb"}
    out = subprocess.run(
        [sys.executable, "-m", "pytest", str(CHECKS), "-q", "-p", "no:cacheprovider", "-x"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "3 passed" in out.stdout
