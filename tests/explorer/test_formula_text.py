"""Scenario formulas as the panel shows them: sub- and superscripts, never raw TeX marks."""

import pytest

from compute import SCENARIOS
from explorer.panels.scenario import rich_formula


def test_digits_formula_has_real_subscripts():
    text = rich_formula(SCENARIOS["digits-resnet"].formula)
    assert "h<sub>k−1</sub>" in text and "W<sub>k2</sub>" in text and "W<sub>out</sub>" in text


@pytest.mark.parametrize("spec", list(SCENARIOS.values()), ids=lambda s: s.id)
def test_no_formula_shows_raw_marks(spec):
    text = rich_formula(spec.formula)
    assert "_" not in text and "^{" not in text and "{" not in text
