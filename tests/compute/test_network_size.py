"""No fixed parameter cap: networks are refused only when they would not fit the free memory
(issue 17: "today's 2M limit goes"), built-in networks and users' models alike."""

import pytest
import torch

from compute import LandscapeError, build_problem, drain, random_plane, register_model
from compute.networks import memory
from compute.networks.slices import evaluate_slice


@pytest.mark.slow
def test_a_built_in_network_over_the_old_2m_cap_builds_and_slices():
    """digits-resnet at width 1024 with 2 blocks has 4.3M parameters (refused before); its
    slice equals the problem's own loss at the grid's points."""
    problem = build_problem("digits-resnet", {"width": 1024, "blocks": 2})
    assert problem.dim > 4_000_000
    plane = random_plane(problem.model.layout, problem.init, seed=1)
    grid = drain(evaluate_slice(problem, plane, resolution=3))
    (a_axis, b_axis), loss = grid.axes, grid.values["loss"]
    for i, j in ((0, 0), (2, 1)):
        theta = plane.origin + float(a_axis[j]) * plane.d1 + float(b_axis[i]) * plane.d2
        with torch.no_grad():
            expected = float(problem.loss(theta))
        assert loss[i, j] == pytest.approx(expected, rel=1e-4)


def test_a_network_too_large_for_the_free_memory_is_refused_in_one_line(monkeypatch):
    monkeypatch.setattr(memory, "free_memory", lambda: 64 * 2**20)  # 64 MiB free
    with pytest.raises(LandscapeError) as built_in:
        build_problem("digits-resnet", {"width": 1000, "blocks": 3})  # not built (cached) yet
    message = str(built_in.value)
    assert "GiB" in message and "smaller width" in message and "\n" not in message
    monkeypatch.setattr(memory, "free_memory", lambda: 2**18)  # under the digits themselves
    with pytest.raises(LandscapeError) as own:
        build_problem(register_model("resources/examples/digits_mlp.py:make").id)
    assert "samples=N" in str(own.value)
