"""A scenario registered from inside a test (a toy and a network) is listed by a window that
was opened before it existed, and every tool works on it: the map, click-to-run, critical
points, basins, the Hessian spectrum by Alt+click, export. Nothing in compute/ or explorer/
names it."""

import dataclasses

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt
from torch.func import hessian

import compute
from compute.networks import teacher_builders
from compute.scenarios.networks import NetworkSpec

from .conftest import click_data, finished, last_run, toggle, wait_idle

SLOW = 120000
TOY = "test-plugin-double-well"
NET = "test-plugin-tiny-student"


def _double_well(a: float):
    """F(x, y) = (x² − 1)² + a·y²: minima (±1, 0), a saddle at 0 with ∇²F = diag(−4, 2a)."""

    def loss(theta: torch.Tensor) -> torch.Tensor:
        x, y = theta[..., 0], theta[..., 1]
        return (x**2 - 1) ** 2 + a * y**2

    return loss


def _tiny_student(seed: int):
    """Li & Yuan's student and teacher at d = 2 on 32 samples, under this plug-in's id."""
    problem = teacher_builders.li_yuan(2, 32, 8, 0.5, 0.1, 0.0, seed)
    return dataclasses.replace(problem, id=NET, params={"seed": seed})


@pytest.fixture
def plugins():
    toy = compute.ToySpec(
        TOY,
        "A double well registered by a test",
        "F(x, y) = (x² − 1)² + a y²",
        "test",
        ("x", "y"),
        (-2.0, 2.0, -1.5, 1.5),
        _double_well,
        (compute.ParamSpec("a", 1.0, "curvature along y", 0.01, 10.0, span=(0.1, 3.0)),),
    )
    seed = compute.ParamSpec("seed", 0, "seed", 0, 1000, span=(0, 10), integer=True)
    net = NetworkSpec(
        NET,
        "A tiny student registered by a test",
        "‖ReLU((I + W)ᵀx)‖₁",
        "test",
        None,
        _tiny_student,
        (seed,),
    )
    compute.register_scenario(toy)
    compute.register_scenario(net)
    yield toy, net
    compute.unregister_scenario(TOY)
    compute.unregister_scenario(NET)


def _choose(qtbot, window, sid):
    """Open the combo's popup (which lists what was registered since) and choose ``sid``."""
    combo = window.scenario_panel.combo
    combo.showPopup()
    index = combo.findData(sid)
    assert index >= 0, f"{sid} is not listed"
    combo.hidePopup()
    combo.setCurrentIndex(index)
    wait_idle(qtbot, window, SLOW)


def _spectrum_at(qtbot, window, x, y):
    click_data(qtbot, window, x, y, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(
        lambda: not window.spectrum_ctl.busy() and window.state.results.spectrum is not None,
        timeout=SLOW,
    )
    return window.state.results.spectrum


def test_a_toy_registered_after_the_window_opened_gets_every_tool(qtbot, window, plugins, tmp_path):
    assert window.scenario_panel.combo.findData(TOY) < 0  # not there when the window opened
    window.state.apply(overlays=("isolines", "critical"))
    _choose(qtbot, window, TOY)
    r = window.state.results
    assert r.frame is not None and r.frame.complete
    x, y = r.frame.axes
    xx, yy = np.meshgrid(x, y)
    np.testing.assert_allclose(r.frame.loss, (xx**2 - 1) ** 2 + yy**2, rtol=1e-12, atol=1e-12)
    points = {p.kind: p for p in r.critical}
    minima = sorted(tuple(np.round(p.point, 6)) for p in r.critical if p.kind == "minimum")
    assert minima == [(-1.0, 0.0), (1.0, 0.0)]
    np.testing.assert_allclose(points["saddle"].point, [0.0, 0.0], atol=1e-8)
    click_data(qtbot, window, 0.4, 0.9)  # a run from there descends into the right well
    qtbot.waitUntil(lambda: finished(last_run(window)), timeout=SLOW)
    np.testing.assert_allclose(last_run(window).path()[-1], [1.0, 0.0], atol=1e-3)
    toggle(qtbot, window.modes_panel.overlays["basins"])
    qtbot.waitUntil(lambda: window.state.results.basins is not None, timeout=SLOW)
    basins = window.state.results.basins
    ax, ay = basins.axes
    near = basins.labels[np.abs(ay) < 0.5][:, (ax > 0.3) & (ax < 1.2)]
    well = [k for k, a in enumerate(basins.attractors) if a.points[0][0] > 0]
    assert well and (near == well[0]).all()  # near the right well: GD ends at (1, 0)
    wait_idle(qtbot, window, SLOW)
    spectrum = _spectrum_at(qtbot, window, 0.0, 0.0)
    eig = spectrum.report.eigen
    assert max(eig.top) == pytest.approx(2.0, rel=1e-6)  # 2a at the saddle: dense by hand
    assert min(eig.bottom) == pytest.approx(-4.0, rel=1e-6)
    target = tmp_path / "grid.npz"
    with qtbot.waitSignal(window.exporter.sigExported, timeout=SLOW):
        window.exporter.export("grid", target)
    with np.load(target) as z:
        assert z["basin_labels"].shape == basins.labels.shape
        assert len(z["critical_points"]) == len(r.critical)
    wait_idle(qtbot, window, SLOW)


@pytest.mark.slow
def test_a_network_registered_after_the_window_opened_gets_every_tool(
    qtbot, window, plugins, tmp_path
):
    _choose(qtbot, window, NET)
    r = window.state.results
    assert r.frame is not None and r.frame.complete and r.landscape.problem.id == NET
    assert r.critical_known
    click_data(qtbot, window, 0.3, -0.2)
    qtbot.waitUntil(lambda: finished(last_run(window)), timeout=SLOW)
    run = last_run(window)
    assert run.status != "error" and run.data.loss[-1] < run.data.loss[0]
    toggle(qtbot, window.modes_panel.overlays["basins"])
    qtbot.waitUntil(lambda: window.state.results.basins is not None, timeout=SLOW)
    assert window.state.results.basins.labels.size > 0
    wait_idle(qtbot, window, SLOW)
    landscape = window.state.results.landscape
    spectrum = _spectrum_at(qtbot, window, 0.25, 0.25)
    problem = landscape.problem.to(dtype=torch.float64)
    theta = landscape.plane.origin + 0.25 * landscape.plane.d1 + 0.25 * landscape.plane.d2
    dense = np.linalg.eigvalsh(hessian(problem.loss)(theta.to(torch.float64)).numpy())
    assert max(spectrum.report.eigen.top) == pytest.approx(dense[-1], rel=1e-3)
    target = tmp_path / "runs.npz"
    with qtbot.waitSignal(window.exporter.sigExported, timeout=SLOW):
        window.exporter.export("runs", target)
    assert target.stat().st_size > 200
    wait_idle(qtbot, window, SLOW)
