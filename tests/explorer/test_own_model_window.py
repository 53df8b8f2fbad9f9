"""Your own model in the window, driven as a user does: File ▸ Open model… on the BatchNorm CNN
example, a click trains a run, Alt+click gives the spectrum, the session saved and reopened
asks once before running the file's code and shows the same map; a broken file is one line with
its traceback a click away and the window keeps working."""

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from compute import unregister_scenario
from explorer.main_window import MainWindow

from .conftest import click_data, finished, last_run, type_into, wait_idle

EXAMPLE = Path(__file__).resolve().parents[2] / "resources/examples/digits_bn_cnn.py"
SLOW = 180000
pytestmark = pytest.mark.slow


def _open_model(qtbot, window, monkeypatch, path, function="make"):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (function, True))
    window.menu_actions["open_model"].trigger()
    wait_idle(qtbot, window, SLOW)


def _map_then_hold(qtbot, window):
    """Wait for the complete map of the session as it is now, then Esc: the critical-point
    search of a CNN slice takes minutes on this CPU (a user stops it the same way; it stays
    held until asked for)."""
    s = window.state.session

    def shown() -> bool:
        r = window.state.results
        return (
            r.landscape is not None
            and dict(r.landscape.problem.params) == dict(s.params)
            and r.frame is not None
            and r.frame.complete
            and r.frame.loss.shape == (s.resolution, s.resolution)
        )

    qtbot.waitUntil(shown, timeout=SLOW)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    wait_idle(qtbot, window, SLOW)


def test_the_batchnorm_cnn_example_gets_every_tool_and_reopens_with_one_question(
    qtbot, window, monkeypatch, tmp_path
):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(EXAMPLE), ""))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("make", True))
    window.menu_actions["open_model"].trigger()
    qtbot.waitUntil(lambda: window.state.session.scenario.startswith("model:"), timeout=SLOW)
    window.state.apply(resolution=9)
    _map_then_hold(qtbot, window)
    s = window.state.session
    assert s.scenario == f"model:{EXAMPLE}:make" and s.sliced
    controls = window.scenario_panel.controls
    type_into(qtbot, controls["eval_samples"].field, "200")  # a smaller evaluation set
    _map_then_hold(qtbot, window)
    frame = window.state.results.frame
    assert frame.loss.shape == (9, 9) and np.isfinite(frame.loss).all()
    assert (
        "BatchNorm: eval mode with the centre's running statistics"
        in window.state.results.plane_info
    )
    type_into(qtbot, window.optimizer_panel.steps, "15")
    click_data(qtbot, window, 0.2, -0.1)
    run = last_run(window)
    qtbot.waitUntil(lambda: finished(run), timeout=SLOW)
    assert run.status == "max_steps" and len(run.data.thetas) == 16  # θ₀ and 15 steps
    assert np.isfinite(run.data.loss).all() and len(run.data.loss) == 16
    assert np.linalg.norm(run.data.thetas[-1] - run.data.thetas[0]) > 1e-3  # it trained
    click_data(qtbot, window, 0.0, 0.0, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(
        lambda: not window.spectrum_ctl.busy() and window.state.results.spectrum is not None,
        timeout=SLOW,
    )
    assert window.state.results.spectrum is not None
    wait_idle(qtbot, window, SLOW)
    saved = tmp_path / "mine.json"
    assert window.sessions.save(saved)
    shown = window.state.results.frame.loss.copy()
    unregister_scenario(s.scenario)  # as in a new process: the model file is not loaded
    asked = []

    def question(*args, **kwargs):
        asked.append(args[2] if len(args) > 2 else "")
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    again = MainWindow(str(saved), restore_autosave=False)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    qtbot.waitUntil(lambda: again.state.session.scenario == s.scenario, timeout=SLOW)
    _map_then_hold(qtbot, again)
    assert len(asked) == 1 and str(EXAMPLE) in asked[0]
    assert again.state.session.scenario == s.scenario
    np.testing.assert_allclose(again.state.results.frame.loss, shown, rtol=1e-5)
    again.close()


def test_a_broken_model_file_is_one_line_with_its_traceback_and_the_window_keeps_working(
    qtbot, window, monkeypatch, tmp_path
):
    path = tmp_path / "broken.py"
    path.write_text("def make():\n    raise RuntimeError('my data folder is missing')\n")
    before = window.state.session
    _open_model(qtbot, window, monkeypatch, path)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=SLOW)
    assert window.banner.kind == "error"
    text = window.banner.label.text()
    assert "my data folder is missing" in text and "\n" not in text
    assert window.banner.more.isVisible() and "Traceback" in window.banner.details
    assert "broken.py" in window.banner.details
    assert window.state.session.scenario == before.scenario  # nothing changed
    click_data(qtbot, window, 1.0, 1.0)  # the window still works
    qtbot.waitUntil(lambda: finished(last_run(window)), timeout=SLOW)
