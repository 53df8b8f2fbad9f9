"""Landscape Explorer's numerical core: objectives, modes, grids, runs, critical points.

Headless and Qt-free: everything here runs in a test, a CLI command or a notebook. The public
API below is imported lazily (PEP 562): ``import compute`` costs nothing, and the command line
answers ``--help`` without loading torch; each name loads its module on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_API: dict[str, tuple[str, str]] = {
    "ClusterConnection": ("compute.cluster.connection", "ClusterConnection"),
    "TlsFiles": ("compute.cluster.connection", "TlsFiles"),
    "connect_cluster": ("compute.cluster.connection", "connect"),
    "parse_scheduler": ("compute.cluster.address", "parse_scheduler"),
    "use_grid_executor": ("compute.geometry.executors", "use_grid_executor"),
    "cli_main": ("compute.cli.main", "main"),
    "CriticalProgress": ("compute.critical.point", "CriticalProgress"),
    "CriticalPoint": ("compute.critical.search", "CriticalPoint"),
    "KINDS": ("compute.critical.search", "KINDS"),
    "critical_points": ("compute.critical.search", "critical_points"),
    "grid_candidates": ("compute.critical.starts", "grid_candidates"),
    "Attractor": ("compute.dynamics.basins", "Attractor"),
    "BasinBlock": ("compute.dynamics.basins", "BasinBlock"),
    "BasinMap": ("compute.dynamics.basins", "BasinMap"),
    "OTHER_CODES": ("compute.dynamics.basins", "OTHER_CODES"),
    "attractors_from": ("compute.dynamics.basins", "attractors_from"),
    "basin_map": ("compute.dynamics.basins", "basin_map"),
    "basin_resolution": ("compute.dynamics.basins", "basin_resolution"),
    "RunChunk": ("compute.dynamics.descent", "RunChunk"),
    "RunHistory": ("compute.dynamics.descent", "RunHistory"),
    "descend": ("compute.dynamics.descent", "descend"),
    "run_from_init": ("compute.dynamics.descent", "run_from_init"),
    "run_to_end": ("compute.dynamics.descent", "run_to_end"),
    "RunConfig": ("compute.dynamics.optimizers", "RunConfig"),
    "LandscapeError": ("compute.errors", "LandscapeError"),
    "UserCodeError": ("compute.errors", "UserCodeError"),
    "short": ("compute.errors", "short"),
    "ANIMATION_FORMATS": ("compute.figures.animate", "ANIMATION_FORMATS"),
    "animate": ("compute.figures.animate", "animate"),
    "curves_panel_of": ("compute.figures.assemble", "curves_panel_of"),
    "map_panel_of": ("compute.figures.assemble", "map_panel_of"),
    "profile_panel_of": ("compute.figures.assemble", "profile_panel_of"),
    "run_label": ("compute.figures.assemble", "run_label"),
    "spectrum_panel_of": ("compute.figures.assemble", "spectrum_panel_of"),
    "subject_of": ("compute.figures.assemble", "subject_of"),
    "Composition": ("compute.figures.compose", "Composition"),
    "compose": ("compute.figures.compose", "compose"),
    "DATA_FORMATS": ("compute.figures.data", "DATA_FORMATS"),
    "export_data": ("compute.figures.data", "export_data"),
    "GALLERY_ENTRIES": ("compute.figures.gallery", "ENTRIES"),
    "GALLERY_SESSIONS": ("compute.figures.gallery", "SESSIONS"),
    "gallery": ("compute.figures.gallery", "gallery"),
    "CurvesPanel": ("compute.figures.panels", "CurvesPanel"),
    "HessianOverlay": ("compute.figures.panels", "HessianOverlay"),
    "MapPanel": ("compute.figures.panels", "MapPanel"),
    "RunTrace": ("compute.figures.panels", "RunTrace"),
    "Scene": ("compute.figures.panels", "Scene"),
    "Series": ("compute.figures.panels", "Series"),
    "SeriesPanel": ("compute.figures.panels", "SeriesPanel"),
    "SpectrumPanel": ("compute.figures.panels", "SpectrumPanel"),
    "figure_record": ("compute.figures.provenance", "figure_record"),
    "provenance_of": ("compute.figures.provenance", "provenance_of"),
    "FIGURE_FORMATS": ("compute.figures.render", "FIGURE_FORMATS"),
    "render_figure": ("compute.figures.render", "render_figure"),
    "save_figure": ("compute.figures.render", "save"),
    "write_sidecar": ("compute.figures.render", "write_sidecar"),
    "SceneProgress": ("compute.figures.scene", "SceneProgress"),
    "scene_from_file": ("compute.figures.scene", "scene_from_file"),
    "scene_from_session": ("compute.figures.scene", "scene_from_session"),
    "VENUES": ("compute.figures.venues", "VENUES"),
    "check_dpi": ("compute.figures.venues", "check_dpi"),
    "parse_layout": ("compute.figures.venues", "parse_layout"),
    "venue": ("compute.figures.venues", "venue"),
    "mode_words": ("compute.figures.words", "mode_words"),
    "optimizer_words": ("compute.figures.words", "optimizer_words"),
    "drain": ("compute.generators", "drain"),
    "surface_heights": ("compute.formats.surface", "surface_heights"),
    "mapped": ("compute.generators", "mapped"),
    "FIELDS": ("compute.geometry.grid", "FIELDS"),
    "GridBlock": ("compute.geometry.grid", "GridBlock"),
    "LandscapeGrid": ("compute.geometry.grid", "LandscapeGrid"),
    "Window": ("compute.geometry.grid", "Window"),
    "evaluate_grid": ("compute.geometry.grid", "evaluate_grid"),
    "evaluate_loss": ("compute.geometry.grid", "evaluate_loss"),
    "display_values": ("compute.geometry.isolines", "display_values"),
    "isolines": ("compute.geometry.isolines", "isolines"),
    "levels_for": ("compute.geometry.isolines", "levels_for"),
    "Plane": ("compute.geometry.planes", "Plane"),
    "PlaneProjection": ("compute.geometry.planes", "PlaneProjection"),
    "directions_plane": ("compute.geometry.planes", "directions_plane"),
    "filter_normalized_direction": ("compute.geometry.planes", "filter_normalized_direction"),
    "line": ("compute.geometry.planes", "line"),
    "pca_plane": ("compute.geometry.planes", "pca_plane"),
    "random_plane": ("compute.geometry.planes", "random_plane"),
    "restrict_to_plane": ("compute.geometry.planes", "restrict_to_plane"),
    "three_point_plane": ("compute.geometry.planes", "three_point_plane"),
    "DEPTH_PRESETS": ("compute.initlab.training", "DEPTH_PRESETS"),
    "DepthSweepConfig": ("compute.initlab.training", "DepthSweepConfig"),
    "DepthSweepProgress": ("compute.initlab.training", "DepthSweepProgress"),
    "DepthSweepResult": ("compute.initlab.training", "DepthSweepResult"),
    "INIT_SCHEMES": ("compute.initlab.training", "INIT_SCHEMES"),
    "NORM_LIMITS": ("compute.initlab.training", "NORM_LIMITS"),
    "NORM_PRESETS": ("compute.initlab.training", "NORM_PRESETS"),
    "NormProfile": ("compute.initlab.training", "NormProfile"),
    "NormSweepConfig": ("compute.initlab.training", "NormSweepConfig"),
    "NormSweepProgress": ("compute.initlab.training", "NormSweepProgress"),
    "NormSweepResult": ("compute.initlab.training", "NormSweepResult"),
    "SchemeNorms": ("compute.initlab.training", "SchemeNorms"),
    "SchemeRunChunk": ("compute.initlab.training", "SchemeRunChunk"),
    "SchemeTrainingConfig": ("compute.initlab.training", "SchemeTrainingConfig"),
    "TRAIN_INITS": ("compute.initlab.training", "TRAIN_INITS"),
    "TRAIN_SCENARIO": ("compute.initlab.training", "TRAIN_SCENARIO"),
    "depth_sweep": ("compute.initlab.training", "depth_sweep"),
    "norm_sweep": ("compute.initlab.training", "norm_sweep"),
    "train_schemes": ("compute.initlab.training", "train_schemes"),
    "GradientField": ("compute.landscapes.frames", "GradientField"),
    "MapFrame": ("compute.landscapes.frames", "MapFrame"),
    "landscape_frames": ("compute.landscapes.frames", "landscape_frames"),
    "landscape_geometry": ("compute.landscapes.frames", "landscape_geometry"),
    "make_frame": ("compute.landscapes.frames", "make_frame"),
    "map_frames": ("compute.landscapes.frames", "map_frames"),
    "IN_PLANE_NOTE": ("compute.landscapes.landscape", "IN_PLANE_NOTE"),
    "Landscape": ("compute.landscapes.landscape", "Landscape"),
    "Readout": ("compute.landscapes.landscape", "Readout"),
    "bind_modes": ("compute.landscapes.landscape", "bind_modes"),
    "build_landscape": ("compute.landscapes.landscape", "build_landscape"),
    "hessian_map": ("compute.landscapes.landscape", "hessian_map"),
    "readout": ("compute.landscapes.landscape", "readout"),
    "search_starts": ("compute.landscapes.landscape", "search_starts"),
    "constrained_least_squares": (
        "compute.landscapes.linear_baseline",
        "constrained_least_squares",
    ),
    "constrained_problem": ("compute.landscapes.linear_baseline", "constrained_problem"),
    "PlaneSpec": ("compute.landscapes.plane_choice", "PlaneSpec"),
    "build_plane": ("compute.landscapes.plane_choice", "build_plane"),
    "derive_plane": ("compute.landscapes.plane_choice", "derive_plane"),
    "eigen_plane": ("compute.landscapes.plane_choice", "eigen_plane"),
    "PointSpectrum": ("compute.landscapes.spectrum_types", "PointSpectrum"),
    "RitzTrail": ("compute.landscapes.spectrum_types", "RitzTrail"),
    "SpectrumOptions": ("compute.landscapes.spectrum_types", "SpectrumOptions"),
    "SpectrumRequest": ("compute.landscapes.spectrum_types", "SpectrumRequest"),
    "SpectrumStep": ("compute.landscapes.spectrum_types", "SpectrumStep"),
    "curvature_at": ("compute.landscapes.point_spectrum", "curvature_at"),
    "curvature_of": ("compute.landscapes.point_spectrum", "curvature_of"),
    "spectrum_at": ("compute.landscapes.point_spectrum", "spectrum_at"),
    "spectrum_of": ("compute.landscapes.point_spectrum", "spectrum_of"),
    "spectrum_options": ("compute.landscapes.spectrum_types", "spectrum_options"),
    "theta_at": ("compute.landscapes.point_spectrum", "theta_at"),
    "ModuleProblem": ("compute.networks.module_problem", "ModuleProblem"),
    "NetworkProblem": ("compute.networks.problem", "NetworkProblem"),
    "resolve_device": ("compute.networks.sliced", "resolve_device"),
    "Interpolation": ("compute.networks.slices", "Interpolation"),
    "evaluate_slice": ("compute.networks.slices", "evaluate_slice"),
    "interpolate": ("compute.networks.slices", "interpolate"),
    "teacher_distances": ("compute.networks.symmetry", "teacher_distances"),
    "Derivatives": ("compute.objectives.derivatives", "Derivatives"),
    "gradient": ("compute.objectives.derivatives", "gradient"),
    "second_order": ("compute.objectives.derivatives", "second_order"),
    "ParamBlock": ("compute.objectives.layout", "ParamBlock"),
    "ParamLayout": ("compute.objectives.layout", "ParamLayout"),
    "Ball": ("compute.objectives.modes", "Ball"),
    "Box": ("compute.objectives.modes", "Box"),
    "Constraint": ("compute.objectives.modes", "Constraint"),
    "Modes": ("compute.objectives.modes", "Modes"),
    "make_constraint": ("compute.objectives.modes", "make_constraint"),
    "parse_constraint": ("compute.objectives.modes", "parse_constraint"),
    "Metric": ("compute.objectives.objective", "Metric"),
    "Objective": ("compute.objectives.objective", "Objective"),
    "Capabilities": ("compute.objectives.problem", "Capabilities"),
    "Problem": ("compute.objectives.problem", "Problem"),
    "ToyProblem": ("compute.objectives.problem", "ToyProblem"),
    "atomic_write": ("compute.outputs", "atomic_write"),
    "output_path": ("compute.outputs", "output_path"),
    "SCENARIOS": ("compute.scenarios.catalogue", "SCENARIOS"),
    "ScenarioSpec": ("compute.scenarios.catalogue", "ScenarioSpec"),
    "build_problem": ("compute.scenarios.catalogue", "build_problem"),
    "register_scenario": ("compute.scenarios.catalogue", "register_scenario"),
    "scenario": ("compute.scenarios.catalogue", "scenario"),
    "scenario_warnings": ("compute.scenarios.catalogue", "scenario_warnings"),
    "unregister_scenario": ("compute.scenarios.catalogue", "unregister_scenario"),
    "NetworkSpec": ("compute.scenarios.networks", "NetworkSpec"),
    "is_model_id": ("compute.scenarios.own_model", "is_model_id"),
    "register_model": ("compute.scenarios.own_model", "register_model"),
    "ParamSpec": ("compute.scenarios.params", "ParamSpec"),
    "ToySpec": ("compute.scenarios.toys", "ToySpec"),
    "ModelNotLoaded": ("compute.sessions.model_reference", "ModelNotLoaded"),
    "load_session": ("compute.sessions.file", "load"),
    "save_session": ("compute.sessions.file", "save"),
    "session_from_json": ("compute.sessions.file", "from_json"),
    "session_to_json": ("compute.sessions.file", "to_json"),
    "RunUpdate": ("compute.sessions.runs", "RunUpdate"),
    "resolve_starts": ("compute.sessions.runs", "resolve_starts"),
    "start_theta": ("compute.sessions.runs", "start_theta"),
    "track_run": ("compute.sessions.runs", "track_run"),
    "HESSIAN_FIELDS": ("compute.sessions.session", "HESSIAN_FIELDS"),
    "OVERLAYS": ("compute.sessions.session", "OVERLAYS"),
    "RunSettings": ("compute.sessions.session", "RunSettings"),
    "Session": ("compute.sessions.session", "Session"),
    "default_session": ("compute.sessions.session", "default_session"),
    "DEFAULT_LR": ("compute.vocabulary", "DEFAULT_LR"),
    "NETWORK_LR": ("compute.vocabulary", "NETWORK_LR"),
    "OPTIMIZERS": ("compute.vocabulary", "OPTIMIZERS"),
    "PLANE_KINDS": ("compute.vocabulary", "PLANE_KINDS"),
    "RUN_STATES": ("compute.vocabulary", "RUN_STATES"),
    "STATUS_NAMES": ("compute.vocabulary", "STATUS_NAMES"),
    "PATH_METHODS": ("compute.paths.result", "METHODS"),
    "PathRequest": ("compute.paths.result", "PathRequest"),
    "PathResult": ("compute.paths.result", "PathResult"),
    "PathStep": ("compute.paths.result", "PathStep"),
    "connect_points": ("compute.paths.connect", "connect"),
    "PathRecord": ("compute.sessions.kept_paths", "PathRecord"),
    "path_record": ("compute.sessions.kept_paths", "record_of"),
}
"""Public name → (module, attribute). ``tests/compute/test_public_api.py`` checks that the
typed imports below name exactly these, so the two cannot drift apart."""
_MODULES: dict[str, str] = {"figure_style": "compute.figures.style"}
"""Modules of the public API (the one style table of maps, runs and markers)."""

__all__ = [
    "ANIMATION_FORMATS",
    "DATA_FORMATS",
    "DEFAULT_LR",
    "DEPTH_PRESETS",
    "FIELDS",
    "FIGURE_FORMATS",
    "GALLERY_ENTRIES",
    "GALLERY_SESSIONS",
    "HESSIAN_FIELDS",
    "INIT_SCHEMES",
    "IN_PLANE_NOTE",
    "KINDS",
    "NETWORK_LR",
    "NORM_LIMITS",
    "NORM_PRESETS",
    "OPTIMIZERS",
    "OTHER_CODES",
    "OVERLAYS",
    "PATH_METHODS",
    "PLANE_KINDS",
    "RUN_STATES",
    "SCENARIOS",
    "STATUS_NAMES",
    "TRAIN_INITS",
    "TRAIN_SCENARIO",
    "VENUES",
    "Attractor",
    "Ball",
    "BasinBlock",
    "BasinMap",
    "Box",
    "Capabilities",
    "ClusterConnection",
    "Composition",
    "Constraint",
    "CriticalPoint",
    "CriticalProgress",
    "CurvesPanel",
    "DepthSweepConfig",
    "DepthSweepProgress",
    "DepthSweepResult",
    "Derivatives",
    "GradientField",
    "GridBlock",
    "HessianOverlay",
    "Interpolation",
    "Landscape",
    "LandscapeError",
    "LandscapeGrid",
    "MapFrame",
    "MapPanel",
    "Metric",
    "ModelNotLoaded",
    "Modes",
    "ModuleProblem",
    "NetworkProblem",
    "NetworkSpec",
    "NormProfile",
    "NormSweepConfig",
    "NormSweepProgress",
    "NormSweepResult",
    "Objective",
    "ParamBlock",
    "ParamLayout",
    "ParamSpec",
    "PathRecord",
    "PathRequest",
    "PathResult",
    "PathStep",
    "Plane",
    "PlaneProjection",
    "PlaneSpec",
    "PointSpectrum",
    "Problem",
    "Readout",
    "RitzTrail",
    "RunChunk",
    "RunConfig",
    "RunHistory",
    "RunSettings",
    "RunTrace",
    "RunUpdate",
    "ScenarioSpec",
    "Scene",
    "SceneProgress",
    "SchemeNorms",
    "SchemeRunChunk",
    "SchemeTrainingConfig",
    "Series",
    "SeriesPanel",
    "Session",
    "SpectrumOptions",
    "SpectrumPanel",
    "SpectrumRequest",
    "SpectrumStep",
    "TlsFiles",
    "ToyProblem",
    "ToySpec",
    "UserCodeError",
    "Window",
    "animate",
    "atomic_write",
    "attractors_from",
    "basin_map",
    "basin_resolution",
    "bind_modes",
    "build_landscape",
    "build_plane",
    "build_problem",
    "check_dpi",
    "cli_main",
    "compose",
    "connect_cluster",
    "connect_points",
    "constrained_least_squares",
    "constrained_problem",
    "critical_points",
    "curvature_at",
    "curvature_of",
    "curves_panel_of",
    "default_session",
    "depth_sweep",
    "derive_plane",
    "descend",
    "directions_plane",
    "display_values",
    "drain",
    "eigen_plane",
    "evaluate_grid",
    "evaluate_loss",
    "evaluate_slice",
    "export_data",
    "figure_record",
    "figure_style",
    "filter_normalized_direction",
    "gallery",
    "gradient",
    "grid_candidates",
    "hessian_map",
    "interpolate",
    "is_model_id",
    "isolines",
    "landscape_frames",
    "landscape_geometry",
    "levels_for",
    "line",
    "load_session",
    "make_constraint",
    "make_frame",
    "map_frames",
    "map_panel_of",
    "mapped",
    "mode_words",
    "norm_sweep",
    "optimizer_words",
    "output_path",
    "parse_constraint",
    "parse_layout",
    "parse_scheduler",
    "path_record",
    "pca_plane",
    "profile_panel_of",
    "provenance_of",
    "random_plane",
    "readout",
    "register_model",
    "register_scenario",
    "render_figure",
    "resolve_device",
    "resolve_starts",
    "restrict_to_plane",
    "run_from_init",
    "run_label",
    "run_to_end",
    "save_figure",
    "save_session",
    "scenario",
    "scenario_warnings",
    "scene_from_file",
    "scene_from_session",
    "search_starts",
    "second_order",
    "session_from_json",
    "session_to_json",
    "short",
    "spectrum_at",
    "spectrum_of",
    "spectrum_options",
    "spectrum_panel_of",
    "start_theta",
    "subject_of",
    "surface_heights",
    "teacher_distances",
    "theta_at",
    "three_point_plane",
    "track_run",
    "train_schemes",
    "unregister_scenario",
    "use_grid_executor",
    "venue",
    "write_sidecar",
]


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        value: Any = importlib.import_module(_MODULES[name])
        globals()[name] = value
        return value
    try:
        module, attr = _API[name]
    except KeyError:
        raise AttributeError(f"module 'compute' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:
    from compute.cli.main import main as cli_main
    from compute.cluster.address import parse_scheduler as parse_scheduler
    from compute.cluster.connection import ClusterConnection as ClusterConnection
    from compute.cluster.connection import TlsFiles as TlsFiles
    from compute.cluster.connection import connect as connect_cluster
    from compute.critical.point import CriticalProgress as CriticalProgress
    from compute.critical.search import KINDS as KINDS
    from compute.critical.search import CriticalPoint as CriticalPoint
    from compute.critical.search import critical_points as critical_points
    from compute.critical.starts import grid_candidates as grid_candidates
    from compute.dynamics.basins import OTHER_CODES as OTHER_CODES
    from compute.dynamics.basins import Attractor as Attractor
    from compute.dynamics.basins import BasinBlock as BasinBlock
    from compute.dynamics.basins import BasinMap as BasinMap
    from compute.dynamics.basins import attractors_from as attractors_from
    from compute.dynamics.basins import basin_map as basin_map
    from compute.dynamics.basins import basin_resolution as basin_resolution
    from compute.dynamics.descent import RunChunk as RunChunk
    from compute.dynamics.descent import RunHistory as RunHistory
    from compute.dynamics.descent import descend as descend
    from compute.dynamics.descent import run_from_init as run_from_init
    from compute.dynamics.descent import run_to_end as run_to_end
    from compute.dynamics.optimizers import RunConfig as RunConfig
    from compute.errors import LandscapeError as LandscapeError
    from compute.errors import UserCodeError as UserCodeError
    from compute.errors import short as short
    from compute.figures import style as figure_style
    from compute.figures.animate import ANIMATION_FORMATS as ANIMATION_FORMATS
    from compute.figures.animate import animate as animate
    from compute.figures.assemble import curves_panel_of as curves_panel_of
    from compute.figures.assemble import map_panel_of as map_panel_of
    from compute.figures.assemble import profile_panel_of as profile_panel_of
    from compute.figures.assemble import run_label as run_label
    from compute.figures.assemble import spectrum_panel_of as spectrum_panel_of
    from compute.figures.assemble import subject_of as subject_of
    from compute.figures.compose import Composition as Composition
    from compute.figures.compose import compose as compose
    from compute.figures.data import DATA_FORMATS as DATA_FORMATS
    from compute.figures.data import export_data as export_data
    from compute.figures.gallery import ENTRIES as GALLERY_ENTRIES
    from compute.figures.gallery import SESSIONS as GALLERY_SESSIONS
    from compute.figures.gallery import gallery as gallery
    from compute.figures.panels import CurvesPanel as CurvesPanel
    from compute.figures.panels import HessianOverlay as HessianOverlay
    from compute.figures.panels import MapPanel as MapPanel
    from compute.figures.panels import RunTrace as RunTrace
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
    from compute.figures.scene import SceneProgress as SceneProgress
    from compute.figures.scene import scene_from_file as scene_from_file
    from compute.figures.scene import scene_from_session as scene_from_session
    from compute.figures.venues import VENUES as VENUES
    from compute.figures.venues import check_dpi as check_dpi
    from compute.figures.venues import parse_layout as parse_layout
    from compute.figures.venues import venue as venue
    from compute.figures.words import mode_words as mode_words
    from compute.figures.words import optimizer_words as optimizer_words
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
