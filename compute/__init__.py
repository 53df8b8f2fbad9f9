"""Landscape Explorer's numerical core: objectives, modes, grids, optimizers, critical points.

Headless and Qt-free: everything here runs in a test, a CLI command or a notebook.
"""

from compute.basins import Attractor, BasinBlock, BasinMap, attractors_from, basin_map
from compute.critical import KINDS, CriticalPoint, critical_points
from compute.derivatives import Derivatives, gradient, second_order
from compute.errors import LandscapeError
from compute.generators import drain
from compute.grid import FIELDS, GridBlock, LandscapeGrid, Window, evaluate_grid
from compute.modes import Ball, Box, Modes, make_constraint, parse_constraint
from compute.objective import Objective
from compute.optimizers import (
    DEFAULT_LR,
    OPTIMIZERS,
    STATUS_NAMES,
    DescentStep,
    OptimizerConfig,
    descend,
    trajectory,
)
from compute.registry import SCENARIOS, ParamSpec, ScenarioSpec, scenario

__all__ = [
    "DEFAULT_LR",
    "FIELDS",
    "KINDS",
    "OPTIMIZERS",
    "SCENARIOS",
    "STATUS_NAMES",
    "Attractor",
    "Ball",
    "BasinBlock",
    "BasinMap",
    "Box",
    "CriticalPoint",
    "Derivatives",
    "DescentStep",
    "GridBlock",
    "LandscapeError",
    "LandscapeGrid",
    "Modes",
    "Objective",
    "OptimizerConfig",
    "ParamSpec",
    "ScenarioSpec",
    "Window",
    "attractors_from",
    "basin_map",
    "critical_points",
    "descend",
    "drain",
    "evaluate_grid",
    "gradient",
    "make_constraint",
    "parse_constraint",
    "scenario",
    "second_order",
    "trajectory",
]
