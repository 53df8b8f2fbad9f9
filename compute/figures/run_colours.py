"""Run colours in a composed figure: a colour means a run, never an optimizer.

Sessions give each run a colour in the window (Okabe–Ito, in the order the runs were made), so
panels of several sessions repeat colours: seed 001's runs 1 and 7 were both orange, one GD and
one heavy ball. ``distinct_colours`` gives every run of a figure a colour of its own (the
session's colour where no earlier run of the figure has it), so no two runs and in particular
no two optimizers share one; only past the palette's FIGURE_COLORS colours do colours repeat,
and then a run takes the colour of an earlier run of the same optimizer where there is one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from compute.figures import style
from compute.figures.panels import CurvesPanel, MapPanel, Panel, SurfacePanel
from compute.figures.run_trace import RunTrace

FIGURE_COLORS = (*style.RUN_COLORS[:-1], *style.EXTRA_RUN_COLORS, style.RUN_COLORS[-1])
"""The colours a figure gives runs whose own is taken: the window's palette, then more of the
same kind, its yellow last (the map's high end is yellow too)."""


def runs_of(panels: Sequence[Panel]) -> list[RunTrace]:
    """Every run drawn by ``panels``, in figure order (each once)."""
    seen: dict[int, RunTrace] = {}
    for p in panels:
        if isinstance(p, MapPanel | CurvesPanel | SurfacePanel):
            for r in p.map.runs if isinstance(p, SurfacePanel) else p.runs:
                seen.setdefault(id(r), r)
    return list(seen.values())


def optimizer_of(run: RunTrace) -> str:
    """The optimizer a run's legend names ("GD", "heavy ball"): its label up to the first
    comma (``words.optimizer_words``)."""
    return run.label.split(",")[0].strip()


def figure_colours(runs: Sequence[RunTrace]) -> list[str]:
    """One colour per run of ``runs`` (in figure order): its own where no earlier run has it,
    else the first of FIGURE_COLORS no run has yet; when those are used up, the colour of the
    first earlier run of the same optimizer (or the palette's colours in turn)."""
    colours: list[str] = []
    for i, run in enumerate(runs):
        taken = {c.lower() for c in colours}
        free = [c for c in FIGURE_COLORS if c.lower() not in taken]
        if run.color.lower() not in taken:
            colours.append(run.color)
        elif free:
            colours.append(free[0])
        else:
            same = [
                c
                for r, c in zip(runs, colours, strict=False)
                if optimizer_of(r) == optimizer_of(run)
            ]
            colours.append(same[0] if same else FIGURE_COLORS[i % len(FIGURE_COLORS)])
    return colours


def distinct_colours(panels: Sequence[Panel]) -> list[Panel]:
    """``panels`` with their runs recoloured by ``figure_colours`` (a run drawn by several
    panels, the same object, stays one run: one new object, one colour, one number)."""
    runs = runs_of(panels)
    new = {
        id(r): r if c == r.color else replace(r, color=c)
        for r, c in zip(runs, figure_colours(runs), strict=True)
    }

    def swap(p: Panel) -> Panel:
        if isinstance(p, SurfacePanel):
            return replace(p, map=swap(p.map))  # type: ignore[arg-type]
        if isinstance(p, MapPanel | CurvesPanel):
            return replace(p, runs=tuple(new[id(r)] for r in p.runs))
        return p

    return [swap(p) for p in panels]
