"""One colour scale for several maps: the same colour means the same F in every panel."""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import replace

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from compute.errors import LandscapeError
from compute.figures import style
from compute.figures.panels import MapPanel, Panel, SurfacePanel
from compute.figures.venues import Venue, rc_params
from compute.geometry.isolines import isolines, levels_for
from compute.landscapes.frames import MapFrame, _smooth

FLATTENED = 0.1
"""A map whose values span less than this share of the shared colour range would be drawn in a
few of its colours, flat: one colour scale is refused then."""
OWN_SCALES = "give each map its own colour scale (turn the shared colour scale off)"


def check_one_quantity(quantities: Sequence[tuple[str, str]]) -> None:
    """Refuse one colour scale for maps of different quantities (different losses: one colour
    would mean different things): ``quantities`` holds (name, ``MapPanel.quantity``) per map,
    the name as the message shows it ("(a)", a file's name); "" is unknown and not compared.
    Raises LandscapeError."""
    known = [(name, q) for name, q in quantities if q]
    if len({q for _, q in known}) > 1:
        shown = ", ".join(f"{name}: {q}" for name, q in known)
        raise LandscapeError(
            f"one colour scale compares one loss, but these maps show different ones ({shown}): "
            + OWN_SCALES
        )


def shared_scale(panels: Sequence[Panel]) -> tuple[list[Panel], str]:
    """The panels with every 2-D map on one colour scale, and the colour bar's label (a log
    scale's on two lines: the quantity, then F_min).

    Log maps are redrawn as log₁₀(F − F_min + δ) with F_min the lowest F of all of them (so
    one colour means one F in every panel); levels and colour range come from all maps
    together (``levels_for``, ``style.colour_range``), isolines are traced again.

    Refused (LandscapeError, naming the panels (a), (b), …): maps of different quantities
    (``check_one_quantity``), and maps that one scale would flatten, whose own colour range
    (``style.colour_range`` of their values on the shared scale) spans less than FLATTENED of
    the shared one: values orders of magnitude apart.
    """
    # Long by design: one pass over the panels that decides a common colour scale and its levels
    # together.
    surfaces = {i: p for i, p in enumerate(panels) if isinstance(p, SurfacePanel)}
    if surfaces:  # a 3-D surface shares its map's scale
        flat = [p.map if isinstance(p, SurfacePanel) else p for p in panels]
        scaled, label = shared_scale(flat)
        wrapped: list[Panel] = [
            replace(surfaces[i], map=p) if i in surfaces and isinstance(p, MapPanel) else p
            for i, p in enumerate(scaled)
        ]
        return wrapped, label
    maps = [p for p in panels if isinstance(p, MapPanel) and p.dim == 2]
    if not maps:
        return list(panels), ""
    names = {id(p): f"({string.ascii_lowercase[i]})" for i, p in enumerate(panels)}
    check_one_quantity([(names[id(m)], m.quantity) for m in maps])
    logs = {m.frame.log_scale for m in maps}
    if len(logs) > 1:
        raise LandscapeError(
            "a shared colour scale needs every map on a log or every map on a linear scale"
        )
    log = logs.pop()
    finite = [m.frame.loss[np.isfinite(m.frame.loss)] for m in maps]
    low = min((float(f.min()) for f in finite if f.size), default=0.0)
    delta = 1e-12 * (1 + abs(low))

    def display(loss: np.ndarray) -> np.ndarray:
        if not log:
            return loss
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.log10(loss - low + delta)

    shown = {id(m): display(np.asarray(m.frame.loss, dtype=float)) for m in maps}
    every = np.concatenate([v.ravel() for v in shown.values()])
    levels = levels_for(every, len(maps[0].frame.levels) or 14)
    lo_hi = style.colour_range(every)
    _refuse_flattened({names[id(m)]: shown[id(m)] for m in maps}, lo_hi)
    out: list[Panel] = []
    for p in panels:
        if not (isinstance(p, MapPanel) and id(p) in shown):
            out.append(p)
            continue
        d = shown[id(p)]
        image_axes, image = _smooth(p.frame.axes, d)
        lines = tuple(isolines(image_axes[0], image_axes[1], image, levels))
        frame = MapFrame(
            p.frame.axes,
            p.frame.loss,
            d,
            levels,
            lines,
            log,
            image_axes,
            image,
            dict(p.frame.extra),
            p.frame.complete,
        )
        out.append(replace(p, frame=frame, colour_range=lo_hi))
    label = r"$\log_{10}\,(F - F_{\min})$" + "\n" + rf"$F_{{\min}} = {math_number(low)}$"
    return out, label if log else "$F$"


def _refuse_flattened(shown: dict[str, np.ndarray], lo_hi: tuple[float, float]) -> None:
    """Raise a LandscapeError naming the maps (name → values on the shared scale) whose own
    colour range spans less than FLATTENED of the shared range ``lo_hi``."""
    span = lo_hi[1] - lo_hi[0]
    shares = {}
    for name, values in shown.items():
        lo, hi = style.colour_range(values)
        shares[name] = (hi - lo) / span
    flat = {name: share for name, share in shares.items() if share < FLATTENED}
    if flat:
        which = ", ".join(f"{name} {100 * share:.2g} %" for name, share in flat.items())
        raise LandscapeError(
            f"on one colour scale these maps would use only a sliver of the colours ({which}; "
            "their values lie orders of magnitude apart from the others'): " + OWN_SCALES
        )


def math_number(value: float) -> str:
    """``value`` to 3 significant digits in mathtext: "0.25", "9.58 \\times 10^{-9}"."""
    mantissa, _, exponent = f"{value:.3g}".partition("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}" if exponent else mantissa


def bar_room(lo: float, hi: float, label: str, v: Venue, bar_width: float) -> float:
    """Inches a colour bar ``bar_width`` wide over (lo, hi) takes with its tick labels and
    ``label`` at venue ``v``'s sizes, measured on a bar drawn apart (so that the shared bar's
    label, two lines of it, is given the room it needs inside the figure)."""
    with matplotlib.rc_context(rc_params(v)):
        fig = Figure(figsize=(4.0, 3.0))
        cax = fig.add_axes((0.25, 0.1, bar_width / 4.0, 0.8))
        bar = fig.colorbar(ScalarMappable(Normalize(lo, hi), style.COLORMAP), cax=cax)
        bar.set_label(label)
        box = cax.get_tightbbox(FigureCanvasAgg(fig).get_renderer())  # type: ignore[no-untyped-call]
        return bar_width if box is None else float(box.x1 / fig.dpi - 1.0)
