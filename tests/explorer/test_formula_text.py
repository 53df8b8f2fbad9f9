"""Scenario formulas as the panel shows them: sub- and superscripts, never raw TeX marks."""

from pathlib import Path

import pytest

from compute import SCENARIOS, register_model
from explorer.panels.scenario import description_text, rich_formula

EXAMPLES = Path(__file__).resolve().parents[2] / "resources/examples"


def test_digits_formula_has_real_subscripts():
    text = rich_formula(SCENARIOS["digits-resnet"].formula)
    assert "h<sub>k−1</sub>" in text and "W<sub>k2</sub>" in text and "W<sub>out</sub>" in text


@pytest.mark.parametrize("spec", list(SCENARIOS.values()), ids=lambda s: s.id)
def test_no_formula_shows_raw_marks(spec):
    text = rich_formula(spec.formula)
    assert "_" not in text and "^{" not in text and "{" not in text


def test_a_users_model_shows_its_docstring_as_prose():
    """The BatchNorm CNN example's line: ``train_steps`` is a name in code type, not train with
    a subscript."""
    spec = register_model(f"{EXAMPLES}/digits_bn_cnn.py:make")
    text = description_text(spec)
    assert "<code>train_steps</code>" in text and "<sub>" not in text
    assert "8×8 digits" in text
