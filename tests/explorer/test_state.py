"""The Qt-free state (events, validation, labelled undo, gestures, run data), the job batching
and the pause gate, without a window."""

import dataclasses

import numpy as np
import pytest

from compute import (
    PlaneSpec,
    RunConfig,
    RunSettings,
    build_landscape,
    default_session,
    track_run,
)
from compute.scenarios import build_problem
from explorer.gestures import Gestures
from explorer.jobs import IDLE, Gate, batched
from explorer.state import AppState


def _recorder(state, *events):
    seen = []
    for name in events:
        getattr(state.events, name).connect(lambda payload, n=name: seen.append((n, payload)))
    return seen


def test_events_name_what_changed():
    state = AppState()
    seen = _recorder(state, "landscape", "view", "optimizer", "runs", "problem")
    state.update(l2=0.2)
    state.update(overlays=("isolines",))
    state.update(optimizer=RunConfig("adam", lr=0.01))
    state.update(params={"eps": 2.0})
    names = [n for n, _ in seen]
    assert names == ["landscape", "view", "optimizer", "problem", "landscape"]


def test_a_refused_change_keeps_the_state_and_says_why():
    state = AppState()
    messages = _recorder(state, "message")
    before = state.session
    assert not state.apply(l2=-1.0)
    assert state.session == before and not state.can_undo()
    assert messages and "λ" in messages[0][1].text and messages[0][1].kind == "error"


def test_drag_ticks_merge_into_one_labelled_undo_step():
    state = AppState()
    for eps in (1.1, 1.2, 1.3):
        state.update("parameter eps", merge="drag:eps", params={"eps": eps})
    state.update(l2=0.5)
    assert state.undo_label() == "L2 setting"
    state.undo()
    assert state.undo_label() == "parameter eps" and state.session.params["eps"] == 1.3
    state.undo()
    assert state.session.params["eps"] == 1.0 and not state.can_undo()
    state.redo()
    assert state.session.params["eps"] == 1.3 and state.redo_label() == "L2 setting"


def test_a_gesture_of_several_runs_is_one_undo_step():
    state = AppState()
    ids = Gestures(state).click(1.5, 2.0, every=True)
    assert len(ids) == 5 and state.undo_label() == "click (5 runs)"
    assert len({state.runs[i].settings.color for i in ids}) == 5
    state.undo()
    assert not state.runs and not state.can_undo()
    with state.gesture("two things"):
        state.update(l2=0.1)
        state.update(constraint="ball:2")
    assert state.undo_label() == "two things"
    state.undo()
    assert state.session == default_session()


def test_clicks_outside_the_window_start_nothing():
    state = AppState()
    messages = _recorder(state, "message")
    assert Gestures(state).click(10.0, 0.0) == [] and not state.runs
    assert "outside" in messages[-1][1].text


def test_amending_is_not_an_undo_step_and_a_derived_plane_yields_to_new_parameters():
    state = AppState(default_session("li-yuan"))
    pca = PlaneSpec("pca", vectors=np.zeros(3 * 64, "<f4").tobytes(), source="run 1")
    state.update(plane=pca)
    state.amend(in_plane=True)
    assert state.undo_label() == "plane"
    messages = _recorder(state, "message")
    state.update(params=dict(state.session.params) | {"seed": 3})
    assert state.session.plane == PlaneSpec("random", 0) and messages
    state.undo()
    assert state.session.plane == pca and state.session.params["seed"] == 0


def test_streamed_run_data_enters_the_state_with_events():
    problem = build_problem("li-yuan", {"dim": 3, "samples": 64, "test_samples": 16})
    landscape = build_landscape(problem, default_session("li-yuan").modes())
    state = AppState(default_session("li-yuan"))
    [rid] = state.add_runs([RunSettings((0.0, 0.0), RunConfig("gd", lr=0.05, steps=30), at="init")])
    seen = _recorder(state, "run_data")
    updates = list(track_run(landscape, state.runs[rid].settings))
    state.append_run_data(rid, updates[:5])
    state.append_run_data(rid, updates[5:])
    data = state.runs[rid].data
    assert len(seen) == 2 and data.steps.tolist() == list(range(31))
    assert data.thetas.shape == (len(data.coords), 9) and data.coords.shape[1] == 2
    np.testing.assert_array_equal(data.thetas[0], problem.init.numpy())
    assert np.isfinite(data.metric("metric")).all() and data.last("loss") < data.loss[0]


def test_batched_yields_in_groups_and_the_gate_pauses_and_steps():
    gate = Gate()
    items = list(batched((i for i in range(10)), gate, batch_seconds=1e9))
    assert items == [list(range(10))]
    gate.pause()
    gen = batched((i for i in range(3)), gate, batch_seconds=0.0)
    assert next(gen) is IDLE  # paused: nothing is produced
    gate.step()
    assert next(gen) == [0]
    assert next(gen) is IDLE
    gate.resume()
    assert [b for b in gen if b is not IDLE] == [[1], [2]]


def test_a_stopped_gate_ends_batched_and_closes_its_generator_there():
    """Stopping ends the work at its next item: batched returns None and the generator it
    drives is closed at once (its finally runs in the thread running it, not later)."""
    closed = []

    def work():
        try:
            while True:
                yield 1
        finally:
            closed.append(True)

    gate = Gate()
    gen = batched(work(), gate, batch_seconds=0.0)
    assert next(gen) == [1]
    gate.stop()
    with pytest.raises(StopIteration) as stop:
        next(gen)
    assert stop.value.value is None and closed == [True]


@pytest.mark.parametrize("name", ["state", "live", "results", "gestures", "scene"])
def test_the_state_modules_import_no_qt(name):
    import subprocess
    import sys

    qt = ("PySide6", "pyqtgraph", "superqt")
    code = f"import sys, explorer.{name}; print(any(m.startswith({qt}) for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_result_reaches_only_its_own_subscribers_and_is_replaced_not_changed():
    """Typed results: a subscriber of FRAME is not called for CRITICAL; the Results object a
    view held before is left as it was (results are replaced, never changed in place)."""
    from explorer.results import CRITICAL, FIELDS, FRAME, Results

    state = AppState()
    frames, points = [], []
    state.on_result(FRAME, frames.append)
    state.on_result(CRITICAL, points.append)
    before = state.results
    state.set_result(CRITICAL, ())
    state.set_result(FIELDS, {"hess_min": np.zeros((2, 2))})
    assert frames == [] and points == [()]
    assert before is not state.results and before == Results() and before.fields == {}
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.results.selected = 3  # type: ignore[misc]


def test_only_the_state_modules_emit_events():
    """Controllers and windows change the state through its methods; none calls an event's
    emit (Qt signals are named sig…, and only the two state modules emit)."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2] / "explorer"
    allowed = {root / "state.py", root / "lab" / "state.py", root / "events.py"}
    emitting = re.compile(r"\.(events\.\w+|_result_events\[[^]]+\])\.emit\(|state\.emit\(")
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if p not in allowed and emitting.search(p.read_text())
    ]
    assert offenders == []


def test_reprojected_run_data_leaves_the_old_data_as_it_was():
    from explorer.live import RunData

    data = RunData()
    data._parts["coords"] = [np.zeros((3, 2))]
    data._parts["steps"] = [np.arange(3)]
    new = data.reprojected(np.ones((3, 2)), np.full(3, 0.5))
    assert np.all(data.coords == 0) and np.all(new.coords == 1) and new.steps.tolist() == [0, 1, 2]
