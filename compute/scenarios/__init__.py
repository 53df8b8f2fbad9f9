"""Scenarios: parameter specs, the catalogue (``register_scenario``), the built-in toys and
networks (registered by ``builtin`` when this package is imported). Torch-free."""

from compute.scenarios import builtin  # noqa: F401  (the built-ins register themselves)
from compute.scenarios.catalogue import (
    SCENARIOS,
    ScenarioSpec,
    build_problem,
    register_scenario,
    scenario,
    scenario_warnings,
    unregister_scenario,
)
from compute.scenarios.params import ParamSpec, ParamValue

__all__ = [
    "SCENARIOS",
    "ParamSpec",
    "ParamValue",
    "ScenarioSpec",
    "build_problem",
    "register_scenario",
    "scenario",
    "scenario_warnings",
    "unregister_scenario",
]
