"""The overlay table: one entry per overlay on screen and in print, and switching between maps
of different dimension with every overlay on (issue 21, items 1 and 7)."""

import numpy as np
import pytest

from compute import default_session
from compute.figures.overlay_table import MAP_OVERLAYS
from compute.sessions.session import OVERLAYS as SESSION_OVERLAYS
from explorer.overlays import OVERLAYS

from .conftest import click_data, last_run, pick, wait_idle

EVERY = ("isolines", "critical", "gradient", "curvature", "basins", "hessian")


def test_every_overlay_has_one_entry_on_screen_and_one_in_print():
    assert tuple(OVERLAYS) == SESSION_OVERLAYS == EVERY
    assert set(MAP_OVERLAYS) == set(SESSION_OVERLAYS)


def test_the_check_boxes_come_from_the_table(window):
    boxes = window.modes_panel.overlays
    assert list(boxes) == list(OVERLAYS)
    assert [b.text() for b in boxes.values()] == [o.label for o in OVERLAYS.values()]


@pytest.mark.slow
def test_leaving_a_one_parameter_scenario_with_every_overlay_on_just_works(qtbot, window):
    """1: activation (1-D) → Shamir with every overlay on: no error, Shamir's formula and
    sliders, its critical points, and a click starts a 2-D run where clicked."""
    window.state.apply(overlays=EVERY)
    wait_idle(qtbot, window, 90000)
    pick(qtbot, window, "activation")
    wait_idle(qtbot, window, 90000)
    assert window.legends["gradient"].isVisible()  # 7: says why nothing is drawn in 1-D
    assert "not drawn here" in window.legends["gradient"].text()
    window.state.notify("", "clear")
    pick(qtbot, window, "shamir")
    wait_idle(qtbot, window, 90000)
    assert window.banner.kind != "error" or not window.banner.isVisible(), window.banner.text()
    assert set(window.scenario_panel.controls) == set(default_session("shamir").params)
    assert (
        "ε" in window.scenario_panel.formula.text() or "w" in window.scenario_panel.formula.text()
    )
    kinds = {p.kind for p in window.state.results.critical}
    assert "saddle" in kinds and all(len(p.point) == 2 for p in window.state.results.critical)
    click_data(qtbot, window, 1.0, 1.0)
    qtbot.waitUntil(lambda: last_run(window).status != "queued", timeout=20000)
    assert last_run(window).status != "error", last_run(window).error
    assert np.allclose(last_run(window).path()[0], [1.0, 1.0], atol=0.05)
    window.cancel_computations()
    wait_idle(qtbot, window)
