"""Figures draw kept paths: the path and its highest point on the map, the profile panel."""

import numpy as np
import pytest

from compute import LandscapeError, Modes, drain
from compute.figures.compose import compose
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
        scenario="factorization", resolution=64, paths=(record_of(result, result.nodes),)
    )
    return drain(scene_from_session(session)), result


def test_the_map_panel_draws_the_path_and_marks_its_highest_point(scene):
    s, result = scene
    assert len(s.map.paths) == 1
    figure = compose([s.map])
    ax = figure.axes[0][0]
    drawn = [np.column_stack(line.get_data()) for line in ax.get_lines()]
    assert any(d.shape == result.nodes.shape and np.allclose(d, result.nodes) for d in drawn)
    assert any(d.shape == (1, 2) and np.allclose(d, [[0.0, 0.0]]) for d in drawn)  # the saddle
    assert any("barrier 1" in t.get_text() for t in figure.legend.get_texts())


def test_the_profile_panel_is_the_loss_along_the_path(scene):
    s, result = scene
    profile = s.panel("profile")
    (series,) = profile.series
    np.testing.assert_allclose(series.x, result.t)
    s_ = 1 - 2 * result.t
    np.testing.assert_allclose(series.y, (1 - s_ * s_) ** 2, atol=1e-12)
    figure = compose([s.map, profile])
    assert len(figure.axes) == 2


def test_a_session_without_paths_has_no_profile_panel():
    s = drain(scene_from_session(Session(scenario="factorization", resolution=32)))
    assert s.profile is None
    with pytest.raises(LandscapeError, match="no paths"):
        s.panel("profile")
