"""Figure widths and fonts for papers and slides (a small table, values from tueplots 0.2.5).

tueplots' bundles were read and not taken as a dependency: the explorer needs three widths and
one font size per width, its maps need equal-aspect axes plus colour bars rather than
golden-ratio subplots, and its font presets name Times / LaTeX (``usetex``), which this machine
and most users' do not have (matplotlib would fall back with a warning). The widths below are
tueplots' ``icml2024_half`` / ``icml2024_full`` (3.25 in / 6.75 in; NeurIPS' 5.5 in single
column fits between) and ``beamer_169`` (0.9 × 398.34 pt); the font sizes follow its
``fontsizes.icml2024`` (base 9 − 1 pt) and ``fontsizes.beamer``, the small size (tick labels,
legends, run tags) raised to MIN_POINTS where tueplots goes lower. Fonts are
DejaVu Sans with DejaVu mathtext (both ship with matplotlib, so every machine renders the same
glyphs), embedded as TrueType (``pdf.fonttype`` 42).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from compute.errors import LandscapeError, short

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType


@dataclass(frozen=True)
class Venue:
    """A target width (inches) and its font sizes (points)."""

    name: str
    width: float
    font_size: float
    small_size: float
    line_width: float = 0.8


MIN_POINTS = 7.0
"""The smallest text of a figure (points): tick labels, legends, run tags and notes."""
VENUES = {
    "single": Venue("single", 3.25, 8.0, MIN_POINTS),
    "double": Venue("double", 6.75, 8.0, MIN_POINTS),
    "slide": Venue("slide", 0.9 * 398.3386 / 72.27, 9.0, MIN_POINTS),
}
"""``single``: one column of a two-column paper; ``double``: the full text width; ``slide``:
a 16:9 beamer frame."""
WIDTH_RANGE = (1.0, 20.0)
MAX_PANELS = 26
DPI_RANGE = (50, 1200)
FPS_RANGE = (1, 60)
SECONDS_RANGE = (0.5, 120.0)
MAX_FRAMES = 3600
MAX_PIXELS = 150_000_000
"""Largest figure raster (width × height in pixels, ~600 MB as RGBA; matplotlib needs a few
times that while drawing): 20 in at 1200 dpi would take more than 10 GB."""
MAX_ANIMATION_BYTES = 2 << 30
"""Largest total of an animation's frames (RGB) kept while it is encoded."""


def estimated_pixels(width: float, rows: int, cols: int, dpi: float) -> float:
    """Pixels of a figure ``width`` inches wide of rows × cols panels at ``dpi`` (panels about
    0.8 as high as wide, plus room for titles and labels)."""
    height = width / cols * 0.8 * rows + 0.6
    return (width * dpi) * (height * dpi)


def check_budget(width: str | float, rows: int, cols: int, dpi: float, frames: int = 1) -> None:
    """Refuse a figure (or an animation of ``frames`` frames) too large for memory."""
    inches = venue(width).width
    pixels = estimated_pixels(inches, rows, cols, dpi)
    if pixels > MAX_PIXELS:
        raise LandscapeError(
            f"a {inches:g}-inch figure at {dpi:g} dpi has ~{pixels / 1e6:.0f} million pixels "
            f"(at most {MAX_PIXELS / 1e6:.0f} million): lower --dpi or --width"
        )
    if frames > 1 and pixels * 3 * frames > MAX_ANIMATION_BYTES:
        raise LandscapeError(
            f"{frames} frames of ~{pixels / 1e6:.1f} million pixels need "
            f"~{pixels * 3 * frames / 2**30:.1f} GB (at most {MAX_ANIMATION_BYTES >> 30} GB): "
            "lower --fps, --seconds or --dpi"
        )


def check_animation(fps: float, seconds: float) -> int:
    """The number of frames of ``fps`` × ``seconds``, or a one-line LandscapeError."""
    if isinstance(fps, bool) or not FPS_RANGE[0] <= fps <= FPS_RANGE[1] or fps != int(fps):
        raise LandscapeError(
            f"frame rate must be a whole number of frames per second in {FPS_RANGE}, got {fps}"
        )
    if not (math.isfinite(seconds) and SECONDS_RANGE[0] <= seconds <= SECONDS_RANGE[1]):
        raise LandscapeError(
            f"length must be between {SECONDS_RANGE[0]} and {SECONDS_RANGE[1]} s, got {seconds}"
        )
    return max(2, min(MAX_FRAMES, round(fps * seconds)))


def venue(width: str | float) -> Venue:
    """The venue for ``single``, ``double``, ``slide`` or a width in inches (fonts of
    ``single`` up to 4 in, of ``double`` above)."""
    if isinstance(width, str) and width in VENUES:
        return VENUES[width]
    try:
        inches = float(width)
    except (TypeError, ValueError):
        raise LandscapeError(
            f"width {short(width)} is not single, double, slide or a number of inches"
        ) from None
    if not (math.isfinite(inches) and WIDTH_RANGE[0] <= inches <= WIDTH_RANGE[1]):
        raise LandscapeError(
            f"width must be between {WIDTH_RANGE[0]:g} and {WIDTH_RANGE[1]:g} inches, got {width}"
        )
    base = VENUES["single" if inches <= 4 else "double"]
    return Venue(f"{inches:g} in", inches, base.font_size, base.small_size, base.line_width)


def rc_params(v: Venue) -> dict[RcKeyType, Any]:
    """matplotlib rcParams for ``v``: fonts, sizes, embedding and deterministic output."""
    return {
        "font.family": "DejaVu Sans",
        "mathtext.fontset": "dejavusans",
        "font.size": v.font_size,
        "axes.titlesize": v.font_size,
        "axes.labelsize": v.font_size,
        "legend.fontsize": v.small_size,
        "xtick.labelsize": v.small_size,
        "ytick.labelsize": v.small_size,
        "axes.linewidth": 0.6,
        "xtick.major.width": 0.6,
        "ytick.major.width": 0.6,
        "xtick.major.size": 2.5,
        "ytick.major.size": 2.5,
        "lines.linewidth": v.line_width,
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
        "svg.fonttype": "path",
        "svg.hashsalt": "landscape-explorer",
        "image.interpolation": "nearest",
        "axes.titlepad": 3.0,
        "axes.labelpad": 2.0,
        "legend.frameon": False,
        "legend.handlelength": 1.6,
        "legend.columnspacing": 1.2,
        "legend.borderaxespad": 0.2,
    }


def parse_layout(layout: str | None, count: int) -> tuple[int, int]:
    """(rows, cols) from "ROWSxCOLS" (None: one row of up to 3, then rows of 3)."""
    if count < 1:
        raise LandscapeError("a figure needs at least one panel")
    if count > MAX_PANELS:
        raise LandscapeError(f"a figure holds at most {MAX_PANELS} panels, got {count}")
    if layout is None:
        cols = min(count, 3)
        return math.ceil(count / cols), cols
    match = re.fullmatch(r"\s*(\d{1,2})\s*[xX×]\s*(\d{1,2})\s*", layout)
    if not match:
        raise LandscapeError(f"layout {layout[:20]!r} is not ROWSxCOLS (e.g. 1x3, 2x2)")
    rows, cols = int(match[1]), int(match[2])
    if rows * cols > MAX_PANELS:
        raise LandscapeError(f"layout {rows}x{cols} has more than {MAX_PANELS} cells")
    if rows < 1 or cols < 1 or rows * cols < count:
        raise LandscapeError(f"layout {rows}x{cols} has no room for {count} panels")
    return rows, cols


def check_dpi(dpi: float) -> int:
    """``dpi`` as an integer in DPI_RANGE, or a one-line LandscapeError."""
    if (
        isinstance(dpi, bool)
        or not isinstance(dpi, int | float)
        or not DPI_RANGE[0] <= dpi <= DPI_RANGE[1]
    ):
        raise LandscapeError(f"dpi must be between {DPI_RANGE[0]} and {DPI_RANGE[1]}, got {dpi}")
    return int(dpi)
