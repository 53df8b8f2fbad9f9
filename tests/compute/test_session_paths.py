"""Sessions keep paths: exact round trips, strict refusal of bad path entries, old files."""

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from compute import LandscapeError, Modes, drain
from compute.paths.connect import connect
from compute.paths.result import PathRequest
from compute.scenarios import build_problem
from compute.sessions.file import from_json, load, save, to_json
from compute.sessions.kept_paths import MAX_PATHS, PathRecord, record_of
from compute.sessions.session import Session


@pytest.fixture(scope="module")
def record():
    problem = build_problem("factorization")
    result = drain(connect(problem, Modes(), (1, 1), (-1, -1), PathRequest("line", points=9)))
    return record_of(result, result.nodes)


def test_a_session_with_a_path_round_trips_through_its_file(tmp_path, record):
    s = Session(scenario="factorization", paths=(record,))
    back = load(save(s, tmp_path / "s.json"))
    assert back == s
    assert back.paths[0].barrier == pytest.approx(1.0)
    assert back.paths[0].index == 1
    np.testing.assert_allclose(back.paths[0].coords[-1], (-1, -1))


def test_old_session_files_load_and_write_no_paths_key(tmp_path):
    data = to_json(Session(scenario="shamir"))
    assert "paths" not in data
    assert from_json(data).paths == ()


finite = st.floats(-1e6, 1e6, allow_nan=False)


@given(
    st.integers(2, 20).flatmap(
        lambda k: st.tuples(
            st.lists(st.tuples(finite, finite), min_size=k, max_size=k),
            st.lists(finite, min_size=k, max_size=k),
        )
    ),
    st.sampled_from(["line", "aligned", "neb", "bezier"]),
)
def test_any_valid_path_round_trips_exactly(points, method):
    coords, loss = points
    k = len(coords)
    t = tuple(np.linspace(0, 1, k).tolist())
    rec = PathRecord(method, ("a", "b"), tuple(coords), t, {"loss": tuple(loss)}, 0.5, 0.25, 0, 1)
    s = Session(scenario="shamir", paths=(rec,))
    assert from_json(json.loads(json.dumps(to_json(s)))) == s


def _with_path(record, **changes):
    data = to_json(Session(scenario="factorization", paths=(record,)))
    data["paths"][0] |= changes
    return data


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"method": "tunnel"}, "method"),
        ({"colour": "#000000"}, "unknown field 'colour'"),
        ({"coords": [[0.0, 0.0, 0.0]] * 9}, "map coordinates"),
        ({"t": [1.0] + [0.5] * 8}, "rise"),
        ({"ends": ["a"]}, "two names"),
        ({"barrier": "high"}, "numbers"),
        ({"index": -1}, "index"),
        ({"highest": 99}, "highest"),
        ({"profile": {"Loss!": [0.0] * 9}}, "profile"),
        ({"visible": "yes"}, "true or false"),
    ],
)
def test_bad_path_entries_are_refused_by_name(record, changes, needle):
    with pytest.raises(LandscapeError, match=needle):
        from_json(_with_path(record, **changes))


def test_too_many_paths_are_refused(record):
    with pytest.raises(LandscapeError, match="paths"):
        Session(scenario="factorization", paths=(record,) * (MAX_PATHS + 1))


def test_the_gallerys_digits_resnet_paths_session_holds_what_the_readme_reports():
    """resources/sessions/digits-resnet-paths.json (resources/scripts/digits_resnet_paths.py):
    its three paths' barriers are their profiles' highest F minus the higher end, and the
    README's numbers (line 1.096, aligned 0.290, Bezier 0.0011)."""
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "resources/sessions/digits-resnet-paths.json"
    session = load(path)
    kept = {p.method: p for p in session.paths}
    assert set(kept) == {"line", "aligned", "bezier"} and session.plane.kind == "points"
    for p in kept.values():
        loss = np.asarray(p.profile["loss"])
        assert p.barrier == pytest.approx(loss.max() - max(loss[0], loss[-1]), rel=1e-6)
    assert kept["line"].barrier == pytest.approx(1.096, abs=5e-4)
    assert kept["aligned"].barrier == pytest.approx(0.290, abs=5e-4)
    assert kept["bezier"].barrier == pytest.approx(0.0011, abs=5e-5)
