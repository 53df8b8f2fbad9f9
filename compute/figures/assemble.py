"""Panels from computed results: the one place that turns a session's overlays, a landscape and
what was computed on it into MapPanel / CurvesPanel / SpectrumPanel.

``scene_from_session`` uses these on results it computed itself; the window uses them on the
results its workers computed, so both draw the same overlays with the same titles.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch

from compute.critical.search import CriticalPoint
from compute.dynamics.basins import BasinMap
from compute.figures.curvature_overlay import CurvatureExtremes, HessianOverlay
from compute.figures.panels import CurvesPanel, MapPanel, Series, SeriesPanel, SpectrumPanel
from compute.figures.run_trace import RunTrace
from compute.figures.words import axis_math, mode_words, optimizer_words, param_words
from compute.landscapes.frames import GradientField, MapFrame
from compute.landscapes.landscape import Landscape
from compute.objectives.objective import metric_labels
from compute.scenarios import scenario
from compute.sessions.session import RunSettings, Session

if TYPE_CHECKING:
    from compute.landscapes.spectrum_types import PointSpectrum

METRIC_KEYS = ("metric", "aligned_distance", "function_distance")
"""The metric lines of a curves panel (solid, dashed, dotted)."""


def subject_of(session: Session) -> str:
    """The scenario in words: its title up to a colon, with the parameters that differ from the
    defaults (and named choices such as φ = relu)."""
    spec = scenario(session.scenario)
    title = re.sub(
        r"(²?)_F", lambda m: "$^2_F$" if m[1] else "$_F$", spec.title.split(":")[0].strip()
    )
    defaults = spec.defaults()
    shown = tuple(
        k for k, v in session.params.items() if v != defaults.get(k) or isinstance(v, str)
    )
    words = param_words(session.params, shown).math if shown else ""
    return f"{title}, {words}" if words else title


def run_label(settings: RunSettings) -> str:
    """A run's legend text: its optimizer in words (mathtext), never its id."""
    return optimizer_words(settings.optimizer).math


def map_panel_of(
    session: Session,
    landscape: Landscape,
    frame: MapFrame,
    critical: Sequence[CriticalPoint] = (),
    selected: int = -1,
    basins: BasinMap | None = None,
    hess_min: np.ndarray | None = None,
    gradient: GradientField | None = None,
    runs: Sequence[RunTrace] = (),
    hessian: CurvatureExtremes | None = None,
) -> MapPanel:
    """The map as the window shows it for ``session``: ``frame`` (the complete MapFrame), and
    of the rest only what the session's overlays turn on (isolines, critical points with the
    ``selected`` one's eigenvectors, basins, negative curvature from ``hess_min`` (ny, nx) on
    the frame's grid, the gradient field, the full-space curvature map: ``session.hessian_field``
    of ``hessian``'s λ_min, λ_max (nb, na) on its own grid a (na,), b (nb,), NaN cells left
    transparent), the constraint set (toys), the runs (visible ones, in the order to number
    them) and a slice's named points."""
    on = set(session.overlays)
    two_d = len(frame.axes) == 2
    full_curvature = (
        HessianOverlay.of(session.hessian_field, hessian)
        if hessian is not None and "hessian" in on and two_d
        else None
    )
    return MapPanel(
        frame,
        tuple(axis_math(n) for n in landscape.map_objective.axis_names),
        mode_words(session.modes()).math,
        subject_of(session),
        quantity=session.scenario,
        window=tuple(float(b) for b in session.window),
        isolines="isolines" in on,
        equal_axes=session.drawn_equal_axes,
        critical=tuple(critical) if "critical" in on else (),
        selected=selected if "critical" in on else -1,
        basins=basins if "basins" in on and two_d else None,
        curvature=hess_min if "curvature" in on and two_d else None,
        hessian=full_curvature,
        gradient=gradient if "gradient" in on and two_d else None,
        constraint=session.modes().constraint if not session.sliced else None,
        runs=tuple(runs),
        paths=tuple(p for p in session.paths if p.visible and len(p.coords[0]) == 2 and two_d),
        marks=landscape.marks(),
        plane=_plane_vectors(landscape),
    )


def profile_panel_of(session: Session) -> SeriesPanel | None:
    """F along each visible kept path against its position t ∈ [0, 1] (the test loss dashed
    where there is one), labelled with the method and the barrier; None without paths."""
    series: list[Series] = []
    for p in session.paths:
        if not p.visible:
            continue
        t = np.asarray(p.t, dtype=float)
        label = f"{p.method} {p.ends[0]} → {p.ends[1]} (barrier {p.barrier:.3g})"
        series.append(Series(label, t, p.loss, p.color, marker="o" if len(t) < 40 else ""))
        if "test_loss" in p.profile:
            test = np.asarray(p.profile["test_loss"], dtype=float)
            series.append(Series(f"{p.method}: test", t, test, p.color, style="dashed"))
    if not series:
        return None
    return SeriesPanel(
        tuple(series), "position along the path $t$", "$F$", "loss along the paths",
        subject_of(session),
    )  # fmt: skip


def _plane_vectors(landscape: Landscape) -> dict[str, np.ndarray]:
    """A slice's origin, d₁, d₂ as float64 numpy arrays (n,); {} for a toy."""
    plane = landscape.plane
    if plane is None:
        return {}
    return {
        k: getattr(plane, k).detach().to("cpu", dtype=torch.float64).numpy()
        for k in ("origin", "d1", "d2")
    }


def curves_panel_of(
    session: Session, landscape: Landscape, runs: Sequence[RunTrace]
) -> CurvesPanel | None:
    """The runs' curves with the scenario's metric labels and reference levels (None without
    runs)."""
    if not runs:
        return None
    labels = {k: v for k, v in metric_labels(landscape.objective).items() if k in METRIC_KEYS}
    return CurvesPanel(
        tuple(runs),
        mode_words(session.modes()).math,
        subject_of(session),
        labels,
        "‖" in labels.get("metric", ""),
        dict(landscape.problem.baselines),
    )


def spectrum_panel_of(session: Session, result: PointSpectrum) -> SpectrumPanel:
    """What a computed spectrum (``compute.landscapes.point_spectrum.spectrum_at``) shows: its
    density and every eigenvalue where known, else the extremes found with which of them are
    resolved."""
    density = result.report.density
    eigen = result.report.eigen
    values = result.all_eigenvalues
    extremes = values is None
    if values is None:
        values = np.concatenate([eigen.top, eigen.bottom])
    mode = mode_words(session.modes()).math
    words = f"spectrum at {result.where}"
    return SpectrumPanel(
        density.grid if density is not None else np.zeros(0),
        density.values if density is not None else np.zeros(0),
        np.asarray(values, dtype=float),
        words if mode == "plain" else f"{mode}, {words}",
        subject_of(session),
        where=f"at {result.where}",
        all_eigenvalues=not extremes,
        resolved=np.asarray(eigen.is_resolved if extremes else [], dtype=bool),
        n_top=eigen.n_top if extremes else 0,
        size=result.size,
        matrix="ggn" if result.matrix.startswith("ggn") else "hessian",
    )
