"""The curves panels' line styles in the legend: one entry per line style for the whole figure.

A curves panel draws each quantity solid, dashed or dotted (``style.CURVE_MEANINGS``): training
F and the scenario's metric solid, test F and the aligned distance dashed, the projected
gradient and the function distance dotted. One entry per panel and quantity made legends such
as "solid: training F", "solid: ‖W − W*‖_F", "solid: ‖(W₁, W₂) − (W₁*, W₂*)‖_F" (three
quantities, one style, no word of where). ``merge_styles`` writes one entry per style instead,
naming what it shows on each axis in the order of the axes and, where the panels differ (their
metrics), in which panel: "solid: training F; ‖W − W*‖_F (a), ‖(W₁, W₂) − (W₁*, W₂*)‖_F (b, c)".
"""

from __future__ import annotations

from matplotlib.lines import Line2D

from compute.figures import style
from compute.figures.map_overlays import Handles

SEP = "\x1f"
"""Separates the parts of a style entry's key (no label holds it)."""


def style_key(quantity: str, words: str, panel: str = "") -> str:
    """The legend key of a curves panel's style entry: its ``quantity`` (a key of
    ``style.CURVE_MEANINGS``), what it is in ``words`` (mathtext) and the ``panel`` ("a")."""
    return SEP.join(("style", quantity, words, panel))


def merge_styles(handles: Handles) -> Handles:
    """``handles`` with the style entries (``style_key``) of every curves panel replaced by
    one entry per line style (see the module's docstring); other entries unchanged."""
    out: Handles = []
    styles: dict[str, dict[str, dict[str, list[str]]]] = {}  # style → quantity → words → panels
    for key, handle in handles:
        if not key.startswith("style" + SEP):
            out.append((key, handle))
            continue
        _, quantity, words, panel = key.split(SEP)
        name = style.CURVE_MEANINGS.get(quantity, "solid")
        panels = styles.setdefault(name, {}).setdefault(quantity, {}).setdefault(words, [])
        if panel and panel not in panels:
            panels.append(panel)
    for name, quantities in styles.items():
        parts = []
        for by_words in quantities.values():
            if len(by_words) == 1:
                parts.append(next(iter(by_words)))
            else:
                parts.append(", ".join(f"{w} ({', '.join(p)})" for w, p in by_words.items()))
        label = f"{name}: " + "; ".join(parts)
        line = Line2D([], [], color="0.3", ls=style.LINE_STYLES[name], lw=1.0, label=label)
        out.append((f"style:{name}", line))
    return out
