"""Landscape Explorer's numerical core: objectives, modes, grids, runs, critical points.

Headless and Qt-free: everything here runs in a test, a CLI command or a notebook. The public
API below is imported lazily (PEP 562): ``import compute`` costs nothing, and the command line
answers ``--help`` without loading torch; each name loads its module on first use.

The typed imports at the end are the one list of the public API: mypy reads them, and the lazy
lookup is read from the same lines (so the two cannot drift apart).
"""

from __future__ import annotations

import importlib
import re
from typing import TYPE_CHECKING, Any

_TYPED_IMPORT = re.compile(r"^    from ([\w.]+) import \(?\s*(\w+) as (\w+)", re.MULTILINE)


def _table() -> dict[str, tuple[str, str]]:
    """Public name → (module, attribute), read from this file's ``if TYPE_CHECKING:`` block
    (a regular expression: a fraction of a millisecond, where ``ast`` takes a few)."""
    with open(__file__, encoding="utf-8") as source:
        text = source.read()
    typed = text[text.index("\nif TYPE_CHECKING:") :]
    return {name: (module, attr) for module, attr, name in _TYPED_IMPORT.findall(typed)}


_API = _table()
__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    try:
        module, attr = _API[name]
    except KeyError:
        raise AttributeError(f"module 'compute' has no attribute {name!r}") from None
    parent = importlib.import_module(module)
    try:
        value = getattr(parent, attr)
    except AttributeError:  # a module of the API (the one style table of maps, runs and markers)
        value = importlib.import_module(f"{module}.{attr}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:
    from compute.allocator import keep_freed_memory as keep_freed_memory
    from compute.cli.main import main as cli_main
    from compute.cluster.address import parse_scheduler as parse_scheduler
    from compute.cluster.connection import ClusterConnection as ClusterConnection
    from compute.cluster.connection import TlsFiles as TlsFiles
    from compute.cluster.connection import connect as connect_cluster
    from compute.critical.point import CriticalProgress as CriticalProgress
    from compute.critical.point import CriticalSearch as CriticalSearch
    from compute.critical.search import KINDS as KINDS
    from compute.critical.search import CriticalPoint as CriticalPoint
    from compute.critical.search import critical_points as critical_points
    from compute.critical.search import critical_search as critical_search
    from compute.critical.starts import grid_candidates as grid_candidates
    from compute.dynamics.attractors import OTHER_CODES as OTHER_CODES
    from compute.dynamics.attractors import Attractor as Attractor
    from compute.dynamics.attractors import attractors_from as attractors_from
    from compute.dynamics.basins import BasinBlock as BasinBlock
    from compute.dynamics.basins import BasinMap as BasinMap
    from compute.dynamics.basins import basin_budget as basin_budget
    from compute.dynamics.basins import basin_map as basin_map
    from compute.dynamics.descent import descend as descend
    from compute.dynamics.descent import run_from_init as run_from_init
    from compute.dynamics.optimizers import RunConfig as RunConfig
    from compute.dynamics.run_records import RunChunk as RunChunk
    from compute.dynamics.run_records import RunHistory as RunHistory
    from compute.dynamics.run_records import run_to_end as run_to_end
    from compute.errors import LandscapeError as LandscapeError
    from compute.errors import UserCodeError as UserCodeError
    from compute.errors import short as short
    from compute.figures import style as figure_style
    from compute.figures.animate import ANIMATION_FORMATS as ANIMATION_FORMATS
    from compute.figures.animate import animate as animate
    from compute.figures.animate import require_mp4 as require_mp4
    from compute.figures.assemble import curves_panel_of as curves_panel_of
    from compute.figures.assemble import map_panel_of as map_panel_of
    from compute.figures.assemble import profile_panel_of as profile_panel_of
    from compute.figures.assemble import run_label as run_label
    from compute.figures.assemble import spectrum_panel_of as spectrum_panel_of
    from compute.figures.assemble import subject_of as subject_of
    from compute.figures.compose import Composition as Composition
    from compute.figures.compose import compose as compose
    from compute.figures.curvature_overlay import HessianOverlay as HessianOverlay
    from compute.figures.data import DATA_FORMATS as DATA_FORMATS
    from compute.figures.data import export_data as export_data
    from compute.figures.gallery import ENTRIES as GALLERY_ENTRIES
    from compute.figures.gallery import SESSIONS as GALLERY_SESSIONS
    from compute.figures.gallery import gallery as gallery
    from compute.figures.imported_scene import scene_from_surface as scene_from_surface
    from compute.figures.panels import CurvesPanel as CurvesPanel
    from compute.figures.panels import MapPanel as MapPanel
    from compute.figures.panels import Scene as Scene
    from compute.figures.panels import Series as Series
    from compute.figures.panels import SeriesPanel as SeriesPanel
    from compute.figures.panels import SpectrumPanel as SpectrumPanel
    from compute.figures.provenance import figure_record as figure_record
    from compute.figures.provenance import provenance_of as provenance_of
    from compute.figures.render import FIGURE_FORMATS as FIGURE_FORMATS
    from compute.figures.render import render_figure as render_figure
    from compute.figures.render import save as save_figure
    from compute.figures.render import write_sidecar as write_sidecar
    from compute.figures.run_trace import RunTrace as RunTrace
    from compute.figures.scene import SceneProgress as SceneProgress
    from compute.figures.scene import scene_from_file as scene_from_file
    from compute.figures.scene import scene_from_session as scene_from_session
    from compute.figures.shared_scale import check_one_quantity as check_one_quantity
    from compute.figures.venues import VENUES as VENUES
    from compute.figures.venues import check_dpi as check_dpi
    from compute.figures.venues import parse_layout as parse_layout
    from compute.figures.venues import venue as venue
    from compute.figures.words import mode_words as mode_words
    from compute.figures.words import optimizer_words as optimizer_words
    from compute.formats.directions import directions_plane_spec as directions_plane_spec
    from compute.formats.imported import read_surface as read_surface
    from compute.formats.surface import Surface as Surface
    from compute.formats.surface import surface_heights as surface_heights
    from compute.generators import drain as drain
    from compute.generators import mapped as mapped
    from compute.geometry.executors import use_grid_executor as use_grid_executor
    from compute.geometry.grid import FIELDS as FIELDS
    from compute.geometry.grid import GridBlock as GridBlock
    from compute.geometry.grid import LandscapeGrid as LandscapeGrid
    from compute.geometry.grid import Window as Window
    from compute.geometry.grid import evaluate_grid as evaluate_grid
    from compute.geometry.grid import evaluate_loss as evaluate_loss
    from compute.geometry.isolines import display_values as display_values
    from compute.geometry.isolines import isolines as isolines
    from compute.geometry.isolines import levels_for as levels_for
    from compute.geometry.planes import Plane as Plane
    from compute.geometry.planes import PlaneProjection as PlaneProjection
    from compute.geometry.planes import directions_plane as directions_plane
    from compute.geometry.planes import filter_normalized_direction as filter_normalized_direction
    from compute.geometry.planes import line as line
    from compute.geometry.planes import pca_plane as pca_plane
    from compute.geometry.planes import random_plane as random_plane
    from compute.geometry.planes import restrict_to_plane as restrict_to_plane
    from compute.geometry.planes import three_point_plane as three_point_plane
    from compute.initlab.training import DEPTH_PRESETS as DEPTH_PRESETS
    from compute.initlab.training import INIT_SCHEMES as INIT_SCHEMES
    from compute.initlab.training import NORM_LIMITS as NORM_LIMITS
    from compute.initlab.training import NORM_PRESETS as NORM_PRESETS
    from compute.initlab.training import TRAIN_INITS as TRAIN_INITS
    from compute.initlab.training import TRAIN_SCENARIO as TRAIN_SCENARIO
    from compute.initlab.training import DepthSweepConfig as DepthSweepConfig
    from compute.initlab.training import DepthSweepProgress as DepthSweepProgress
    from compute.initlab.training import DepthSweepResult as DepthSweepResult
    from compute.initlab.training import NormProfile as NormProfile
    from compute.initlab.training import NormSweepConfig as NormSweepConfig
    from compute.initlab.training import NormSweepProgress as NormSweepProgress
    from compute.initlab.training import NormSweepResult as NormSweepResult
    from compute.initlab.training import SchemeNorms as SchemeNorms
    from compute.initlab.training import SchemeRunChunk as SchemeRunChunk
    from compute.initlab.training import SchemeTrainingConfig as SchemeTrainingConfig
    from compute.initlab.training import depth_sweep as depth_sweep
    from compute.initlab.training import norm_sweep as norm_sweep
    from compute.initlab.training import train_schemes as train_schemes
    from compute.landscapes.frames import GradientField as GradientField
    from compute.landscapes.frames import MapFrame as MapFrame
    from compute.landscapes.frames import landscape_frames as landscape_frames
    from compute.landscapes.frames import landscape_geometry as landscape_geometry
    from compute.landscapes.frames import make_frame as make_frame
    from compute.landscapes.frames import map_frames as map_frames
    from compute.landscapes.landscape import IN_PLANE_NOTE as IN_PLANE_NOTE
    from compute.landscapes.landscape import Landscape as Landscape
    from compute.landscapes.landscape import Readout as Readout
    from compute.landscapes.landscape import bind_modes as bind_modes
    from compute.landscapes.landscape import build_landscape as build_landscape
    from compute.landscapes.landscape import hessian_map as hessian_map
    from compute.landscapes.landscape import readout as readout
    from compute.landscapes.landscape import search_starts as search_starts
    from compute.landscapes.linear_baseline import (
        constrained_least_squares as constrained_least_squares,
    )
    from compute.landscapes.linear_baseline import constrained_problem as constrained_problem
    from compute.landscapes.plane_choice import PlaneSpec as PlaneSpec
    from compute.landscapes.plane_choice import build_plane as build_plane
    from compute.landscapes.plane_choice import derive_plane as derive_plane
    from compute.landscapes.plane_choice import eigen_plane as eigen_plane
    from compute.landscapes.point_spectrum import curvature_at as curvature_at
    from compute.landscapes.point_spectrum import curvature_of as curvature_of
    from compute.landscapes.point_spectrum import spectrum_at as spectrum_at
    from compute.landscapes.point_spectrum import spectrum_of as spectrum_of
    from compute.landscapes.point_spectrum import theta_at as theta_at
    from compute.landscapes.spectrum_types import PointSpectrum as PointSpectrum
    from compute.landscapes.spectrum_types import RitzTrail as RitzTrail
    from compute.landscapes.spectrum_types import SpectrumOptions as SpectrumOptions
    from compute.landscapes.spectrum_types import SpectrumRequest as SpectrumRequest
    from compute.landscapes.spectrum_types import SpectrumStep as SpectrumStep
    from compute.landscapes.spectrum_types import spectrum_options as spectrum_options
    from compute.networks.module_problem import ModuleProblem as ModuleProblem
    from compute.networks.problem import NetworkProblem as NetworkProblem
    from compute.networks.sliced import resolve_device as resolve_device
    from compute.networks.slices import Interpolation as Interpolation
    from compute.networks.slices import evaluate_slice as evaluate_slice
    from compute.networks.slices import interpolate as interpolate
    from compute.networks.symmetry import teacher_distances as teacher_distances
    from compute.objectives.derivatives import Derivatives as Derivatives
    from compute.objectives.derivatives import gradient as gradient
    from compute.objectives.derivatives import second_order as second_order
    from compute.objectives.layout import ParamBlock as ParamBlock
    from compute.objectives.layout import ParamLayout as ParamLayout
    from compute.objectives.modes import Ball as Ball
    from compute.objectives.modes import Box as Box
    from compute.objectives.modes import Constraint as Constraint
    from compute.objectives.modes import Modes as Modes
    from compute.objectives.modes import make_constraint as make_constraint
    from compute.objectives.modes import parse_constraint as parse_constraint
    from compute.objectives.objective import Metric as Metric
    from compute.objectives.objective import Objective as Objective
    from compute.objectives.problem import Capabilities as Capabilities
    from compute.objectives.problem import Problem as Problem
    from compute.objectives.problem import ToyProblem as ToyProblem
    from compute.outputs import atomic_write as atomic_write
    from compute.outputs import output_path as output_path
    from compute.paths.connect import connect as connect_points
    from compute.paths.plane import PathPlane as PathPlane
    from compute.paths.plane import path_plane as path_plane
    from compute.paths.plane import plane_reason as path_plane_reason
    from compute.paths.result import METHODS as PATH_METHODS
    from compute.paths.result import PathRequest as PathRequest
    from compute.paths.result import PathResult as PathResult
    from compute.paths.result import PathStep as PathStep
    from compute.scenarios.catalogue import SCENARIOS as SCENARIOS
    from compute.scenarios.catalogue import ScenarioSpec as ScenarioSpec
    from compute.scenarios.catalogue import build_problem as build_problem
    from compute.scenarios.catalogue import register_scenario as register_scenario
    from compute.scenarios.catalogue import scenario as scenario
    from compute.scenarios.catalogue import scenario_warnings as scenario_warnings
    from compute.scenarios.catalogue import unregister_scenario as unregister_scenario
    from compute.scenarios.networks import NetworkSpec as NetworkSpec
    from compute.scenarios.own_model import is_model_id as is_model_id
    from compute.scenarios.own_model import register_model as register_model
    from compute.scenarios.params import ParamSpec as ParamSpec
    from compute.scenarios.toys import ToySpec as ToySpec
    from compute.sessions.file import from_json as session_from_json
    from compute.sessions.file import load as load_session
    from compute.sessions.file import save as save_session
    from compute.sessions.file import to_json as session_to_json
    from compute.sessions.kept_paths import PathRecord as PathRecord
    from compute.sessions.kept_paths import record_of as path_record
    from compute.sessions.model_reference import ModelNotLoaded as ModelNotLoaded
    from compute.sessions.runs import RunUpdate as RunUpdate
    from compute.sessions.runs import resolve_starts as resolve_starts
    from compute.sessions.runs import start_theta as start_theta
    from compute.sessions.runs import track_run as track_run
    from compute.sessions.session import HESSIAN_FIELDS as HESSIAN_FIELDS
    from compute.sessions.session import OVERLAYS as OVERLAYS
    from compute.sessions.session import RunSettings as RunSettings
    from compute.sessions.session import Session as Session
    from compute.sessions.session import default_session as default_session
    from compute.vocabulary import DEFAULT_LR as DEFAULT_LR
    from compute.vocabulary import NETWORK_LR as NETWORK_LR
    from compute.vocabulary import OPTIMIZERS as OPTIMIZERS
    from compute.vocabulary import PLANE_KINDS as PLANE_KINDS
    from compute.vocabulary import RUN_STATES as RUN_STATES
    from compute.vocabulary import STATUS_NAMES as STATUS_NAMES
