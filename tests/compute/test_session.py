"""Session files: round trips (hypothesis), and refusal of corrupt, invalid or future files."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compute import LandscapeError, OptimizerConfig
from compute import session as ses

starts = st.tuples(st.floats(-5, 5), st.floats(-5, 5))
configs = st.builds(
    OptimizerConfig.for_optimizer,
    st.sampled_from(["gd", "momentum", "nesterov", "adam", "newton"]),
    lr=st.floats(1e-4, 2.0),
    momentum=st.floats(0, 0.99),
    steps=st.integers(1, 5000),
)
runs = st.builds(
    ses.RunSettings,
    starts,
    configs,
    st.sampled_from(["#1f77b4", "#D55E00", "#000000"]),
    st.booleans(),
)
sessions = st.builds(
    ses.Session,
    scenario=st.just("shamir"),
    params=st.fixed_dictionaries({"eps": st.floats(1e-3, 10)}),
    l2=st.floats(0, 5),
    constraint=st.sampled_from([None, "ball:2", "box:0.5"]),
    window=st.just((-3.0, 3.0, -2.0, 1.0)),
    resolution=st.integers(2, 1024),
    log_scale=st.booleans(),
    overlays=st.lists(st.sampled_from(ses.OVERLAYS), unique=True).map(tuple),
    optimizer=configs,
    runs=st.lists(runs, max_size=4).map(tuple),
)


@settings(max_examples=60, deadline=None)
@given(sessions)
def test_json_round_trip_is_exact(s):
    assert ses.from_json(json.loads(json.dumps(ses.to_json(s)))) == s


def test_save_then_load_restores_the_same_state(tmp_path):
    s = ses.default_session("psd-factorization").with_changes(
        l2=0.3,
        constraint="ball:1.5",
        runs=(ses.RunSettings((0.5, -0.2), OptimizerConfig.for_optimizer("adam"), "#D55E00"),),
    )
    path = ses.save(s, tmp_path / "a.json")
    assert ses.load(path) == s
    assert s.params == {"m11": 2.0, "m12": 0.5, "m22": 1.0}


def test_invalid_changes_are_refused_and_leave_the_original_untouched():
    s = ses.default_session()
    for bad in (
        {"constraint": "ball:0"},
        {"l2": -1.0},
        {"params": {"eps": -4}},
        {"window": (1.0, 0.0, 0.0, 1.0)},
        {"resolution": 0},
        {"overlays": ("nope",)},
        {"scenario": "nope"},
    ):
        with pytest.raises(LandscapeError):
            s.with_changes(**bad)
    assert s == ses.default_session()


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("{not json", "corrupt"),
        ("[]", "not a Landscape Explorer session"),
        ('{"format": "landscape-explorer-session", "version": 99, "scenario": "shamir"}', "newer"),
        ('{"format": "landscape-explorer-session", "version": "x"}', "version"),
        ('{"format": "landscape-explorer-session", "version": 1}', "malformed"),
        (
            '{"format": "landscape-explorer-session", "version": 1, "scenario": "shamir", '
            '"runs": [{"start": [1, "a"]}]}',
            "number",
        ),
        (
            '{"format": "landscape-explorer-session", "version": 1, "scenario": "shamir", '
            '"runs": [{"start": [1]}]}',
            "finite numbers",
        ),
        (
            '{"format": "landscape-explorer-session", "version": 1, "scenario": "shamir", '
            '"constraint": "ball:-1"}',
            "positive",
        ),
    ],
)
def test_bad_files_raise_one_clear_error(tmp_path, text, needle):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(LandscapeError, match=needle):
        ses.load(path)


def test_binary_and_missing_files(tmp_path):
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(LandscapeError):
        ses.load(tmp_path / "bin.json")
    with pytest.raises(LandscapeError, match="cannot open"):
        ses.load(tmp_path / "missing.json")
