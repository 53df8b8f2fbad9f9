"""Session files: exact round trips (hypothesis, toys and networks with planes and θ starts),
version-1 files, and refusal of every kind of bad file with one clear LandscapeError."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compute import (
    LandscapeError,
    PlaneSpec,
    RunConfig,
    RunSettings,
    Session,
    default_session,
    load_session,
    save_session,
    session_from_json,
    session_to_json,
)
from compute.sessions.session import HESSIAN_FIELDS, OVERLAYS

FORMAT = {"format": "landscape-explorer-session"}
floats = st.floats(-5, 5, allow_nan=False)
configs = st.builds(
    RunConfig.for_optimizer,
    st.sampled_from(["gd", "momentum", "nesterov", "adam", "newton"]),
    lr=st.floats(1e-4, 2.0),
    momentum=st.floats(0, 0.99),
    steps=st.integers(1, 5000),
    seed=st.one_of(st.integers(0, 100), st.integers(2**53, 2**63 - 1)),
    tol=st.one_of(st.none(), st.floats(0, 1e-3)),
    curvature_every=st.integers(0, 10**6),
)
net_configs = st.builds(
    RunConfig.for_optimizer,
    st.sampled_from(["gd", "momentum", "nesterov", "adam"]),
    lr=st.floats(1e-4, 2.0),
    momentum=st.floats(0, 0.99),
    steps=st.integers(1, 5000),
    batch_size=st.integers(0, 256),
    seed=st.one_of(st.integers(0, 100), st.integers(2**53, 2**63 - 1)),
    tol=st.one_of(st.none(), st.floats(0, 1e-3)),
    curvature_every=st.integers(0, 1000),
)
colors = st.sampled_from(["#E69F00", "#D55E00", "#000000"])
toy_runs = st.builds(
    RunSettings,
    st.tuples(floats, floats),
    configs,
    colors,
    st.booleans(),
    at=st.sampled_from(["point", "init"]),
    note=st.sampled_from(["", "a note"]),
)
vectors = st.lists(st.floats(-2, 2, width=32), min_size=3 * 64, max_size=3 * 64).map(
    lambda v: np.asarray(v, dtype="<f4").tobytes()
)
planes = st.one_of(
    st.builds(PlaneSpec, st.sampled_from(["random", "teacher"]), st.integers(0, 10**6)),
    st.builds(
        PlaneSpec,
        st.just("pca"),
        vectors=vectors,
        source=st.just("run 2"),
        explained=st.tuples(st.floats(0, 1), st.floats(0, 1)),
        orthonormal=st.booleans(),
    ),
)
net_runs = st.builds(
    RunSettings,
    st.tuples(floats, floats),
    net_configs,
    colors,
    st.booleans(),
    in_plane=st.booleans(),
    at=st.sampled_from(["point", "init"]),
    theta=vectors.map(lambda b: b[: 64 * 4]),
    plane=st.one_of(st.none(), planes),
    note=st.sampled_from(["", "start re-expressed"]),
)
views = {
    "log_scale": st.booleans(),
    "overlays": st.lists(st.sampled_from(OVERLAYS), unique=True).map(tuple),
    "equal_axes": st.booleans(),
    "hessian_field": st.sampled_from(HESSIAN_FIELDS),
}
toy_sessions = st.builds(
    Session,
    scenario=st.just("shamir"),
    params=st.fixed_dictionaries({"eps": st.floats(1e-3, 10)}),
    l2=st.floats(0, 5),
    constraint=st.sampled_from([None, "ball:2", "box:0.5"]),
    window=st.just((-3.0, 3.0, -2.0, 1.0)),
    resolution=st.integers(2, 4096),
    optimizer=configs,
    runs=st.lists(toy_runs, max_size=4).map(tuple),
    **views,
)
net_sessions = st.builds(
    Session,
    scenario=st.just("li-yuan"),
    params=st.fixed_dictionaries({"seed": st.integers(0, 100), "noise": st.floats(0, 1)}),
    l2=st.floats(0, 5),
    constraint=st.sampled_from([None, "ball:2", "ball:0.5@W", "box:1@W"]),
    window=st.just((-1.0, 1.5, -0.5, 0.5)),
    resolution=st.integers(2, 200),
    optimizer=net_configs,
    runs=st.lists(net_runs, max_size=3).map(tuple),
    plane=planes,
    in_plane=st.booleans(),
    **views,
)


@settings(max_examples=40, deadline=None)
@given(st.one_of(toy_sessions, net_sessions))
def test_json_round_trip_is_exact(s):
    back = session_from_json(json.loads(json.dumps(session_to_json(s))))
    assert back == s
    # the fields a dataclass comparison could hide behind defaults, one by one
    for name in ("in_plane", "plane", "hessian_field", "constraint", "overlays", "window"):
        assert getattr(back, name) == getattr(s, name)
    for key in ("batch_size", "curvature_every", "seed", "tol", "momentum", "steps"):
        assert getattr(back.optimizer, key) == getattr(s.optimizer, key)
    for a, b in zip(back.runs, s.runs, strict=True):
        assert (a.in_plane, a.plane, a.theta, a.at, a.note) == (
            b.in_plane,
            b.plane,
            b.theta,
            b.at,
            b.note,
        )
        assert a.optimizer == b.optimizer and a.visible == b.visible


def test_save_then_load_restores_the_same_state(tmp_path):
    s = default_session("psd-factorization").with_changes(
        l2=0.3,
        constraint="ball:1.5",
        runs=(RunSettings((0.5, -0.2), RunConfig.for_optimizer("adam"), "#D55E00"),),
    )
    path = save_session(s, tmp_path / "a.json")
    assert load_session(path) == s
    assert s.params == {"m11": 2.0, "m12": 0.5, "m22": 1.0}


def test_version_one_network_file_is_converted():
    """Version 1 kept the plane as "kind:seed" and the batch size at the top; its runs were
    (a, b) points of the session's plane."""
    data = FORMAT | {
        "version": 1,
        "scenario": "li-yuan",
        "window": [-1, 1, -1, 1],
        "optimizer": {"name": "adam", "lr": 0.01, "momentum": 0.9, "steps": 100},
        "runs": [{"start": [0.2, 0.1], "optimizer": {"name": "gd"}, "color": "#E69F00"}],
        "plane": "teacher:3",
        "batch_size": 32,
    }
    s = session_from_json(data)
    assert s.plane == PlaneSpec("teacher", 3)
    assert s.optimizer.batch_size == 32 and s.runs[0].optimizer.batch_size == 32
    assert s.runs[0].plane == PlaneSpec("teacher", 3) and s.runs[0].theta == b""


def test_invalid_changes_are_refused_and_leave_the_original_untouched():
    s = default_session()
    for bad in (
        {"constraint": "ball:0"},
        {"l2": -1.0},
        {"params": {"eps": -4}},
        {"window": (1.0, 0.0, 0.0, 1.0)},
        {"resolution": 0},
        {"overlays": ("nope",)},
        {"scenario": "nope"},
        {"optimizer": RunConfig(batch_size=8)},  # a toy has no samples
    ):
        with pytest.raises(LandscapeError):
            s.with_changes(**bad)
    assert s == default_session()


def _file(**fields):
    return json.dumps(FORMAT | {"version": 2, "scenario": "shamir"} | fields)


BAD_FILES = [
    ("{not json", "corrupt"),
    ("[]", "not a Landscape Explorer session"),
    (json.dumps(FORMAT | {"version": 3, "scenario": "shamir"}), "newer"),
    (json.dumps(FORMAT | {"version": "x"}), "version"),
    (json.dumps(FORMAT | {"version": True}), "version"),
    (json.dumps(FORMAT | {"version": 2}), "scenario"),
    (_file(runs=[{"start": [1, "a"]}]), "number"),
    (_file(runs=[{"start": [1]}]), "finite numbers"),
    (_file(constraint="ball:-1"), "positive"),
    (_file(params="xy"), "params"),
    (_file(resolution=float("nan")), "finite"),
    (_file(resolution=float("inf")), "finite"),
    (_file(resolution=2.5), "whole number"),
    (_file(optimizer={"steps": float("nan")}), "finite"),
    (_file(optimizer={"steps": 1e400}), "finite"),
    (_file(view={"log_scale": "no"}), "true or false"),
    (_file(view={"log_scale": "false"}), "true or false"),
    (_file(runs=[{"start": [0, 0], "visible": "yes"}]), "true or false"),
    (_file(surprise=1), "unknown field 'surprise'"),
    (_file(runs=[{"start": [0, 0], "extra": 1}]), "unknown field 'extra' in run 1"),
    (_file(runs=[{"start": [0, 0]}] * 501), "at most 500"),
    (_file(scenario="x" * 5000), "scenario"),
    (_file(params={"eps": 10**400}), "too large"),
    (_file(params={"n" * 100: 1}), "no parameter"),
    (_file(plane={"kind": "pca", "vectors": "!!"}), "base64"),
    (_file(window=[0, 1, 0, 1, 2, 3]), "window"),
]


@pytest.mark.parametrize(("text", "needle"), BAD_FILES)
def test_bad_files_raise_one_clear_error(tmp_path, text, needle):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(LandscapeError, match=needle) as err:
        load_session(path)
    assert len(str(err.value)) < 300  # echoed input is shortened


def test_huge_numbers_and_deep_nesting_are_refused(tmp_path):
    path = tmp_path / "big.json"
    path.write_text(_file(resolution=0).replace('"resolution": 0', '"resolution": ' + "9" * 5001))
    with pytest.raises(LandscapeError):
        load_session(path)
    path.write_text(
        '{"format": "landscape-explorer-session", "v": ' + "[" * 100000 + "]" * 100000 + "}"
    )
    with pytest.raises(LandscapeError, match="nest"):
        load_session(path)


def test_binary_missing_and_oversized_files(tmp_path):
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(LandscapeError):
        load_session(tmp_path / "bin.json")
    with pytest.raises(LandscapeError, match="cannot open"):
        load_session(tmp_path / "missing.json")
    big = tmp_path / "huge.json"
    with big.open("wb") as fh:
        fh.truncate(65 << 20)
    with pytest.raises(LandscapeError, match="larger than"):
        load_session(big)


def test_saving_to_a_folder_or_an_empty_name_is_refused(tmp_path):
    with pytest.raises(LandscapeError, match="not a file name"):
        save_session(default_session(), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_block_constraint_round_trips_and_is_refused_on_toys(tmp_path):
    s = default_session("residual-predictor").with_changes(
        params={"variant": "skip"}, constraint="ball:2.5@w,v"
    )
    assert load_session(save_session(s, tmp_path / "t4.json")) == s
    assert s.modes().constraint.blocks == ("w", "v") and s.modes().constraint.radius == 2.5
    with pytest.raises(LandscapeError, match="shamir is a toy"):
        default_session().with_changes(constraint="ball:1@w")
    with pytest.raises(LandscapeError, match="block names"):
        s.with_changes(constraint="ball:1@")


@pytest.mark.parametrize("seed", [0, 2**53 + 1, 2**62 + 5, 2**63 - 1])
def test_large_seeds_round_trip_exactly(seed):
    """JSON integers are read as integers: through float, 2⁵³ + 1 came back as 2⁵³ (and seeds
    above 2⁶² that RunConfig accepts were refused)."""
    s = default_session().with_changes(optimizer=RunConfig(seed=seed))
    assert session_from_json(json.loads(json.dumps(session_to_json(s)))).optimizer.seed == seed
