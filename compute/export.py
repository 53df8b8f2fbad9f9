"""Print-quality export: landscape / curves figures (PNG, SVG, PDF) and grid / run data (CSV, NPZ).

The window's exporter until it moves to ``compute.figures`` (what the screen shows, composed
figures, provenance); ``RunTrace`` and the marker colours already come from there.

The format comes from the path's suffix. Every export writes the file and a JSON sidecar
``<file>.json`` (the scene's metadata plus ``file``, ``kind``, ``created``, ``generator``) and
returns both paths; figures also carry that JSON inside the file (PNG text chunk
``Description``, SVG ``<dc:description>``, PDF ``Subject``). A wrong suffix, a dpi outside
DPI_RANGE or an unwritable path raises LandscapeError. Qt-free: figures are
``matplotlib.figure.Figure`` objects saved by matplotlib's non-GUI canvases; no pyplot.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import textwrap
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
from matplotlib import patheffects
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.colors import Normalize, to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Patch, Rectangle

from compute.critical import KINDS, CriticalPoint
from compute.errors import LandscapeError
from compute.figures import style
from compute.figures.panels import RunTrace as RunTrace  # re-exported (compute.RunTrace)
from compute.grid import FIELDS, LandscapeGrid
from compute.modes import Ball, Box

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

FIGURE_FORMATS = (".png", ".svg", ".pdf")
DATA_FORMATS = (".csv", ".npz")
FIGURE_SIZE = (5.0, 4.0)
"""Inches; the height grows by LEGEND_ROW_HEIGHT per legend row beyond LEGEND_FREE_ROWS."""
LEGEND_FREE_ROWS, LEGEND_ROW_HEIGHT = 4, 0.16
DPI_RANGE = (50, 1200)
GENERATOR = "landscape-explorer"
COLORMAP = style.COLORMAP
NONFINITE_COLOR = "#f4a6c6"  # pink: outside cividis' blue–grey–yellow range
MARKERS = {  # kind → (marker, face colour, size): the shared style table's, never a run colour
    kind: (marker, face, size) for kind, (marker, _, face, size) in style.CRITICAL_MARKERS.items()
}
_STYLE: dict[RcKeyType, Any] = {"font.size": 8.0, "legend.fontsize": 7.0, "pdf.fonttype": 42}
_MEMBER: dict[str, Any] = dict(ls="none", marker="o", ms=2.2, mfc="w", mec="k", mew=0.3)
_DIVERGED: dict[str, Any] = {"marker": "X", "ms": 7.0, "mec": "k", "mew": 0.6, "ls": "none"}
_OUTLINE: dict[str, Any] = {"ls": "--", "lw": 1.0, "color": "k", "zorder": 3.5}
_HALO = [patheffects.withStroke(linewidth=2.6, foreground="white", alpha=0.75)]
Place = Callable[[np.ndarray, "np.ndarray | None"], np.ndarray]
"""1-D: (w, F or None) ↦ the height drawn at w (F itself or, for None, the curve's F(w))."""


@dataclass(frozen=True)
class Scene:
    """Everything one export needs; metadata traces the figure back to its settings.

    Attributes
    ----------
    axis_names : ("w", "v") or ("w",); grid : F and its geometry on a 2-D or 1-D grid
    log_scale : colour the map by log10(F − min F + δ), δ = 10⁻⁶ (max F − min F)
    levels : isoline levels in loss units (None: ~12 chosen from the data)
    constraint : ball / box whose outline is drawn; runs, critical : what is drawn on top
    metadata : JSON-serialisable settings (scenario, params, modes, window, ...); title
    plane : a slice's ``origin``, ``d1``, ``d2`` (n,) each (empty for toys)
    """

    axis_names: tuple[str, ...]
    grid: LandscapeGrid
    log_scale: bool
    levels: np.ndarray | None
    constraint: Ball | Box | None
    runs: tuple[RunTrace, ...]
    critical: tuple[CriticalPoint, ...]
    metadata: dict[str, object]
    title: str = ""
    plane: Mapping[str, np.ndarray] = dataclasses.field(default_factory=dict)


def _jsonable(obj: object) -> object:
    """Plain JSON data: numpy → lists/numbers, dataclasses → dicts, inf/nan → "inf"/"nan"."""
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.ndarray, np.generic)):
        return _jsonable(obj.tolist())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _jsonable(dataclasses.asdict(obj))
    if isinstance(obj, float) and not math.isfinite(obj):
        return str(obj)
    return obj if obj is None or isinstance(obj, (str, int, float)) else str(obj)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _record(metadata: Mapping[str, object], file: Path, kind: str) -> dict[str, object]:
    """``metadata`` plus file name, kind, creation time and generator (these four win)."""
    data = _jsonable(metadata)
    assert isinstance(data, dict)
    return {**data, "file": file.name, "kind": kind, "created": _now(), "generator": GENERATOR}


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    """Turn any OSError while writing ``path`` into a one-line LandscapeError."""
    try:
        yield
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise LandscapeError(f"cannot write {str(path)!r}: {reason}") from None


def write_sidecar(path: Path, metadata: Mapping[str, object]) -> Path:
    """Write ``metadata`` as indented UTF-8 JSON next to ``path``.

    Parameters
    ----------
    path : the exported file; the sidecar is ``<path>.json``
    metadata : made JSON-safe (numpy → lists / numbers, inf / nan → "inf" / "nan"); ``file``,
        ``created`` and ``generator`` are added when missing

    Returns
    -------
    Path
        The sidecar's path.
    """
    path = Path(path)
    side = path.with_name(path.name + ".json")
    data = _jsonable(metadata)
    assert isinstance(data, dict)
    data = {"file": path.name, "created": _now(), "generator": GENERATOR, **data}
    with _writing(side):
        side.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return side


def _target(path: str | Path, allowed: tuple[str, ...]) -> Path:
    target = Path(path).expanduser()
    if target.suffix.lower() not in allowed:
        raise LandscapeError(f"cannot export to {target.name!r}: use {', '.join(allowed)}")
    return target


def _check_dpi(dpi: float) -> None:
    if not (isinstance(dpi, (int, float)) and DPI_RANGE[0] <= dpi <= DPI_RANGE[1]):
        raise LandscapeError(f"dpi must be between {DPI_RANGE[0]} and {DPI_RANGE[1]}, got {dpi}")


def _runs(scene: Scene) -> list[tuple[RunTrace, np.ndarray, np.ndarray, np.ndarray]]:
    """Each run with its path (K, d), loss (T,) and grad_norm (T,) as float arrays, checked."""
    n, out = len(scene.grid.axes), []
    for i, run in enumerate(scene.runs):
        path = np.asarray(run.path, dtype=float)
        loss = np.asarray(run.loss, dtype=float).ravel()
        grad = np.asarray(run.grad_norm, dtype=float).ravel()
        ok = path.ndim == 2 and path.shape[1] == n and len(loss) == len(grad)
        ok = ok and len(run.step_axis()) == len(loss) and len(run.path_axis()) == len(path)
        if not ok:
            raise LandscapeError(
                f"run {i} ({run.label}) needs path (K, {n}) with K path steps, loss, grad_norm "
                f"and steps (T,); got {path.shape}, {loss.shape}, {grad.shape}"
            )
        out.append((run, path, loss, grad))
    return out


def _save_figure(fig: Figure, target: Path, dpi: float, scene: Scene, kind: str) -> list[Path]:
    """Save with the metadata JSON embedded (PNG text, PDF Subject, SVG Description)."""
    record = _record(scene.metadata, target, kind)
    text = json.dumps(record, ensure_ascii=True)
    fmt = target.suffix.lower()[1:]
    title = scene.title or f"{GENERATOR} {kind}"
    meta = {
        "png": {"Title": title, "Description": text, "Software": GENERATOR},
        "svg": {"Title": title, "Description": text, "Creator": GENERATOR},
        "pdf": {"Title": title, "Subject": text, "Keywords": f"{GENERATOR}, {kind}"},
    }[fmt]
    with _writing(target):
        fig.savefig(target, format=fmt, dpi=dpi, metadata=meta)
    return [target, write_sidecar(target, record)]


def _legend(fig: Figure, handles: list[Artist], scene: Scene) -> None:
    """Legend below the axes (2 or 3 columns; the figure grows past LEGEND_FREE_ROWS rows) and
    the title above them."""
    if handles:
        ncols = 2 if any(len(r.label) > 18 for r in scene.runs) else 3
        fig.legend(handles=handles, loc="outside lower center", ncols=ncols, frameon=False)
        rows = math.ceil(len(handles) / ncols)
        width, height = FIGURE_SIZE
        fig.set_size_inches(width, height + LEGEND_ROW_HEIGHT * max(0, rows - LEGEND_FREE_ROWS))
    if scene.title:
        fig.axes[0].set_title(textwrap.fill(scene.title, 70), fontsize=9)


def _draw_critical(
    ax: Axes, points: tuple[CriticalPoint, ...], place: Place | None
) -> list[Artist]:
    """Markers per kind at θ (2-D) or at (θ, F) (1-D); a degenerate set's members as dots."""
    for p in points:
        if len(p.members) > 1:
            m = np.asarray(p.members, dtype=float)
            ax.plot(m[:, 0], place(m[:, 0], None) if place else m[:, 1], zorder=5, **_MEMBER)
        marker, face, size = MARKERS.get(p.kind, MARKERS["degenerate"])
        x, f = np.atleast_1d(p.point[0]), np.array([p.loss])
        y = place(x, f) if place else np.atleast_1d(p.point[1])
        ax.plot(x, y, ls="none", marker=marker, mfc=face, ms=size, mec="k", mew=0.7, zorder=6)
    handles: list[Artist] = []
    for kind in (k for k in KINDS if any(p.kind == k for p in points)):
        marker, face, size = MARKERS[kind]
        style: dict[str, Any] = {"ls": "none", "marker": marker, "mfc": face, "ms": size}
        label = "degenerate set" if kind == "degenerate" else kind
        handles.append(Line2D([], [], mec="k", label=label, **style))
    return handles


def _draw_runs(ax: Axes, scene: Scene, place: Place | None) -> list[Artist]:
    """Each run's path (2-D: θ; 1-D: (θ, F)) in its colour, ○ at the start, ● at the end."""
    handles: list[Artist] = []
    for run, path, _, _ in _runs(scene):
        y = place(path[:, 0], run.loss_on_path()) if place else path[:, 1]
        xy = np.column_stack([path[:, 0], y])
        xy = xy[np.isfinite(xy).all(axis=1)]
        handles.append(Line2D([], [], color=run.color, marker="o", ms=3.5, label=run.label))
        if len(xy):
            ax.plot(xy[:, 0], xy[:, 1], color=run.color, lw=1.3, path_effects=_HALO, zorder=4)
            ax.plot(*xy[0], marker="o", ms=4.5, mfc="w", mec=run.color, mew=1.2, zorder=4.5)
            ax.plot(*xy[-1], marker="o", ms=4.5, mfc=run.color, mec="w", mew=0.6, zorder=4.5)
    return handles


def _draw_constraint(ax: Axes, constraint: Ball | Box | None, dim: int) -> list[Artist]:
    """The constraint set's outline (dashed black): circle / square, or lines at ±R in 1-D."""
    if constraint is None:
        return []
    r = constraint.radius
    if dim == 1:
        for x in (-r, r):
            ax.axvline(x, **_OUTLINE)
    elif isinstance(constraint, Ball):
        ax.add_patch(Circle((0, 0), r, fill=False, **_OUTLINE))
    else:
        ax.add_patch(Rectangle((-r, -r), 2 * r, 2 * r, fill=False, **_OUTLINE))
    norm = "₂" if isinstance(constraint, Ball) else "∞"
    return [Line2D([], [], label=f"‖θ‖{norm} ≤ {r:g}", **_OUTLINE)]


def _auto_levels(loss: np.ndarray, log: bool) -> np.ndarray:
    """~12 levels where F's values lie: its quantiles rounded to a tenth of the range's leading
    decade, or min F + {1, 3}·10ᵏ over six decades (log)."""
    fmin, span = float(loss.min()), float(loss.max() - loss.min())
    decade = math.floor(math.log10(span))
    if not log:
        step = 10.0 ** (decade - 1)
        return np.round(np.quantile(loss, np.linspace(0.04, 0.96, 12)) / step) * step
    offsets = [m * 10.0**k for k in range(decade - 6, decade + 1) for m in (1.0, 3.0)]
    return fmin + np.array([o for o in offsets if o < span][-12:])


def _landscape_2d(fig: Figure, ax: Axes, scene: Scene) -> list[Artist]:
    """Map of F (or log10(F − min F + δ)), colour bar, isolines; returns legend extras."""
    x, y = (np.asarray(a, dtype=float) for a in scene.grid.axes)
    loss = np.asarray(scene.grid.values["loss"], dtype=float)
    finite = np.isfinite(loss)
    fmin, fmax = (float(loss[finite].min()), float(loss[finite].max())) if finite.any() else (0, 0)
    delta = 1e-6 * (fmax - fmin) if fmax > fmin else 1.0

    def shade(f: np.ndarray) -> np.ndarray:
        if not scene.log_scale:
            return f
        with np.errstate(all="ignore"):
            return np.log10(np.maximum(f - fmin, 0.0) + delta)

    colour = np.ma.masked_invalid(shade(np.where(finite, loss, np.nan)))
    lo, hi = (float(colour.min()), float(colour.max())) if finite.any() else (0.0, 1.0)
    norm = Normalize(lo, hi) if hi > lo else Normalize(lo - 0.5, lo + 0.5)
    cmap = matplotlib.colormaps[COLORMAP].with_extremes(over=NONFINITE_COLOR, bad=NONFINITE_COLOR)
    mesh = ax.pcolormesh(x, y, colour, cmap=cmap, norm=norm, shading="nearest", rasterized=True)
    bar = fig.colorbar(mesh, ax=ax, extend="neither" if finite.all() else "max", pad=0.02)
    bar.set_label(r"$\log_{10}\,(F - \min F)$" if scene.log_scale else "$F$")
    levels = np.asarray([] if scene.levels is None else scene.levels, dtype=float).ravel()
    if scene.levels is None and fmax > fmin:
        levels = _auto_levels(loss[finite], scene.log_scale)
    levels = np.unique(levels[np.isfinite(levels) & (levels > fmin) & (levels < fmax)])
    if len(levels):  # black isolines over the light end of the map, white over the dark end
        lum = [np.dot(to_rgb(cmap(norm(shade(np.array(v))))), (0.3, 0.59, 0.11)) for v in levels]
        colors = ["k" if v > 0.55 else "w" for v in lum]
        data = np.ma.masked_invalid(loss)
        ax.contour(x, y, data, levels=levels, colors=colors, linewidths=0.5, alpha=0.7, zorder=2)
    ax.set(xlim=(x[0], x[-1]), ylim=(y[0], y[-1]), ylabel=scene.axis_names[1])
    if 0.5 <= (y[-1] - y[0]) / (x[-1] - x[0]) <= 2.0:
        ax.set_aspect("equal", adjustable="box")
    return [] if finite.all() else [Patch(fc=NONFINITE_COLOR, ec="0.4", lw=0.5, label="F = ∞")]


def _landscape_1d(ax: Axes, scene: Scene) -> tuple[list[Artist], Place]:
    """F(w) as a line (log y when ``log_scale``, symlog if F ≤ 0 somewhere); returns legend
    extras and where to place points: on a log axis, no lower than the curve's lowest point."""
    x = np.asarray(scene.grid.axes[0], dtype=float)
    loss = np.asarray(scene.grid.values["loss"], dtype=float)
    finite = np.isfinite(loss)
    ax.plot(x, np.where(finite, loss, np.nan), color="0.15", lw=1.3, zorder=3)
    floor = -np.inf
    if scene.log_scale and finite.any():
        if np.all(loss[finite] > 0):
            ax.set_yscale("log")
            floor = float(loss[finite].min())
        else:
            peak = float(np.max(np.abs(loss[finite])))
            ax.set_yscale("symlog", linthresh=max(1e-3 * peak, 1e-12))
    ax.set(xlim=(x[0], x[-1]), ylabel="$F$")
    ax.grid(True, lw=0.3, alpha=0.5)
    xf, lf = (x[finite], loss[finite]) if finite.any() else (x[:1], np.zeros(1))

    def place(w: np.ndarray, f: np.ndarray | None) -> np.ndarray:
        return np.maximum(np.interp(w, xf, lf) if f is None else f, floor)

    extra: list[Artist] = []
    if not finite.all():
        extra.append(Line2D([], [], color="0.15", lw=1.3, label="F (gaps: ∞)"))
    return extra, place


def export_landscape_figure(scene: Scene, path: str | Path, dpi: int = 300) -> list[Path]:
    """Write the landscape figure and its sidecar JSON.

    2-D: the map of F in cividis (log10(F − min F + δ) when ``log_scale``; non-finite F in
    NONFINITE_COLOR, also the colour bar's "max" extension) with its colour bar, thin isolines
    at ``levels``, the constraint outline (dashed), each run's path in its colour (○ start,
    ● end), critical points (minimum ○, saddle ✕, maximum △, degenerate set ◇ with its members
    as small dots), legend below the axes. 1-D: F(w) as a line (log / symlog y when
    ``log_scale``) with the runs' (θ, F) iterates and the critical points on it.

    Parameters
    ----------
    scene : what to draw; path : ``.png``, ``.svg`` or ``.pdf``
    dpi : 50..1200; a PNG is FIGURE_SIZE × dpi pixels (taller for a long legend)

    Returns
    -------
    list[Path]
        The figure and its sidecar.
    """
    target = _target(path, FIGURE_FORMATS)
    _check_dpi(dpi)
    dim = len(scene.grid.axes)
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=FIGURE_SIZE, layout="constrained")
        ax = fig.add_subplot()
        place: Place | None = None
        if dim == 1:
            extra, place = _landscape_1d(ax, scene)
        else:
            extra = _landscape_2d(fig, ax, scene)
        handles = _draw_runs(ax, scene, place) + _draw_critical(ax, scene.critical, place)
        handles += _draw_constraint(ax, scene.constraint, dim) + extra
        ax.set_xlabel(scene.axis_names[0])
        _legend(fig, handles, scene)
        return _save_figure(fig, target, dpi, scene, "landscape")


def _log_safe(series: list[np.ndarray]) -> list[np.ndarray]:
    """Values for a log axis: ≤ 0 raised to a floor (≥ 10⁻³⁰ × the peak), non-finite → gap."""
    values = np.concatenate([s.ravel() for s in series]) if series else np.zeros(0)
    pos = values[np.isfinite(values) & (values > 0)]
    floor = max(float(pos.min()), float(pos.max()) * 1e-30) if len(pos) else 1e-16
    return [np.where(np.isfinite(s), np.maximum(s, floor), np.nan) for s in series]


def export_curves_figure(scene: Scene, path: str | Path, dpi: int = 300) -> list[Path]:
    """Write the descent curves figure and its sidecar JSON.

    Two stacked log axes sharing x (step): F and ‖∇F‖ per run in its colour (values ≤ 0 raised
    to a floor, non-finite ones left as gaps), ✕ where a diverged run stopped, legend below.

    Parameters
    ----------
    scene : its runs are drawn; path : ``.png``, ``.svg`` or ``.pdf``; dpi : 50..1200

    Returns
    -------
    list[Path]
        The figure and its sidecar.
    """
    target = _target(path, FIGURE_FORMATS)
    _check_dpi(dpi)
    runs = _runs(scene)
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=FIGURE_SIZE, layout="constrained")
        axes = fig.subplots(2, 1, sharex=True)
        for ax, which in zip(axes, ("loss", "grad_norm"), strict=True):
            series = _log_safe([loss if which == "loss" else grad for _, _, loss, grad in runs])
            for (run, *_), y in zip(runs, series, strict=True):
                x, ok = run.step_axis(), np.isfinite(y)
                ax.plot(x[ok], y[ok], color=run.color, lw=1.2)
                last = np.flatnonzero(ok)
                if run.status == "diverged" and len(last):
                    ax.plot(x[last[-1]], y[last[-1]], mfc=run.color, **_DIVERGED)
            ax.set_yscale("log")
            ax.set_ylabel("$F$" if which == "loss" else r"$\|\nabla F\|$")
            ax.grid(True, lw=0.3, alpha=0.5)
        axes[1].set_xlabel("step")
        if not runs:
            axes[0].text(0.5, 0.5, "no runs", transform=axes[0].transAxes, ha="center")
        handles: list[Artist] = [Line2D([], [], color=r.color, label=r.label) for r in scene.runs]
        if any(r.status == "diverged" for r in scene.runs):
            handles.append(Line2D([], [], mfc="w", label="diverged", **_DIVERGED))
        _legend(fig, handles, scene)
        return _save_figure(fig, target, dpi, scene, "curves")


def _save_data(
    target: Path, scene: Scene, kind: str, header: list[str], rows: list[Any], arrays: Any
) -> list[Path]:
    """``rows`` under ``header`` as CSV, or ``arrays`` + ``metadata`` JSON as NPZ; + sidecar."""
    record = _record(scene.metadata, target, kind)
    with _writing(target):
        if target.suffix.lower() == ".npz":
            with target.open("wb") as fh:
                np.savez(fh, metadata=np.array(json.dumps(record)), **arrays)
        else:
            with target.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(header)
                writer.writerows(rows)
    return [target, write_sidecar(target, record)]


def export_grid_data(scene: Scene, path: str | Path) -> list[Path]:
    """Write the grid's values and a sidecar JSON.

    Parameters
    ----------
    scene : its grid is written (and a slice's plane)
    path : ``.npz``: arrays ``x`` (, ``y``), every field of ``grid.values``, ``axis_names``,
        ``metadata`` (a JSON string) and, for a slice, its ``origin``, ``d1``, ``d2``;
        ``.csv``: a header row ``x,(y,)loss,grad_norm,hess_min,hess_max`` (+ any other fields)
        naming the axes, then one row per grid point, x varying fastest (a slice's vectors go
        to the sidecar)

    Returns
    -------
    list[Path]
        The data file and its sidecar.
    """
    target = _target(path, DATA_FORMATS)
    grid = scene.grid
    names = ["x", "y"][: len(grid.axes)]
    fields = [f for f in FIELDS if f in grid.values] + sorted(set(grid.values) - set(FIELDS))
    arrays: dict[str, Any] = {f: np.asarray(grid.values[f]) for f in fields}
    arrays |= dict(zip(names, map(np.asarray, grid.axes), strict=True))
    rows: list[list[Any]] = []
    csv_scene = scene
    if target.suffix.lower() == ".csv":
        coords = np.meshgrid(*grid.axes[::-1], indexing="ij")[::-1]  # each (ny, nx), row = y
        columns = [c.ravel() for c in coords] + [arrays[f].ravel() for f in fields]
        rows = np.column_stack(columns).tolist()
        if scene.plane:
            plane = {k: np.asarray(v).tolist() for k, v in scene.plane.items()}
            csv_scene = dataclasses.replace(
                scene, metadata={**scene.metadata, "plane_vectors": plane}
            )
    arrays["axis_names"] = np.array(scene.axis_names)
    arrays |= {k: np.asarray(v) for k, v in scene.plane.items()}
    header = [f"{n} ({a})" for n, a in zip(names, scene.axis_names, strict=False)] + fields
    return _save_data(target, csv_scene, "grid", header, rows, arrays)


def export_runs_data(scene: Scene, path: str | Path) -> list[Path]:
    """Write every run's records and path and a sidecar JSON.

    Parameters
    ----------
    scene : its runs are written (run i is the i-th of ``scene.runs``)
    path : ``.npz``: per run ``run{i}_steps``, ``run{i}_loss``, ``run{i}_grad_norm`` (T,),
        ``run{i}_<metric>`` (T,), ``run{i}_path`` (K, d) with ``run{i}_path_steps`` (K,), and
        for networks ``run{i}_theta`` (K, n) and ``run{i}_distance`` (K,); JSON strings
        ``runs`` (label, colour, status, steps) and ``metadata``. ``.csv``: a header row
        ``run,label,step,loss,grad_norm,<metrics>,<axes>,distance,theta_1..theta_n,status``
        and one row per recorded step (path, distance and θ where a snapshot was kept)

    Returns
    -------
    list[Path]
        The data file and its sidecar.
    """
    target = _target(path, DATA_FORMATS)
    runs = _runs(scene)
    keys = sorted({k for r, *_ in runs for k in r.metrics})
    n = max((r.thetas.shape[1] for r, *_ in runs if r.thetas is not None), default=0)
    header = ["run", "label", "step", "loss", "grad_norm", *keys, *scene.axis_names, "distance"]
    header += [f"theta_{k + 1}" for k in range(n)] + ["status"]
    rows: list[list[Any]] = []
    arrays: dict[str, Any] = {}
    info = []
    for i, (run, p, loss, grad) in enumerate(runs):
        steps = run.step_axis()
        where = {int(s): j for j, s in enumerate(run.path_axis())}
        for t, step in enumerate(steps.tolist()):
            j = where.get(int(step))
            snap: list[Any] = [""] * (len(scene.axis_names) + 1 + n)
            if j is not None:
                theta = [] if run.thetas is None else np.asarray(run.thetas[j]).tolist()
                dist = "" if run.distance is None else float(run.distance[j])
                snap = [*p[j].tolist(), dist, *theta, *[""] * (n - len(theta))]
            metrics: list[Any] = [
                float(np.asarray(run.metrics[k])[t]) if k in run.metrics else "" for k in keys
            ]
            rows.append([i, run.label, step, loss[t], grad[t], *metrics, *snap, run.status])
        arrays |= {
            f"run{i}_steps": steps,
            f"run{i}_loss": loss,
            f"run{i}_grad_norm": grad,
            f"run{i}_path": p,
            f"run{i}_path_steps": run.path_axis(),
        }
        arrays |= {f"run{i}_{k}": np.asarray(v) for k, v in run.metrics.items()}
        if run.thetas is not None:
            arrays[f"run{i}_theta"] = np.asarray(run.thetas)
        if run.distance is not None:
            arrays[f"run{i}_distance"] = np.asarray(run.distance)
        info.append(
            {"label": run.label, "color": run.color, "status": run.status, "steps": len(steps)}
        )
    arrays["runs"] = np.array(json.dumps(info))
    return _save_data(target, scene, "runs", header, rows, arrays)
