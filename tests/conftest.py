"""Shared test configuration: Qt runs offscreen (xvfb-run still works: setdefault), idle OpenMP
threads sleep, and hypothesis is derandomised (the same examples on every run; set
HYPOTHESIS_PROFILE=explore to search with fresh random examples)."""

import os

import pytest
from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see explorer/launcher.py

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", deadline=None, max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _catalogue_restored():
    """Scenarios a test registers (its own plug-ins, users' model files in tmp_path) leave the
    catalogue with the test, so no later test sees them."""
    from compute import SCENARIOS, unregister_scenario

    before = set(SCENARIOS)
    yield
    for added in set(SCENARIOS) - before:
        unregister_scenario(added)
