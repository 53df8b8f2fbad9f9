"""The one style table of maps and curves, shared by the window's views and the figure export.

Plain constants and numpy functions (no matplotlib, no Qt), so the view and the export cannot
drift: colours are ``#rrggbb`` strings, opacities fractions in [0, 1], sizes in points.
Everything is colour-blind-safe: the map is cividis (the full-space curvature map magma,
RdBu_r or viridis), runs take the Okabe–Ito palette, and critical-point markers use colours
outside that palette (with distinct shapes and black edges), so a saddle never shares a colour
with a run.
"""

from __future__ import annotations

import numpy as np

COLORMAP = "cividis"
"""The map's colour map (perceptually uniform, designed for colour-vision deficiency)."""
NONFINITE_COLOR = "#fee838"
"""Cells where F overflows (inf / NaN) take the top colour of COLORMAP: the screen saturates
them (``np.nan_to_num(image, nan=hi, posinf=hi)``) and the export does the same."""
COLOUR_PERCENTILE = 1.0
"""The colour range starts at this percentile of the finite display values (``colour_range``)."""


def colour_range(display: np.ndarray) -> tuple[float, float]:
    """The colour bar's range (lo, hi): the COLOUR_PERCENTILE-th percentile to the maximum of
    the finite display values (log maps otherwise spend most of the range on the few cells next
    to a minimum); (0, 1) when nothing is finite, (lo, lo + 1) when the map is flat.

    ``display`` is any array of display values (F, or log₁₀(F − min F + δ)); values below lo
    take the bottom colour, non-finite ones NONFINITE_COLOR.
    """
    values = np.asarray(display, dtype=float)
    finite = values[np.isfinite(values)]
    if not finite.size:
        return 0.0, 1.0
    lo, hi = float(np.percentile(finite, COLOUR_PERCENTILE)), float(finite.max())
    return lo, hi if hi > lo else lo + 1.0


ISOLINE_COLOR = "#141428"
ISOLINE_ALPHA = 90 / 255
ISOLINE_WIDTH = 0.5
"""Isolines: thin dark lines at the frame's levels (in display units), drawn translucent."""
CURVE_COLOR = "#333333"
"""The loss curve F(w) of a one-parameter scenario."""

RUN_COLORS = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#000000",
    "#F0E442",
)
"""Okabe–Ito palette, in the order runs receive them."""
EXTRA_RUN_COLORS = ("#332288", "#882255", "#44AA99", "#999933", "#AA4499", "#117733")
"""Paul Tol's muted colours the Okabe–Ito palette lacks: a figure of more than eight runs gives
its later runs these (``compute.figures.run_colours``), so a colour still means one run."""
RUN_WIDTH = 1.3
RUN_HALO = "#ffffff"
"""A run's path: a RUN_WIDTH line in its colour over a white halo, ○ at the start, ● at the end."""

CRITICAL_MARKERS: dict[str, tuple[str, str, str, float]] = {
    # kind: (matplotlib marker, pyqtgraph symbol, fill, size in points)
    "minimum": ("o", "o", "#FFFFFF", 6.0),
    "saddle": ("X", "x", "#EE3377", 7.5),
    "maximum": ("^", "t1", "#DDDDDD", 6.5),
    "degenerate": ("D", "d", "#BBBBBB", 5.5),
}
"""Critical points by kind: fills outside RUN_COLORS (white, Paul Tol's magenta, greys), each
kind its own shape, all with a black edge of CRITICAL_EDGE_WIDTH points."""
CRITICAL_EDGE = "#000000"
CRITICAL_EDGE_WIDTH = 0.7
CRITICAL_LABELS = {
    "minimum": "minimum",
    "saddle": "saddle",
    "maximum": "maximum",
    "degenerate": "degenerate set",
}
MEMBER_COLOR = "#BBBBBB"
MEMBER_SIZE = 2.5
"""The sampled members of a continuum of critical points: small grey dots (black edge)."""

MARK_COLOR = "#FFFFFF"
MARK_MARKER = ("*", "star", 9.0)
"""Named points of a slice (θ₀, teacher): white stars (matplotlib, pyqtgraph, size), labelled."""

EIGENVECTOR_COLORS = {"positive": "#FFFFFF", "negative": "#E02020"}
"""The selected critical point's Hessian eigenvectors: white for λ ≥ 0, red for λ < 0, both
directions (an eigenvector has no sign), EIGENVECTOR_LENGTH of the shorter window side."""
EIGENVECTOR_LENGTH = 0.12
EIGENVECTOR_WIDTH = 1.5

GRADIENT_COLOR = "#FFFFFF"
GRADIENT_ALPHA = 200 / 255
GRADIENT_LENGTH = 0.035
"""−∇F arrows: white, all of length GRADIENT_LENGTH × the window's width (directions only)."""

CONSTRAINT_COLOR = "#FF5555"
CONSTRAINT_WIDTH = 1.2
CONSTRAINT_DASH = (4.0, 2.0)
"""The constraint set's outline (ball: circle, box: square): dashed, dash pattern in points."""

BASIN_COLORS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#999999",
)
"""Basin k of a basin map takes BASIN_COLORS[k % 8], drawn at BASIN_ALPHA over the map."""
SPECIAL_BASIN_COLORS = {-2: "#FF0000", -3: "#FFFFFF", -4: "#000000"}
"""Negative codes of ``compute.dynamics.attractors.OTHER_CODES``: diverged, not converged,
stationary."""
BASIN_ALPHA = 140 / 255
BASIN_HATCHES = ("///", "\\\\\\", "...", "|||", "---", "xxx", "oo", "++")
SPECIAL_BASIN_HATCHES = {-2: "**", -3: "OO", -4: ".."}
"""Figures hatch the basins instead of tinting them (a tint changes every colour under it, and
the colour bar would no longer say what F a colour is): basin k in BASIN_HATCHES[k % 8], the
negative codes in SPECIAL_BASIN_HATCHES, lines BASIN_LINE_WIDTH points in BASIN_LINE_COLOR,
each basin outlined in that colour."""
BASIN_LINE_COLOR = "#FFFFFF"
BASIN_LINE_ALPHA = 0.85
BASIN_LINE_WIDTH = 0.6

CURVATURE_RGB = (230, 40, 40)
CURVATURE_ALPHA = 170 / 255
"""Negative curvature: CURVATURE_RGB where λ_min(∇²F) < 0, opacity CURVATURE_ALPHA·√(|λ_min| /
max |λ_min|) (transparent where λ_min ≥ 0)."""

HESSIAN_COLORMAPS = {"ratio": "magma", "lambda_min": "RdBu_r", "lambda_max": "viridis"}
"""The full-space curvature map ("hessian" overlay) by field: matplotlib colour-map names
(pyqtgraph reads the same ones with ``pg.colormap.get(name, source="matplotlib")``).
|λ_min/λ_max| and λ_max are sequential (magma, viridis); λ_min is diverging (ColorBrewer's
RdBu reversed: negative blue, zero white, positive red; colour-blind safe) around 0."""
HESSIAN_ALPHA = 210 / 255
"""Opacity of the curvature map's computed cells; cells not computed (NaN) are transparent."""
HESSIAN_LABELS = {
    "ratio": r"$|\lambda_{\min}/\lambda_{\max}|$ of $\nabla^2 F(\theta)$",
    "lambda_min": r"$\lambda_{\min}(\nabla^2 F(\theta))$",
    "lambda_max": r"$\lambda_{\max}(\nabla^2 F(\theta))$",
}
"""The curvature map's quantity in mathtext (figure legends)."""
HESSIAN_WORDS = {
    "ratio": "|λ_min/λ_max| of ∇²F(θ)",
    "lambda_min": "λ_min(∇²F(θ))",
    "lambda_max": "λ_max(∇²F(θ))",
}
"""The same in plain Unicode (status lines, CSV headers use ASCII spellings of their own)."""


def hessian_range(values: np.ndarray, field: str) -> tuple[float, float]:
    """The value range (lo, hi) the curvature map's colours span, from its finite values v.

    - ``ratio`` = |λ_min/λ_max|: [0, max v] (hi at least 1e-12), so 0 (flat in one direction)
      is always the bottom colour;
    - ``lambda_min``: [−m, m] with m = max |v| (1 when every v is 0), so λ_min = 0 is the
      middle (white) of the diverging map and the sign of the curvature reads off the hue;
    - ``lambda_max``: [min v, max v] ((lo, lo + 1) when the map is flat).

    (0, 1) when no value is finite. ``values`` is any array (nb, na); units are those of F
    per unit² of θ. An unknown ``field`` raises LandscapeError.
    """
    if field not in HESSIAN_COLORMAPS:
        from compute.errors import LandscapeError

        raise LandscapeError(
            f"unknown curvature-map field {field!r}: choose {', '.join(HESSIAN_COLORMAPS)}"
        )
    v = np.asarray(values, dtype=float)
    finite = v[np.isfinite(v)]
    if not finite.size:
        return 0.0, 1.0
    if field == "lambda_min":
        top = float(np.abs(finite).max()) or 1.0
        return -top, top
    if field == "ratio":
        return 0.0, max(float(finite.max()), 1e-12)
    lo, hi = float(finite.min()), float(finite.max())
    return lo, hi if hi > lo else lo + 1.0


LINE_STYLES = {"solid": "-", "dashed": "--", "dotted": ":"}
CURVE_MEANINGS = {
    "loss": "solid",
    "test_loss": "dashed",
    "projected": "dotted",
    "metric": "solid",
    "aligned_distance": "dashed",
    "function_distance": "dotted",
    "baseline": "dotted",
}
"""How each series of the curves panel is drawn (the legend says so in words)."""


def hex_rgb(color: str) -> tuple[int, int, int]:
    """``#rrggbb`` → (r, g, b) in 0…255."""
    text = color.lstrip("#")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def basin_rgba(labels: np.ndarray) -> np.ndarray:
    """Categorical RGBA (…, 4) uint8 of basin labels: attractor k ≥ 0 in BASIN_COLORS, the
    negative codes in SPECIAL_BASIN_COLORS, opacity BASIN_ALPHA (0 for unknown codes)."""
    labels = np.asarray(labels)
    rgba = np.zeros((*labels.shape, 4), dtype=np.uint8)
    alpha = round(255 * BASIN_ALPHA)
    for code, color in SPECIAL_BASIN_COLORS.items():
        rgba[labels == code] = (*hex_rgb(color), alpha)
    for k in range(int(labels.max(initial=-1)) + 1):
        rgba[labels == k] = (*hex_rgb(BASIN_COLORS[k % len(BASIN_COLORS)]), alpha)
    return rgba


def curvature_rgba(hess_min: np.ndarray) -> np.ndarray:
    """Red where λ_min(∇²F) < 0 with opacity CURVATURE_ALPHA·√(|λ_min| / max|λ_min|), (…, 4)
    uint8; transparent elsewhere and where λ_min is not finite."""
    values = np.asarray(hess_min, dtype=float)
    rgba = np.zeros((*values.shape, 4), dtype=np.uint8)
    neg = np.where(np.isfinite(values) & (values < 0), -values, 0.0)
    top = float(neg.max()) if neg.size else 0.0
    if top > 0:
        rgba[..., :3] = CURVATURE_RGB
        rgba[..., 3] = (255 * CURVATURE_ALPHA * np.sqrt(neg / top)).astype(np.uint8)
    return rgba


SCHEME_COLORS = {
    # Okabe–Ito; one colour per initialization scheme in every plot of the lab
    "default": "#000000",
    "xavier": "#D55E00",
    "scaled": "#0072B2",
    "alpha": "#009E73",
    "beta": "#E69F00",
    "fixup": "#CC79A7",
}
SCHEME_LABELS = {
    "default": "default (U(±1/√fan_in))",
    "xavier": "Xavier N(0, 1/d)",
    "scaled": "N(0, 1/(dL))",
    "alpha": "α-scaling (α = 1/√2)",
    "beta": "β-scaling (β = 1/√L)",
    "fixup": "Fixup",
}
SWEEP_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
"""The depth sweeps' curves, in the order presets are added (references in the same colour)."""
