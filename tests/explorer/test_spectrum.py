"""The Spectrum panel driven as a user does: the shamir saddle's ±ε, a clicked point of the
li-yuan slice and a run's point against dense Hessians, Ritz values streaming before the
result, cancel, and seed 001's ε-SOPSP section."""

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt
from torch.func import grad, jacrev

from explorer.controllers.spectrum import SpectrumController
from explorer.results import SELECTED, SPECTRUM, SPECTRUM_PROGRESS
from explorer.views.spectrum import SpectrumPanel, symlog, symlog_ticks

from .conftest import click_data, finished, last_run, pick, toggle, type_into, wait_idle

SLOW = 90000


def panel_for(qtbot, window):
    """A controller and a panel on the window's state and jobs, and the result events seen."""
    ctl = SpectrumController(window.state, window.jobs)
    panel = SpectrumPanel(window.state, ctl)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    seen = []
    for key in (SPECTRUM, SPECTRUM_PROGRESS):
        window.state.on_result(key, lambda _, name=key.name: seen.append(name))
    window.state.events.message.connect(lambda m: seen.append(f"{m.kind}: {m.text}"))
    return ctl, panel, seen


def wait_spectrum(qtbot, window, ctl):
    """The spectrum once the job is done (the messages say why when it never comes)."""
    qtbot.waitUntil(
        lambda: not ctl.busy() and window.state.results.spectrum is not None, timeout=SLOW
    )
    return window.state.results.spectrum


def dense_eigenvalues(problem, theta, l2=0.0):
    """eigvalsh of the assembled float64 Hessian (+ λI): no products, no Lanczos."""
    p64 = problem.to(dtype=torch.float64)
    t = torch.as_tensor(np.asarray(theta, dtype=float))
    return np.linalg.eigvalsh(jacrev(grad(p64.loss))(t).numpy()) + l2


def test_shamir_saddle_shows_plus_minus_eps(qtbot, window):
    """Seed 001, Example 1: at the saddle (0, −1/ε) the Hessian has eigenvalues ±ε."""
    ctl, panel, seen = panel_for(qtbot, window)
    eps = window.state.session.params["eps"]
    points = window.state.results.critical
    saddle = next(i for i, p in enumerate(points) if p.kind == "saddle")
    np.testing.assert_allclose(points[saddle].point, [0.0, -1 / eps], atol=1e-8)
    window.state.set_result(SELECTED, saddle)  # the map centres on it and is recomputed
    wait_idle(qtbot, window)
    selected = window.state.results.critical[window.state.results.selected]
    assert selected.kind == "saddle"
    qtbot.mouseClick(panel.at_selected, Qt.MouseButton.LeftButton)
    result = wait_spectrum(qtbot, window, ctl)
    assert result.report.eigen.top == pytest.approx([eps], rel=1e-10)
    assert result.report.eigen.bottom == pytest.approx([-eps], rel=1e-10)
    assert "spectrum_progress" in seen and seen.index("spectrum_progress") < seen.index("spectrum")
    assert panel.table.rowCount() == 2
    assert float(panel.table.item(0, 1).text()) == pytest.approx(eps, rel=1e-6)
    assert float(panel.table.item(1, 1).text()) == pytest.approx(-eps, rel=1e-6)
    assert panel.table.item(0, 3).text() == "✓"
    assert "shamir" in panel.header.text() and "saddle" in panel.header.text()
    assert not panel.sopsp.isVisible()  # ε-SOPSP belongs to the residual predictor


def test_li_yuan_clicked_point_and_run_agree_with_dense(qtbot, window):
    """A click on the slice at (a, b) means θ₀ + a·d₁ + b·d₂; the spectrum there, and at the
    end of the run the click started, against eigvalsh of the assembled Hessian."""
    pick(qtbot, window, "li-yuan")
    ctl, panel, seen = panel_for(qtbot, window)
    toggle(qtbot, panel.density)
    type_into(qtbot, panel.tol, "1e-9")
    assert ctl.request.density and ctl.request.tol == 1e-9
    click_data(qtbot, window, 0.3, -0.2)
    run = last_run(window)
    a, b = run.settings.start
    assert ctl.at_point((a, b))
    result = wait_spectrum(qtbot, window, ctl)
    landscape = window.state.results.landscape
    plane = landscape.plane
    theta = plane.origin.double() + a * plane.d1.double() + b * plane.d2.double()
    ref = dense_eigenvalues(landscape.problem, theta)
    np.testing.assert_allclose(result.report.eigen.top, ref[::-1][:5], rtol=1e-6)
    np.testing.assert_allclose(result.report.eigen.bottom, ref[:5], rtol=1e-6)
    assert seen.index("spectrum_progress") < seen.index("spectrum")
    assert "on the slice" in panel.header.text()
    x, y = panel.plots.density_curve.getData()
    assert len(x) > 100 and np.all(y >= 0)
    assert panel.plots.histogram.getData()[0] is not None  # n = 64: every eigenvalue, binned
    panel.axis.setCurrentIndex(panel.axis.findData("symlog"))
    panel.axis.activated.emit(panel.axis.currentIndex())
    assert "symlog" in panel.plots.density.getAxis("bottom").labelText
    qtbot.waitUntil(lambda: finished(run), timeout=SLOW)
    wait_idle(qtbot, window, SLOW)
    assert ctl.at_run(run.id, "current")
    result = wait_spectrum(qtbot, window, ctl)
    ref = dense_eigenvalues(landscape.problem, run.data.thetas[-1])
    np.testing.assert_allclose(result.report.eigen.top, ref[::-1][:5], rtol=1e-6)
    assert f"run {run.id}" in result.where


@pytest.mark.slow
def test_cancel_midway_and_the_sopsp_section(qtbot, window):
    """residual-predictor: the ε-SOPSP verdict is the two inequalities it shows; with μ₂ to be
    estimated (dense block Hessians, seconds) a Cancel stops the worker and no result comes."""
    pick(qtbot, window, "residual-predictor")
    ctl, panel, seen = panel_for(qtbot, window)
    assert panel.sopsp.isVisible() and panel.block.findData("w,V") >= 0
    toggle(qtbot, panel.sopsp_on)
    type_into(qtbot, panel.mu2, "2")
    assert ctl.request.sopsp_eps == 0.01 and ctl.request.mu2 == 2.0
    assert ctl.at_point((0.0, 0.0))
    result = wait_spectrum(qtbot, window, ctl)
    s = result.sopsp
    assert s.threshold == pytest.approx(-np.sqrt(2 * 0.01))
    assert s.is_sopsp == (s.grad_norm <= 0.01 and s.lambda_min >= s.threshold)
    assert ("an ε-SOPSP" if s.is_sopsp else "not an ε-SOPSP") in panel.sopsp_result.text()
    panel.mu2.clear()
    panel.mu2.editingFinished.emit()
    assert ctl.request.mu2 is None
    window.state.clear_results(SPECTRUM)
    seen.clear()
    assert ctl.at_point((0.1, 0.1))
    trail = lambda: window.state.results.spectrum_progress  # noqa: E731
    qtbot.waitUntil(lambda: "μ₂" in trail().phase, timeout=SLOW)
    qtbot.mouseClick(panel.cancel, Qt.MouseButton.LeftButton)
    assert not ctl.busy() and trail().phase == "cancelled"
    qtbot.wait(300)
    assert window.state.results.spectrum is None and "spectrum" not in seen


def test_symlog_axis_places_and_labels_ticks():
    c = 1e-3
    assert symlog(np.array([0.0, c, -9 * c]), c) == pytest.approx([0.0, np.log10(2), -1.0])
    ticks = symlog_ticks(-0.5, 20.0, c)
    labels = [t[1] for t in ticks]
    assert "0" in labels and "10" in labels and "-0.1" in labels and "100" not in labels
    assert [t[0] for t in ticks] == sorted(t[0] for t in ticks)


def test_a_refused_request_is_a_message_not_a_traceback(qtbot, window):
    """The GGN of a toy does not exist: the job fails with one message, the busy task ends as
    failed, and nothing reaches stderr (the conftest fixture checks)."""
    ctl, _panel, seen = panel_for(qtbot, window)
    failed = []
    window.state.events.busy.connect(lambda p: failed.append(p.task) if p.fraction < 0 else None)
    assert ctl.choose(matrix="ggn")
    assert not ctl.choose(top=-1) and ctl.request.top == 5  # refused at once, kept
    assert ctl.at_point((0.5, 0.5))
    qtbot.waitUntil(lambda: failed == ["spectrum"] and not ctl.busy(), timeout=SLOW)
    errors = [m for m in seen if m.startswith("error:")]
    assert any("toy" in m for m in errors) and window.state.results.spectrum is None
