"""Drawing a spectrum panel: the eigenvalue density (SLQ) and every eigenvalue as a histogram
where they were computed; otherwise the extreme eigenvalues found, as stems at their index i of
λ_i (descending), each with its value written above, resolved ones filled and the others open."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from compute.figures import style
from compute.figures.map_overlays import Handles, small_text
from compute.figures.panels import SpectrumPanel
from compute.figures.shared_scale import math_number

EXTREME_COLOR = style.RUN_COLORS[4]
UNRESOLVED_COLOR = "0.5"
MATRICES = {"hessian": r"$\nabla^2 F$", "ggn": r"the Gauss–Newton matrix $G$"}
"""How the axes name the matrix whose eigenvalues they show (``SpectrumPanel.matrix``)."""
VALUE_BAND = 0.9
"""Headroom above the highest stem, in units of the stems' span: the values' labels go there."""


def draw_spectrum(ax: Axes, panel: SpectrumPanel) -> Handles:
    """The density and histogram where there is one; else the extremes as stems (never an
    empty axis: a spectrum holds at least one eigenvalue)."""
    if panel.density.size or panel.all_eigenvalues:
        return _draw_density(ax, panel)
    return _draw_extremes(ax, panel)


def _resolved(panel: SpectrumPanel) -> np.ndarray:
    """(k,) bool per eigenvalue of the panel: ``panel.resolved``, or all True without it."""
    k = len(panel.eigenvalues)
    return panel.resolved if len(panel.resolved) == k else np.ones(k, dtype=bool)


def _draw_density(ax: Axes, panel: SpectrumPanel) -> Handles:
    """The SLQ density as a line, every eigenvalue as a histogram when known, otherwise the
    extreme eigenvalues found as ticks along the bottom (grey where not resolved)."""
    handles: Handles = []
    values = np.asarray(panel.eigenvalues, dtype=float)
    if panel.all_eigenvalues and values.size:
        bins = min(60, max(5, int(np.sqrt(values.size)) * 2))
        ax.hist(values, bins=bins, density=True, color=style.RUN_COLORS[1], alpha=0.45, lw=0)
        handles.append(
            ("spectrum:hist", Patch(fc=style.RUN_COLORS[1], alpha=0.45, label="every eigenvalue"))
        )
    if panel.density.size:
        ax.plot(panel.grid, panel.density, color=style.CURVE_COLOR, lw=1.1)
        handles.append(
            ("spectrum:slq", Line2D([], [], color=style.CURVE_COLOR, lw=1.1, label="SLQ density"))
        )
    if values.size and not panel.all_eigenvalues:
        ok = _resolved(panel)
        for sure, color, key, words in (
            (True, EXTREME_COLOR, "ticks", "extreme eigenvalues (resolved)"),
            (False, UNRESOLVED_COLOR, "unresolved", "not resolved"),
        ):
            chosen = values[ok == sure]
            if not chosen.size:
                continue
            tick: dict[str, Any] = {"ls": "none", "marker": "|", "ms": 8, "color": color}
            ax.plot(
                chosen,
                np.zeros_like(chosen),
                transform=ax.get_xaxis_transform(),
                clip_on=False,
                **tick,
            )
            handles.append((f"spectrum:{key}", Line2D([], [], label=words, **tick)))
    ax.axvline(0.0, color="0.5", lw=0.5)
    ax.set_xlabel(rf"eigenvalue $\lambda$ of {MATRICES[panel.matrix]}")
    ax.set_ylabel("density")
    ax.grid(True, lw=0.3, alpha=0.4)
    return handles


def _indices(n_values: int, n_top: int, size: int) -> list[str]:
    """The index i of λ_i of each value (the ``n_top`` largest descending, then the smallest
    ascending): 1 … n_top, then n, n−1, … (numbers where 0 < n < 1000)."""
    top = [str(i + 1) for i in range(n_top)]
    bottom = range(n_values - n_top)  # the j-th smallest is λ_{n−j}
    if 0 < size < 1000:
        return top + [str(size - j) for j in bottom]
    return top + ["$n$" if j == 0 else f"$n{{-}}{j}$" for j in bottom]


def _draw_extremes(ax: Axes, panel: SpectrumPanel) -> Handles:
    """The extreme eigenvalues found as stems from 0 at their index, in descending order
    (the top ones, then the bottom ones, "…" between them where eigenvalues lie that were not
    computed), each value written above the stems; resolved ones solid and filled, the others
    dashed and open, in grey."""
    values = np.asarray(panel.eigenvalues, dtype=float)
    n_top = min(panel.n_top, len(values))
    n_bottom = len(values) - n_top
    # eigenvalues between the top and bottom ones that were not computed (unknown n: assumed)
    gap = int(n_top > 0 and n_bottom > 0 and (panel.size == 0 or panel.size > len(values)))
    # position of each value: the top ones in order, the bottom ones (ascending) reversed
    x = np.concatenate([np.arange(n_top), n_top + gap + np.arange(n_bottom)[::-1]]).astype(float)
    ok = _resolved(panel)
    handles: Handles = []
    for sure, color, face, key, words in (
        (True, EXTREME_COLOR, EXTREME_COLOR, "resolved", "eigenvalue (resolved)"),
        (False, UNRESOLVED_COLOR, "white", "unresolved", "not resolved"),
    ):
        chosen = ok == sure
        if not chosen.any():
            continue
        ls: Literal["solid", "dashed"] = "solid" if sure else "dashed"
        ax.vlines(x[chosen], 0.0, values[chosen], colors=color, lw=1.0, linestyles=ls)
        mark: dict[str, Any] = {"marker": "o", "ms": 4.5, "mec": color, "mfc": face}
        ax.plot(x[chosen], values[chosen], ls="none", zorder=3, **mark)
        handles.append((f"spectrum:{key}", Line2D([], [], color=color, ls=ls, label=words, **mark)))
    if gap:
        ax.text(n_top, 0.0, "…", ha="center", va="center", color="0.3")
    ax.axhline(0.0, color="0.5", lw=0.5)
    lo, hi = min(0.0, float(values.min())), max(0.0, float(values.max()))
    span = hi - lo or 1.0
    ax.set_ylim(lo - 0.08 * span, hi + VALUE_BAND * span)  # the values' labels above the stems
    band = blended_transform_factory(ax.transData, ax.transAxes)
    for xi, v in zip(x, values, strict=True):
        ax.text(
            xi, 0.97, f"${math_number(v)}$", transform=band, rotation=90, ha="center",
            va="top", fontsize=small_text(),
        )  # fmt: skip
    ax.set_yticks([t for t in ax.get_yticks() if lo - 1e-9 * span <= t <= hi + 1e-9 * span])
    ax.set_xticks(x, _indices(len(values), n_top, panel.size))
    ax.set_xlim(-0.8, float(x.max()) + 0.8)
    n = f" ($n = {panel.size}$)" if panel.size else ""
    ax.set_xlabel(f"index $i$ of $\\lambda_i${n}")
    ax.set_ylabel(rf"eigenvalue $\lambda_i$ of {MATRICES[panel.matrix]}")
    ax.grid(True, axis="y", lw=0.3, alpha=0.4)
    return handles
