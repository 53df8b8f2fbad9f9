"""Drawing the line panels: the runs' curves (F, ‖∇F‖, metric) and plain series (the
initialization lab's sweeps), each into a rectangle of a figure (the spectrum:
``compute.figures.spectrum_plot``)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import NullFormatter, NullLocator

from compute.figures import style
from compute.figures.curve_styles import style_key
from compute.figures.map_overlays import Handles, small_text
from compute.figures.map_panel import Numbering, in_order
from compute.figures.panels import CurvesPanel, SeriesPanel

FLOOR = 1e-20
"""Log axes cannot show 0: smaller values (exact zeros) sit on this floor (as the view)."""
METRIC_LINES = ("metric", "aligned_distance", "function_distance")


def loggable(values: np.ndarray) -> np.ndarray:
    """Positive values for a log axis: |v| floored at FLOOR; non-finite values become gaps."""
    v = np.abs(np.asarray(values, dtype=float))
    return np.where(np.isfinite(v), np.maximum(v, FLOOR), np.nan)


def _style(key: str) -> str:
    return style.LINE_STYLES[style.CURVE_MEANINGS.get(key, "solid")]


def _line(ax: Axes, x: np.ndarray, y: np.ndarray, color: str, key: str, log: bool) -> bool:
    values = loggable(y) if log else np.asarray(y, dtype=float)
    ok = np.isfinite(values)
    if ok.any():
        ax.plot(
            np.asarray(x)[ok],
            values[ok],
            color=color,
            ls=_style(key),
            lw=1.2 if _style(key) == "-" else 1.0,
        )
    return bool(ok.any())


def curves_rows(panel: CurvesPanel) -> int:
    """2 stacked axes (F, ‖∇F‖), 3 with a metric."""
    return 3 if any(k in panel.metric_labels for k in METRIC_LINES) else 2


def draw_curves(
    axes: Sequence[Axes], panel: CurvesPanel, number_of: Numbering | None = None, letter: str = ""
) -> Handles:
    """F (train solid, test dashed, baselines dotted), ‖∇F‖ (projected dotted) and the metric
    lines on ``axes`` (2 or 3, see ``curves_rows``); returns the legend entries (the styles'
    keyed by ``curve_styles.style_key`` with the panel's ``letter``, for ``merge_styles``)."""
    # Long by design: one axes: every series, baseline, legend and scale decision is made on it in
    # order.
    number_of = number_of or in_order(panel.runs)
    drawn: set[str] = set()
    handles: Handles = []
    loss_ax, grad_ax = axes[0], axes[1]
    for run in panel.runs:
        steps = run.step_axis()
        if _line(loss_ax, steps, run.loss, run.color, "loss", True):
            drawn.add("loss")
        test = run.metrics.get("test_loss")
        if test is not None and _line(loss_ax, steps, test, run.color, "test_loss", True):
            drawn.add("test_loss")
        _line(grad_ax, steps, run.grad_norm, run.color, "loss", True)
        if run.projected is not None and _line(
            grad_ax, steps, run.projected, run.color, "projected", True
        ):
            drawn.add("projected")
        if len(axes) > 2:
            for key in METRIC_LINES:
                values = run.metrics.get(key)
                if values is not None and _line(
                    axes[2], steps, values, run.color, key, panel.metric_log
                ):
                    drawn.add(key)
        number = number_of(run)
        handles.append(
            (
                f"run:{number}",
                Line2D([], [], color=run.color, lw=1.2, label=f"{number}: {run.label}"),
            )
        )
    for name, value in panel.baselines.items():
        if np.isfinite(value) and value > 0:
            loss_ax.axhline(value, color="0.35", ls=_style("baseline"), lw=0.8)
            loss_ax.annotate(
                name,
                (1.0, value),
                xycoords=("axes fraction", "data"),
                xytext=(-2, 2),
                textcoords="offset points",
                ha="right",
                va="bottom",
                fontsize=small_text(),
                color="0.25",
            )
    loss_ax.set_yscale("log")
    grad_ax.set_yscale("log")
    loss_ax.set_ylabel("$F$")
    grad_ax.set_ylabel(r"$\|\nabla F\|$")
    if len(axes) > 2:
        axes[2].set_yscale("log" if panel.metric_log else "linear")
        several = any(k in panel.metric_labels for k in METRIC_LINES[1:])
        axes[2].set_ylabel("distance" if several else _plain(panel.metric_labels.get("metric", "")))
    axes[-1].set_xlabel("step")
    for ax in axes:
        ax.grid(True, lw=0.3, alpha=0.4)
        ax.yaxis.set_minor_formatter(NullFormatter())  # no "3×10⁻¹" clutter on short log axes
    if not panel.runs:
        loss_ax.text(0.5, 0.5, "no runs", transform=loss_ax.transAxes, ha="center")
    meanings = {
        "loss": "training $F$",
        "test_loss": "test $F$",
        "projected": r"projected $\|\nabla F\|$",
        "aligned_distance": r"$\|\theta - \theta^*\|$ up to symmetries",
        "function_distance": r"$\|f - f^*\|$ on test inputs",
    }
    if "metric" in drawn and ("aligned_distance" in drawn or "function_distance" in drawn):
        meanings["metric"] = _plain(panel.metric_labels.get("metric", "metric"))
    for key in ("loss", "test_loss", "projected", "metric", *METRIC_LINES[1:]):
        if key in drawn and key in meanings and (key != "loss" or len(drawn) > 1):
            handles.append((style_key(key, meanings[key], letter), Line2D([], [])))
    return handles


def _plain(label: str) -> str:
    """Labels from the registry use Unicode with "_" for an index (‖W − W*‖_F, max_i ‖A_i‖₂):
    the index as a mathtext subscript, where the label holds no mathtext of its own."""
    return label if "$" in label else re.sub(r"_(\w+)", r"$_{\1}$", label)


def draw_series(ax: Axes, panel: SeriesPanel) -> Handles:
    """Each series as a line (with its band shaded), log axes as the panel says."""
    handles: Handles = []
    for s in panel.series:
        ls = style.LINE_STYLES.get(s.style, "-")
        if s.band is not None:
            lo, hi = (np.asarray(b, dtype=float) for b in s.band)
            ok = np.isfinite(lo) & np.isfinite(hi)
            ax.fill_between(np.asarray(s.x)[ok], lo[ok], hi[ok], color=s.color, alpha=0.2, lw=0)
        y = np.asarray(s.y, dtype=float)
        ok = np.isfinite(y) & ((y > 0) if panel.ylog else True)
        ax.plot(
            np.asarray(s.x)[ok],
            y[ok],
            color=s.color,
            ls=ls,
            marker=s.marker or None,
            ms=3,
            lw=1.2 if ls == "-" else 0.9,
        )
        artist: Artist = Line2D(
            [], [], color=s.color, ls=ls, marker=s.marker or None, ms=3, label=s.label
        )
        handles.append((f"series:{s.label}:{s.color}:{s.style}", artist))
    ax.set_xscale("log" if panel.xlog else "linear")
    ax.set_yscale("log" if panel.ylog else "linear")
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_minor_formatter(NullFormatter())
    if panel.xticks:
        ax.set_xticks(list(panel.xticks), [f"{t:g}" for t in panel.xticks])
        ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlabel(panel.xlabel)
    ax.set_ylabel(panel.ylabel)
    ax.grid(True, lw=0.3, alpha=0.4)
    if panel.note:
        ax.text(0.02, 0.98, panel.note, transform=ax.transAxes, va="top", fontsize=small_text())
    return handles
