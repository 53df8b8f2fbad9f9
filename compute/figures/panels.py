"""What a figure shows, panel by panel: frozen data, computed elsewhere, drawn by ``render``.

A ``Scene`` is what one window (or one session file) shows: a map panel (the MapFrame the view
draws and every overlay that is on), a curves panel (the runs' F, ‖∇F‖ and metric), optionally
a spectrum panel, and the provenance that traces it back to its settings. ``SeriesPanel`` is a
plain line plot (the initialization lab's norm and depth sweeps). The runs a map and the curves
draw are ``RunTrace``s (``compute.figures.run_trace``), the full-space curvature map over a map
a ``HessianOverlay`` (``compute.figures.curvature_overlay``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from compute.critical.search import CriticalPoint
from compute.dynamics.basins import BasinMap
from compute.errors import LandscapeError
from compute.figures.curvature_overlay import HessianOverlay
from compute.figures.run_trace import RunTrace
from compute.landscapes.frames import GradientField, MapFrame
from compute.objectives.modes import Ball, Box
from compute.sessions.kept_paths import PathRecord


@dataclass(frozen=True)
class MapPanel:
    """A map as the view shows it.

    Attributes
    ----------
    frame : the MapFrame the view draws: ``image`` on ``image_axes`` (the display values,
        resampled for coarse slices), isoline ``levels`` (display units) and their ``lines``
    axis_names : ("w", "v") or ("w",) (mathtext allowed: "$a$")
    title : caption-style title ("L2, λ = 0.2"; mathtext allowed), subject : the scenario in
        words (used as title when panels of different scenarios are composed)
    quantity : what F is: the scenario's id (its loss), or an imported field with its source;
        maps of different quantities never share a colour scale ("": unknown, not compared)
    colour_range : (lo, hi) of the colour bar in display units; None: ``style.colour_range``
        of ``frame.display`` (the window's rule)
    window : (x0, x1, y0, y1) or (x0, x1) shown; () for the frame's extent
    isolines : draw the frame's lines; equal_axes : one unit is as long on both axes
    critical : critical points drawn by kind; selected : index of the one whose Hessian
        eigenvectors are drawn (−1: none)
    basins : the basin map drawn over the map with its legend (None: off)
    curvature : (ny, nx) λ_min(∇²F) on ``frame.axes`` for the negative-curvature overlay
    hessian : the full-space curvature map drawn over the map with its legend entry (None: off)
    gradient : −∇F arrows (None: off)
    constraint : the constraint set's outline (None: none or not drawn)
    runs : the runs' paths; paths : kept paths between two points (``compute.paths``), drawn
        with their highest point; marks : a slice's named points, name → (a, b, distance from it)
    plane : a slice's plane θ(a, b) = origin + a·d₁ + b·d₂ as "origin", "d1", "d2" → (n,)
        arrays (empty for a toy), written with the data so the slice can be recomputed
    """

    frame: MapFrame
    axis_names: tuple[str, ...]
    title: str = ""
    subject: str = ""
    quantity: str = ""
    colour_range: tuple[float, float] | None = None
    window: tuple[float, ...] = ()
    isolines: bool = True
    equal_axes: bool = False
    critical: tuple[CriticalPoint, ...] = ()
    selected: int = -1
    basins: BasinMap | None = None
    curvature: np.ndarray | None = None
    hessian: HessianOverlay | None = None
    gradient: GradientField | None = None
    constraint: Ball | Box | None = None
    runs: tuple[RunTrace, ...] = ()
    paths: tuple[PathRecord, ...] = ()
    marks: Mapping[str, tuple[float, float, float]] = field(default_factory=dict)
    plane: Mapping[str, np.ndarray] = field(default_factory=dict)

    @property
    def dim(self) -> int:
        return len(self.frame.axes)

    def bounds(self) -> tuple[float, ...]:
        """The window shown: ``window`` or the frame's axes' extent."""
        if self.window:
            return tuple(float(b) for b in self.window)
        return tuple(float(v) for a in self.frame.axes for v in (a[0], a[-1]))


@dataclass(frozen=True)
class CurvesPanel:
    """The runs' curves against the step: F (train solid, test dashed, reference levels
    dotted), ‖∇F‖ (projected gradient dotted where a constraint acts), and the scenario's
    metric (solid; aligned distance dashed, function distance dotted) when there is one.

    metric_labels : metric key → label ("‖W − W*‖_F"); metric_log : log axis for the metric
    baselines : name → reference loss level (F_lin, ...)
    """

    runs: tuple[RunTrace, ...]
    title: str = ""
    subject: str = ""
    metric_labels: Mapping[str, str] = field(default_factory=dict)
    metric_log: bool = False
    baselines: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class SpectrumPanel:
    """The Hessian's spectrum at a point: its eigenvalue density, or the extremes found.

    grid, density : (g,) the SLQ density (may be empty); eigenvalues : (k,) every eigenvalue
    (``all_eigenvalues``: a histogram) or the extreme ones found: the ``n_top`` largest,
    descending, then the smallest, ascending (as ``EigenResult``); resolved : (k,) for the
    extremes, whether each is the i-th largest / smallest eigenvalue to the stated accuracy
    (``EigenResult.is_resolved``; empty: all are, as every eigenvalue of a dense pass);
    size : n, the matrix's dimension (0: unknown); where : the point in words; matrix :
    ``"hessian"`` (∇²F) or ``"ggn"`` (the Gauss–Newton matrix), what the eigenvalues are of
    """

    grid: np.ndarray
    density: np.ndarray
    eigenvalues: np.ndarray
    title: str = ""
    subject: str = ""
    where: str = ""
    all_eigenvalues: bool = False
    resolved: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    n_top: int = 0
    size: int = 0
    matrix: str = "hessian"


@dataclass(frozen=True)
class Series:
    """One line of a SeriesPanel: y (k,) against x (k,), optional band (lo, hi) (k,) each."""

    label: str
    x: np.ndarray
    y: np.ndarray
    color: str
    style: str = "solid"
    marker: str = ""
    band: tuple[np.ndarray, np.ndarray] | None = None


@dataclass(frozen=True)
class SeriesPanel:
    """A plain line plot (norm per layer, layer size against depth); ``xticks``: where to put
    plainly labelled x ticks (e.g. the depths of a sweep), () for the default."""

    series: tuple[Series, ...]
    xlabel: str
    ylabel: str
    title: str = ""
    subject: str = ""
    xlog: bool = False
    ylog: bool = False
    note: str = ""
    xticks: tuple[float, ...] = ()


@dataclass(frozen=True)
class SurfacePanel:
    """``map`` drawn in 3-D from ``azimuth``/``elevation`` degrees (mplot3d's ``view_init``)."""

    map: MapPanel
    azimuth: float = -60.0
    elevation: float = 30.0

    def __post_init__(self) -> None:
        if self.map.dim != 2:
            raise LandscapeError("a 3-D surface needs a 2-D map (this scenario has one axis)")
        if not (np.isfinite(self.azimuth) and -90 <= self.elevation <= 90):
            raise LandscapeError("the elevation of a 3-D view is between -90 and 90 degrees")

    @property
    def title(self) -> str:
        return self.map.title

    @property
    def subject(self) -> str:
        return self.map.subject


Panel = MapPanel | CurvesPanel | SpectrumPanel | SeriesPanel | SurfacePanel
PANEL_KINDS = ("map", "curves", "spectrum", "surface", "profile")


@dataclass(frozen=True)
class Scene:
    """What one window or one session shows, ready to draw, with its provenance.

    map, curves, spectrum : the panels (None where absent: no runs → no curves, spectrum only
    when computed; profile: the loss along the kept paths, when there are any); provenance :
    JSON-safe record (``compute.figures.provenance``)
    """

    map: MapPanel | None
    curves: CurvesPanel | None = None
    spectrum: SpectrumPanel | None = None
    provenance: Mapping[str, Any] = field(default_factory=dict)
    profile: SeriesPanel | None = None

    def panel(self, kind: str, azimuth: float = -60.0, elevation: float = 30.0) -> Panel:
        """The panel ``kind`` ("map", "curves", "spectrum", "profile" or "surface": the map in
        3-D from ``azimuth``/``elevation`` degrees); LandscapeError if absent."""
        if kind == "surface" and self.map is not None:
            return SurfacePanel(self.map, azimuth, elevation)
        found = {
            "map": self.map,
            "curves": self.curves,
            "spectrum": self.spectrum,
            "profile": self.profile,
        }.get(kind)
        if found is None:
            what = {"curves": "no runs", "profile": "no paths"}.get(kind, f"no {kind}")
            raise LandscapeError(
                f"this scene has {what}: choose --panel map, curves, spectrum or profile"
            )
        return found
