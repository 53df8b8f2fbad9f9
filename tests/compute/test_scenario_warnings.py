"""Warnings for valid parameter values outside a formula's assumptions (M ⪰ 0)."""

import numpy as np
import pytest

from compute.errors import LandscapeError
from compute.scenarios import scenario_warnings


@pytest.mark.parametrize(
    ("m11", "m12", "m22"),
    [(-1.0, 0.0, 1.0), (1.0, 2.0, 1.0), (0.0, 0.1, 0.0), (-0.5, 0.0, -0.5)],
)
def test_non_psd_m_is_warned_about_with_its_smallest_eigenvalue(m11, m12, m22):
    lam_min = np.linalg.eigvalsh(np.array([[m11, m12], [m12, m22]]))[0]
    assert lam_min < 0  # the independent check that M is indefinite or negative
    (line,) = scenario_warnings("psd-factorization", {"m11": m11, "m12": m12, "m22": m22})
    assert "not positive semidefinite" in line and "\n" not in line
    assert f"λ_min = {lam_min:.3g}" in line


@pytest.mark.parametrize(
    ("m11", "m12", "m22"), [(2.0, 0.5, 1.0), (1.0, 1.0, 1.0), (0.0, 0.0, 0.0), (4.0, -2.0, 1.0)]
)
def test_psd_m_and_other_scenarios_have_no_warning(m11, m12, m22):
    assert np.linalg.eigvalsh(np.array([[m11, m12], [m12, m22]]))[0] >= -1e-12
    assert scenario_warnings("psd-factorization", {"m11": m11, "m12": m12, "m22": m22}) == ()
    assert scenario_warnings("psd-factorization") == ()
    assert scenario_warnings("shamir", {"eps": 0.5}) == ()
    assert scenario_warnings("li-yuan") == ()


def test_invalid_values_are_refused_as_everywhere_else():
    with pytest.raises(LandscapeError, match="outside"):
        scenario_warnings("psd-factorization", {"m11": 1e9})
    with pytest.raises(LandscapeError, match="unknown scenario"):
        scenario_warnings("nope")
