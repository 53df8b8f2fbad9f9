"""Landscape Explorer's numerical core: objectives, modes, grids, runs, critical points.

Headless and Qt-free: everything here runs in a test, a CLI command or a notebook. The public
API below is imported lazily (PEP 562): ``import compute`` costs nothing, and the command line
answers ``--help`` without loading torch; each name loads its module on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_API: dict[str, tuple[str, str]] = {
    "scenario_warnings": ("compute.registry", "scenario_warnings"),
    "bind_modes": ("compute.landscape", "bind_modes"),
    "constrained_problem": ("compute.linear_baseline", "constrained_problem"),
    "constrained_least_squares": ("compute.linear_baseline", "constrained_least_squares"),
    "Constraint": ("compute.modes", "Constraint"),
    "Scene": ("compute.figures.panels", "Scene"),
    "MapPanel": ("compute.figures.panels", "MapPanel"),
    "CurvesPanel": ("compute.figures.panels", "CurvesPanel"),
    "SpectrumPanel": ("compute.figures.panels", "SpectrumPanel"),
    "Series": ("compute.figures.panels", "Series"),
    "SeriesPanel": ("compute.figures.panels", "SeriesPanel"),
    "RunTrace": ("compute.figures.panels", "RunTrace"),
    "HessianOverlay": ("compute.figures.panels", "HessianOverlay"),
    "compose": ("compute.figures.compose", "compose"),
    "Composition": ("compute.figures.compose", "Composition"),
    "render_figure": ("compute.figures.render", "render_figure"),
    "save_figure": ("compute.figures.render", "save"),
    "write_sidecar": ("compute.figures.render", "write_sidecar"),
    "FIGURE_FORMATS": ("compute.figures.render", "FIGURE_FORMATS"),
    "export_data": ("compute.figures.data", "export_data"),
    "DATA_FORMATS": ("compute.figures.data", "DATA_FORMATS"),
    "animate": ("compute.figures.animate", "animate"),
    "ANIMATION_FORMATS": ("compute.figures.animate", "ANIMATION_FORMATS"),
    "scene_from_session": ("compute.figures.scene", "scene_from_session"),
    "scene_from_file": ("compute.figures.scene", "scene_from_file"),
    "SceneProgress": ("compute.figures.scene", "SceneProgress"),
    "map_panel_of": ("compute.figures.assemble", "map_panel_of"),
    "curves_panel_of": ("compute.figures.assemble", "curves_panel_of"),
    "spectrum_panel_of": ("compute.figures.assemble", "spectrum_panel_of"),
    "run_label": ("compute.figures.assemble", "run_label"),
    "subject_of": ("compute.figures.assemble", "subject_of"),
    "figure_record": ("compute.figures.provenance", "figure_record"),
    "provenance_of": ("compute.figures.provenance", "provenance_of"),
    "mode_words": ("compute.figures.words", "mode_words"),
    "optimizer_words": ("compute.figures.words", "optimizer_words"),
    "VENUES": ("compute.figures.venues", "VENUES"),
    "parse_layout": ("compute.figures.venues", "parse_layout"),
    "check_dpi": ("compute.figures.venues", "check_dpi"),
    "venue": ("compute.figures.venues", "venue"),
    "gallery": ("compute.figures.gallery", "gallery"),
    "GALLERY_ENTRIES": ("compute.figures.gallery", "ENTRIES"),
    "GALLERY_SESSIONS": ("compute.figures.gallery", "SESSIONS"),
    "Attractor": ("compute.basins", "Attractor"),
    "BasinBlock": ("compute.basins", "BasinBlock"),
    "BasinMap": ("compute.basins", "BasinMap"),
    "OTHER_CODES": ("compute.basins", "OTHER_CODES"),
    "attractors_from": ("compute.basins", "attractors_from"),
    "basin_map": ("compute.basins", "basin_map"),
    "basin_resolution": ("compute.basins", "basin_resolution"),
    "KINDS": ("compute.critical", "KINDS"),
    "CriticalPoint": ("compute.critical", "CriticalPoint"),
    "critical_points": ("compute.critical", "critical_points"),
    "Derivatives": ("compute.derivatives", "Derivatives"),
    "gradient": ("compute.derivatives", "gradient"),
    "second_order": ("compute.derivatives", "second_order"),
    "RunChunk": ("compute.descent", "RunChunk"),
    "RunHistory": ("compute.descent", "RunHistory"),
    "descend": ("compute.descent", "descend"),
    "run_to_end": ("compute.descent", "run_to_end"),
    "LandscapeError": ("compute.errors", "LandscapeError"),
    "short": ("compute.errors", "short"),
    "GradientField": ("compute.frames", "GradientField"),
    "MapFrame": ("compute.frames", "MapFrame"),
    "landscape_frames": ("compute.frames", "landscape_frames"),
    "landscape_geometry": ("compute.frames", "landscape_geometry"),
    "make_frame": ("compute.frames", "make_frame"),
    "map_frames": ("compute.frames", "map_frames"),
    "drain": ("compute.generators", "drain"),
    "DEPTH_PRESETS": ("compute.lab_api", "DEPTH_PRESETS"),
    "INIT_SCHEMES": ("compute.lab_api", "INIT_SCHEMES"),
    "NORM_LIMITS": ("compute.lab_api", "NORM_LIMITS"),
    "NORM_PRESETS": ("compute.lab_api", "NORM_PRESETS"),
    "TRAIN_INITS": ("compute.lab_api", "TRAIN_INITS"),
    "TRAIN_SCENARIO": ("compute.lab_api", "TRAIN_SCENARIO"),
    "DepthSweepConfig": ("compute.lab_api", "DepthSweepConfig"),
    "DepthSweepProgress": ("compute.lab_api", "DepthSweepProgress"),
    "DepthSweepResult": ("compute.lab_api", "DepthSweepResult"),
    "NormProfile": ("compute.lab_api", "NormProfile"),
    "NormSweepConfig": ("compute.lab_api", "NormSweepConfig"),
    "NormSweepProgress": ("compute.lab_api", "NormSweepProgress"),
    "NormSweepResult": ("compute.lab_api", "NormSweepResult"),
    "SchemeNorms": ("compute.lab_api", "SchemeNorms"),
    "SchemeRunChunk": ("compute.lab_api", "SchemeRunChunk"),
    "SchemeTrainingConfig": ("compute.lab_api", "SchemeTrainingConfig"),
    "depth_sweep": ("compute.lab_api", "depth_sweep"),
    "has_init_parameter": ("compute.lab_api", "has_init_parameter"),
    "norm_sweep": ("compute.lab_api", "norm_sweep"),
    "train_schemes": ("compute.lab_api", "train_schemes"),
    "PointSpectrum": ("compute.spectra", "PointSpectrum"),
    "RitzTrail": ("compute.spectra", "RitzTrail"),
    "SpectrumOptions": ("compute.spectra", "SpectrumOptions"),
    "SpectrumRequest": ("compute.spectra", "SpectrumRequest"),
    "SpectrumStep": ("compute.spectra", "SpectrumStep"),
    "spectrum_at": ("compute.spectra", "spectrum_at"),
    "spectrum_options": ("compute.spectra", "spectrum_options"),
    "spectrum_of": ("compute.spectra", "spectrum_of"),
    "curvature_at": ("compute.spectra", "curvature_at"),
    "curvature_of": ("compute.spectra", "curvature_of"),
    "theta_at": ("compute.spectra", "theta_at"),
    "teacher_distances": ("compute.symmetry", "teacher_distances"),
    "grid_candidates": ("compute.critical_starts", "grid_candidates"),
    "CriticalProgress": ("compute.critical_point", "CriticalProgress"),
    "cli_main": ("compute.cli", "main"),
    "output_path": ("compute.outputs", "output_path"),
    "atomic_write": ("compute.outputs", "atomic_write"),
    "FIELDS": ("compute.grid", "FIELDS"),
    "GridBlock": ("compute.grid", "GridBlock"),
    "LandscapeGrid": ("compute.grid", "LandscapeGrid"),
    "Window": ("compute.grid", "Window"),
    "evaluate_grid": ("compute.grid", "evaluate_grid"),
    "evaluate_loss": ("compute.grid", "evaluate_loss"),
    "display_values": ("compute.isolines", "display_values"),
    "isolines": ("compute.isolines", "isolines"),
    "levels_for": ("compute.isolines", "levels_for"),
    "IN_PLANE_NOTE": ("compute.landscape", "IN_PLANE_NOTE"),
    "Landscape": ("compute.landscape", "Landscape"),
    "Readout": ("compute.landscape", "Readout"),
    "build_landscape": ("compute.landscape", "build_landscape"),
    "hessian_map": ("compute.landscape", "hessian_map"),
    "HESSIAN_FIELDS": ("compute.session", "HESSIAN_FIELDS"),
    "search_starts": ("compute.landscape", "search_starts"),
    "readout": ("compute.landscape", "readout"),
    "Ball": ("compute.modes", "Ball"),
    "Box": ("compute.modes", "Box"),
    "Modes": ("compute.modes", "Modes"),
    "make_constraint": ("compute.modes", "make_constraint"),
    "parse_constraint": ("compute.modes", "parse_constraint"),
    "NetworkProblem": ("compute.network_problem", "NetworkProblem"),
    "resolve_device": ("compute.network_problem", "resolve_device"),
    "NETWORKS": ("compute.network_registry", "NETWORKS"),
    "NetworkSpec": ("compute.network_registry", "NetworkSpec"),
    "network": ("compute.network_registry", "network"),
    "Metric": ("compute.objective", "Metric"),
    "Objective": ("compute.objective", "Objective"),
    "restrict_to_plane": ("compute.objective", "restrict_to_plane"),
    "ParamBlock": ("compute.objectives.layout", "ParamBlock"),
    "ParamLayout": ("compute.objectives.layout", "ParamLayout"),
    "DEFAULT_LR": ("compute.optimizers", "DEFAULT_LR"),
    "OPTIMIZERS": ("compute.vocabulary", "OPTIMIZERS"),
    "RUN_STATES": ("compute.vocabulary", "RUN_STATES"),
    "STATUS_NAMES": ("compute.vocabulary", "STATUS_NAMES"),
    "RunConfig": ("compute.optimizers", "RunConfig"),
    "PLANE_KINDS": ("compute.vocabulary", "PLANE_KINDS"),
    "PlaneSpec": ("compute.plane_choice", "PlaneSpec"),
    "build_plane": ("compute.plane_choice", "build_plane"),
    "derive_plane": ("compute.plane_choice", "derive_plane"),
    "eigen_plane": ("compute.plane_choice", "eigen_plane"),
    "Plane": ("compute.planes", "Plane"),
    "PlaneProjection": ("compute.planes", "PlaneProjection"),
    "directions_plane": ("compute.planes", "directions_plane"),
    "line": ("compute.planes", "line"),
    "pca_plane": ("compute.planes", "pca_plane"),
    "random_plane": ("compute.planes", "random_plane"),
    "three_point_plane": ("compute.planes", "three_point_plane"),
    "filter_normalized_direction": ("compute.planes", "filter_normalized_direction"),
    "run_from_init": ("compute.descent", "run_from_init"),
    "Problem": ("compute.problem", "Problem"),
    "ToyProblem": ("compute.problem", "ToyProblem"),
    "is_network": ("compute.problem", "is_network"),
    "SCENARIOS": ("compute.registry", "SCENARIOS"),
    "ParamSpec": ("compute.registry", "ParamSpec"),
    "ScenarioSpec": ("compute.registry", "ScenarioSpec"),
    "scenario": ("compute.registry", "scenario"),
    "toy": ("compute.registry", "toy"),
    "OVERLAYS": ("compute.session", "OVERLAYS"),
    "RunSettings": ("compute.session", "RunSettings"),
    "Session": ("compute.session", "Session"),
    "default_session": ("compute.session", "default_session"),
    "load_session": ("compute.session_file", "load"),
    "save_session": ("compute.session_file", "save"),
    "session_to_json": ("compute.session_file", "to_json"),
    "session_from_json": ("compute.session_file", "from_json"),
    "Interpolation": ("compute.slices", "Interpolation"),
    "evaluate_slice": ("compute.slices", "evaluate_slice"),
    "interpolate": ("compute.slices", "interpolate"),
    "RunUpdate": ("compute.tracking", "RunUpdate"),
    "resolve_starts": ("compute.tracking", "resolve_starts"),
    "start_theta": ("compute.tracking", "start_theta"),
    "track_run": ("compute.tracking", "track_run"),
}
"""Public name → (module, attribute)."""
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
    "NETWORKS",
    "NORM_LIMITS",
    "NORM_PRESETS",
    "OPTIMIZERS",
    "OTHER_CODES",
    "OVERLAYS",
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
    "Modes",
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
    "ToyProblem",
    "Window",
    "animate",
    "atomic_write",
    "attractors_from",
    "basin_map",
    "basin_resolution",
    "bind_modes",
    "build_landscape",
    "build_plane",
    "check_dpi",
    "cli_main",
    "compose",
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
    "has_init_parameter",
    "hessian_map",
    "interpolate",
    "is_network",
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
    "mode_words",
    "network",
    "norm_sweep",
    "optimizer_words",
    "output_path",
    "parse_constraint",
    "parse_layout",
    "pca_plane",
    "provenance_of",
    "random_plane",
    "readout",
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
    "teacher_distances",
    "theta_at",
    "three_point_plane",
    "toy",
    "track_run",
    "train_schemes",
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
    from compute.basins import OTHER_CODES as OTHER_CODES
    from compute.basins import Attractor as Attractor
    from compute.basins import BasinBlock as BasinBlock
    from compute.basins import BasinMap as BasinMap
    from compute.basins import attractors_from as attractors_from
    from compute.basins import basin_map as basin_map
    from compute.basins import basin_resolution as basin_resolution
    from compute.cli import main as cli_main
    from compute.critical import KINDS as KINDS
    from compute.critical import CriticalPoint as CriticalPoint
    from compute.critical import critical_points as critical_points
    from compute.critical_point import CriticalProgress as CriticalProgress
    from compute.critical_starts import grid_candidates as grid_candidates
    from compute.derivatives import Derivatives as Derivatives
    from compute.derivatives import gradient as gradient
    from compute.derivatives import second_order as second_order
    from compute.descent import RunChunk as RunChunk
    from compute.descent import RunHistory as RunHistory
    from compute.descent import descend as descend
    from compute.descent import run_from_init as run_from_init
    from compute.descent import run_to_end as run_to_end
    from compute.errors import LandscapeError as LandscapeError
    from compute.errors import short as short
    from compute.figures import style as figure_style
    from compute.figures.animate import ANIMATION_FORMATS as ANIMATION_FORMATS
    from compute.figures.animate import animate as animate
    from compute.figures.assemble import curves_panel_of as curves_panel_of
    from compute.figures.assemble import map_panel_of as map_panel_of
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
    from compute.frames import GradientField as GradientField
    from compute.frames import MapFrame as MapFrame
    from compute.frames import landscape_frames as landscape_frames
    from compute.frames import landscape_geometry as landscape_geometry
    from compute.frames import make_frame as make_frame
    from compute.frames import map_frames as map_frames
    from compute.generators import drain as drain
    from compute.grid import FIELDS as FIELDS
    from compute.grid import GridBlock as GridBlock
    from compute.grid import LandscapeGrid as LandscapeGrid
    from compute.grid import Window as Window
    from compute.grid import evaluate_grid as evaluate_grid
    from compute.grid import evaluate_loss as evaluate_loss
    from compute.isolines import display_values as display_values
    from compute.isolines import isolines as isolines
    from compute.isolines import levels_for as levels_for
    from compute.lab_api import DEPTH_PRESETS as DEPTH_PRESETS
    from compute.lab_api import INIT_SCHEMES as INIT_SCHEMES
    from compute.lab_api import NORM_LIMITS as NORM_LIMITS
    from compute.lab_api import NORM_PRESETS as NORM_PRESETS
    from compute.lab_api import TRAIN_INITS as TRAIN_INITS
    from compute.lab_api import TRAIN_SCENARIO as TRAIN_SCENARIO
    from compute.lab_api import DepthSweepConfig as DepthSweepConfig
    from compute.lab_api import DepthSweepProgress as DepthSweepProgress
    from compute.lab_api import DepthSweepResult as DepthSweepResult
    from compute.lab_api import NormProfile as NormProfile
    from compute.lab_api import NormSweepConfig as NormSweepConfig
    from compute.lab_api import NormSweepProgress as NormSweepProgress
    from compute.lab_api import NormSweepResult as NormSweepResult
    from compute.lab_api import SchemeNorms as SchemeNorms
    from compute.lab_api import SchemeRunChunk as SchemeRunChunk
    from compute.lab_api import SchemeTrainingConfig as SchemeTrainingConfig
    from compute.lab_api import depth_sweep as depth_sweep
    from compute.lab_api import has_init_parameter as has_init_parameter
    from compute.lab_api import norm_sweep as norm_sweep
    from compute.lab_api import train_schemes as train_schemes
    from compute.landscape import IN_PLANE_NOTE as IN_PLANE_NOTE
    from compute.landscape import Landscape as Landscape
    from compute.landscape import Readout as Readout
    from compute.landscape import bind_modes as bind_modes
    from compute.landscape import build_landscape as build_landscape
    from compute.landscape import hessian_map as hessian_map
    from compute.landscape import readout as readout
    from compute.landscape import search_starts as search_starts
    from compute.linear_baseline import constrained_least_squares as constrained_least_squares
    from compute.linear_baseline import constrained_problem as constrained_problem
    from compute.modes import Ball as Ball
    from compute.modes import Box as Box
    from compute.modes import Constraint as Constraint
    from compute.modes import Modes as Modes
    from compute.modes import make_constraint as make_constraint
    from compute.modes import parse_constraint as parse_constraint
    from compute.network_problem import NetworkProblem as NetworkProblem
    from compute.network_problem import resolve_device as resolve_device
    from compute.network_registry import NETWORKS as NETWORKS
    from compute.network_registry import NetworkSpec as NetworkSpec
    from compute.network_registry import network as network
    from compute.objective import Metric as Metric
    from compute.objective import Objective as Objective
    from compute.objective import restrict_to_plane as restrict_to_plane
    from compute.objectives.layout import ParamBlock as ParamBlock
    from compute.objectives.layout import ParamLayout as ParamLayout
    from compute.optimizers import DEFAULT_LR as DEFAULT_LR
    from compute.optimizers import RunConfig as RunConfig
    from compute.outputs import atomic_write as atomic_write
    from compute.outputs import output_path as output_path
    from compute.plane_choice import PlaneSpec as PlaneSpec
    from compute.plane_choice import build_plane as build_plane
    from compute.plane_choice import derive_plane as derive_plane
    from compute.plane_choice import eigen_plane as eigen_plane
    from compute.planes import Plane as Plane
    from compute.planes import PlaneProjection as PlaneProjection
    from compute.planes import directions_plane as directions_plane
    from compute.planes import filter_normalized_direction as filter_normalized_direction
    from compute.planes import line as line
    from compute.planes import pca_plane as pca_plane
    from compute.planes import random_plane as random_plane
    from compute.planes import three_point_plane as three_point_plane
    from compute.problem import Problem as Problem
    from compute.problem import ToyProblem as ToyProblem
    from compute.problem import is_network as is_network
    from compute.registry import SCENARIOS as SCENARIOS
    from compute.registry import ParamSpec as ParamSpec
    from compute.registry import ScenarioSpec as ScenarioSpec
    from compute.registry import scenario as scenario
    from compute.registry import scenario_warnings as scenario_warnings
    from compute.registry import toy as toy
    from compute.session import HESSIAN_FIELDS as HESSIAN_FIELDS
    from compute.session import OVERLAYS as OVERLAYS
    from compute.session import RunSettings as RunSettings
    from compute.session import Session as Session
    from compute.session import default_session as default_session
    from compute.session_file import from_json as session_from_json
    from compute.session_file import load as load_session
    from compute.session_file import save as save_session
    from compute.session_file import to_json as session_to_json
    from compute.slices import Interpolation as Interpolation
    from compute.slices import evaluate_slice as evaluate_slice
    from compute.slices import interpolate as interpolate
    from compute.spectra import PointSpectrum as PointSpectrum
    from compute.spectra import RitzTrail as RitzTrail
    from compute.spectra import SpectrumOptions as SpectrumOptions
    from compute.spectra import SpectrumRequest as SpectrumRequest
    from compute.spectra import SpectrumStep as SpectrumStep
    from compute.spectra import curvature_at as curvature_at
    from compute.spectra import curvature_of as curvature_of
    from compute.spectra import spectrum_at as spectrum_at
    from compute.spectra import spectrum_of as spectrum_of
    from compute.spectra import spectrum_options as spectrum_options
    from compute.spectra import theta_at as theta_at
    from compute.symmetry import teacher_distances as teacher_distances
    from compute.tracking import RunUpdate as RunUpdate
    from compute.tracking import resolve_starts as resolve_starts
    from compute.tracking import start_theta as start_theta
    from compute.tracking import track_run as track_run
    from compute.vocabulary import OPTIMIZERS as OPTIMIZERS
    from compute.vocabulary import PLANE_KINDS as PLANE_KINDS
    from compute.vocabulary import RUN_STATES as RUN_STATES
    from compute.vocabulary import STATUS_NAMES as STATUS_NAMES
