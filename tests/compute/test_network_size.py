"""No fixed parameter cap: networks are refused only when they would not fit the free memory
(issue 17: "today's 2M limit goes"), built-in networks and users' models alike."""

import pytest
import torch

from compute import LandscapeError, build_problem, drain, random_plane, register_model
from compute.networks import memory
from compute.networks.slices import evaluate_slice

EXAMPLE = "resources/examples/resnet18_digits.py"


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


@pytest.mark.slow
def test_a_resnet18_sized_own_model_slices_within_a_bounded_memory():
    """The ResNet-18 example (11.2M parameters, BatchNorm, 32×32 images) slices with progress;
    the values equal its own module's eval forward at θ (vector_to_parameters); the slice's
    peak memory stays a few parameter vectors (45 MB each), far under a grid's worth."""
    import ctypes
    import gc
    import runpy
    import threading

    import torch.nn.functional as F

    def rss() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096

    spec = register_model(f"{EXAMPLE}:make")
    problem = build_problem(spec.id, {"samples": 8})
    assert problem.dim == 11_173_962
    plane = random_plane(problem.layout, problem.init, seed=0)
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    base, peak, stop = rss(), [0], threading.Event()

    def sample() -> None:
        while not stop.wait(0.002):
            peak[0] = max(peak[0], rss())

    sampler = threading.Thread(target=sample)
    sampler.start()
    slices = evaluate_slice(problem, plane, (-0.5, 0.5, -0.5, 0.5), 3)
    blocks = []
    try:
        while True:
            blocks.append(next(slices))
    except StopIteration as done:
        result = done.value
    finally:
        stop.set()
        sampler.join()
    assert blocks and blocks[-1].evaluated.all()
    assert (max(peak[0], rss()) - base) / 2**20 < 1024
    model = runpy.run_path(EXAMPLE)["make"](samples=8)["model"].eval()  # the user's own
    x, y = problem.train  # the seeded evaluation set of 8 images
    for i, j in ((0, 0), (1, 2)):
        a, b = float(result.axes[0][j]), float(result.axes[1][i])
        torch.nn.utils.vector_to_parameters(
            plane.origin + a * plane.d1 + b * plane.d2, model.parameters()
        )
        with torch.no_grad():
            expected = float(F.cross_entropy(model(x), y))
        assert result.values["loss"][i, j] == pytest.approx(expected, rel=1e-4)
