"""Flying along a kept path: the marker visits the path's points in order over the map, the
profile's cursor follows it, and the GIF has the asked frames (Pillow only)."""

import json

import numpy as np
import pytest
from PIL import Image

from compute import LandscapeError, Modes, drain
from compute.figures.animate import animate
from compute.figures.fly import flight, path_flight
from compute.figures.scene import scene_from_session
from compute.paths.connect import connect
from compute.paths.result import PathRequest
from compute.scenarios import build_problem
from compute.sessions.kept_paths import record_of
from compute.sessions.session import Session


@pytest.fixture(scope="module")
def scene():
    problem = build_problem("factorization")
    result = drain(connect(problem, Modes(), (1, 1), (-1, -1), PathRequest("line", points=9)))
    session = Session(
        scenario="factorization", resolution=48, paths=(record_of(result, result.nodes),)
    )
    return drain(scene_from_session(session)), result


@pytest.mark.parametrize("count", [9, 17, 4])
def test_the_marker_visits_the_path_s_points_in_order(scene, count):
    s, result = scene
    where = flight(s.map.paths[0], count)
    assert where.nodes[0] == 0 and where.nodes[-1] == len(result.nodes) - 1
    assert (np.diff(where.nodes) >= 0).all()
    if count >= len(result.nodes):
        assert set(where.nodes) == set(range(len(result.nodes)))  # every point, in order
    np.testing.assert_allclose(where.xy, result.nodes[where.nodes])
    np.testing.assert_allclose(where.t, result.t[where.nodes])
    np.testing.assert_allclose(where.loss, result.profile["loss"][where.nodes])


def test_each_frame_draws_the_marker_and_the_profile_cursor_at_the_next_point(scene):
    s, result = scene
    flying = path_flight(s.map, 0, 9, s.profile, "double", dpi=50)
    images = []
    for i, image in enumerate(flying.frames()):
        images.append(image)
        np.testing.assert_allclose(np.column_stack(flying.marker.get_data()), result.nodes[[i]])
        assert flying.cursor.get_xdata()[0] == pytest.approx(result.t[i])
        np.testing.assert_allclose(
            np.column_stack(flying.dot.get_data()), [[result.t[i], result.profile["loss"][i]]]
        )
    assert len(images) == 9 and len({im.shape for im in images}) == 1
    assert (images[0] != images[-1]).any()  # the marker moved


def test_a_flight_gif_has_the_asked_frames_and_says_which_path(scene, tmp_path):
    s, _ = scene
    """9 frames for 9 points: one frame per point (Pillow merges equal consecutive frames, so
    a frame count above the points' would show fewer in the file, each held longer)."""
    out, side = animate(s, tmp_path / "fly.gif", fps=3, seconds=3, dpi=50, fly=0, profile=True)
    with Image.open(out) as gif:
        assert gif.n_frames == 9
        assert gif.info["duration"] == pytest.approx(1000 / 3, abs=10)  # in 1/100 s
    record = json.loads(side.read_text())["animation"]
    assert record["frames"] == 9
    assert record["flight"] == {"path": s.map.paths[0].describe(), "points": 9, "profile": True}


def test_a_flight_needs_a_kept_path(scene, tmp_path):
    s, _ = scene
    with pytest.raises(LandscapeError, match="no path 2"):
        animate(s, tmp_path / "a.gif", fly=1)
    bare = drain(scene_from_session(Session(scenario="factorization", resolution=16)))
    with pytest.raises(LandscapeError, match="no kept paths"):
        animate(bare, tmp_path / "a.gif", fly=0)
    assert list(tmp_path.iterdir()) == []
