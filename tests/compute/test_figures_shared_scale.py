"""One colour scale for several maps is refused where it would mislead: maps of different losses
(one colour would mean different things), or maps it would draw flat (values orders of
magnitude apart); it is kept where the maps compare (the same loss, comparable values)."""

from dataclasses import replace

import pytest

from compute.errors import LandscapeError
from compute.figures.compose import compose
from compute.figures.shared_scale import FLATTENED, check_one_quantity
from compute.landscapes.frames import make_frame

from .test_figures import shamir_panel


def scaled(panel, factor=1.0, offset=0.0, log_scale=None):
    """``panel`` with F → factor·F + offset (same grid), on its own or the given colour scale."""
    log = panel.frame.log_scale if log_scale is None else log_scale
    frame = make_frame(panel.frame.axes, factor * panel.frame.loss + offset, log)
    return replace(panel, frame=frame)


def test_maps_of_different_losses_are_refused_one_colour_scale_and_named():
    shamir = shamir_panel(quantity="shamir")
    other = replace(shamir_panel(quantity="li-yuan"), title="other")
    with pytest.raises(LandscapeError) as refused:
        compose([shamir, shamir, other], shared=True)
    message = str(refused.value)
    assert "(a): shamir" in message and "(c): li-yuan" in message
    assert "own colour scale" in message
    comp = compose([shamir, shamir, other], shared=False)  # each its own scale: drawn
    assert len(comp.colorbars) == 3
    check_one_quantity([("a.json", "shamir"), ("b.json", ""), ("c.json", "shamir")])  # "" unknown


def test_values_orders_of_magnitude_apart_are_refused_where_one_scale_would_draw_them_flat():
    """Linear scale: F and 1000·F (the first would span 0.1 % of the colours) are refused,
    naming (a); F and 3·F share a scale. Log scale: 1000·F is F shifted by 3 decades (both
    keep their spread) and shares it; F + 1000 would span a sliver of log₁₀(F − F_min) and is
    refused, naming (b)."""
    linear = shamir_panel(log_scale=False)
    with pytest.raises(LandscapeError) as refused:
        compose([linear, scaled(linear, 1000.0)], shared=True)
    assert "(a) 0.1 %" in str(refused.value) and "(b)" not in str(refused.value)
    comp = compose([linear, scaled(linear, 3.0)], shared=True)
    assert len(comp.colorbars) == 1
    log = shamir_panel(log_scale=True)
    assert len(compose([log, scaled(log, 1000.0)], shared=True).colorbars) == 1
    with pytest.raises(LandscapeError) as refused:
        compose([log, scaled(log, offset=1000.0)], shared=True)
    assert "(b)" in str(refused.value) and "(a)" not in str(refused.value)


def test_the_flattening_threshold_is_a_share_of_the_shared_colour_range():
    """At a tenth of the range: F and c·F on a linear scale are refused for c just above
    1/FLATTENED and kept just below (the map of F spans F's range over c·F's range)."""
    linear = shamir_panel(log_scale=False)
    compose([linear, scaled(linear, 0.95 / FLATTENED)], shared=True)
    with pytest.raises(LandscapeError):
        compose([linear, scaled(linear, 1.05 / FLATTENED)], shared=True)
