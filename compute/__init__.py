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
from compute.network import Metric, NetworkProblem, resolve_device
from compute.network_registry import NETWORKS, NetworkSpec, network
from compute.objective import Objective
from compute.objectives.layout import ParamBlock, ParamLayout
from compute.optimizers import (
    DEFAULT_LR,
    OPTIMIZERS,
    STATUS_NAMES,
    DescentStep,
    OptimizerConfig,
    descend,
    trajectory,
)
from compute.planes import (
    Plane,
    PlaneProjection,
    directions_plane,
    filter_normalized_direction,
    line,
    pca_plane,
    random_plane,
    three_point_plane,
)
from compute.registry import SCENARIOS, ParamSpec, ScenarioSpec, scenario
from compute.slices import (
    Interpolation,
    LandscapeSlice,
    PlaneEvaluator,
    SliceBlock,
    evaluate_slice,
    interpolate,
    reference_marks,
)
from compute.training import (
    DEFAULT_TRAIN_LR,
    TRAIN_OPTIMIZERS,
    TRAIN_STATUSES,
    TrainConfig,
    TrainProgress,
    TrainResult,
    TrainStep,
    train,
)

__all__ = [
    "DEFAULT_LR",
    "DEFAULT_TRAIN_LR",
    "FIELDS",
    "KINDS",
    "NETWORKS",
    "OPTIMIZERS",
    "SCENARIOS",
    "STATUS_NAMES",
    "TRAIN_OPTIMIZERS",
    "TRAIN_STATUSES",
    "Attractor",
    "Ball",
    "BasinBlock",
    "BasinMap",
    "Box",
    "CriticalPoint",
    "Derivatives",
    "DescentStep",
    "GridBlock",
    "Interpolation",
    "LandscapeError",
    "LandscapeGrid",
    "LandscapeSlice",
    "Metric",
    "Modes",
    "NetworkProblem",
    "NetworkSpec",
    "Objective",
    "OptimizerConfig",
    "ParamBlock",
    "ParamLayout",
    "ParamSpec",
    "Plane",
    "PlaneEvaluator",
    "PlaneProjection",
    "ScenarioSpec",
    "SliceBlock",
    "TrainConfig",
    "TrainProgress",
    "TrainResult",
    "TrainStep",
    "Window",
    "attractors_from",
    "basin_map",
    "critical_points",
    "descend",
    "directions_plane",
    "drain",
    "evaluate_grid",
    "evaluate_slice",
    "filter_normalized_direction",
    "gradient",
    "interpolate",
    "line",
    "make_constraint",
    "network",
    "parse_constraint",
    "pca_plane",
    "random_plane",
    "reference_marks",
    "resolve_device",
    "scenario",
    "second_order",
    "three_point_plane",
    "train",
    "trajectory",
]
