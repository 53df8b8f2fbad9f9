"""The built-in scenarios enter the catalogue through the same call as any other: the toys
first, then the networks (the order the CLI lists and the window offers them)."""

from compute.scenarios.catalogue import ScenarioSpec, register_scenario
from compute.scenarios.networks import NETWORKS
from compute.scenarios.toys import TOYS

BUILTIN: tuple[ScenarioSpec, ...] = (*TOYS, *NETWORKS)

for _spec in BUILTIN:
    register_scenario(_spec)
