"""Figures for papers, as a reader checks them (issue 21, item 18): one colour per run, run
numbers inside the axes and off the other runs, basins that leave the colour scale readable,
titles that keep formulas whole, text of at least 7 pt, one spelling of axis names, metadata
without mathtext, the shared scale's label inside the figure, one legend entry per line style.
"""

import codecs
import re
from dataclasses import replace

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.path import Path
from matplotlib.text import Text

from compute.dynamics.basins import Attractor, BasinMap
from compute.figures import style
from compute.figures.captions import is_operator
from compute.figures.compose import compose
from compute.figures.gallery import SESSIONS
from compute.figures.panels import CurvesPanel, Series, SeriesPanel
from compute.figures.provenance import figure_record
from compute.figures.render import render_figure
from compute.figures.run_colours import figure_colours, optimizer_of
from compute.figures.run_trace import RunTrace
from compute.figures.scene import scene_from_file, scene_from_session
from compute.figures.venues import MIN_POINTS, VENUES
from compute.generators import drain
from compute.landscapes.frames import make_frame
from compute.sessions.session import Session

from .test_figures import _trace, shamir_panel

GD, BALL, ADAM = r"GD, $\eta = 0.1$", r"heavy ball, $\beta = 0.9$, $\eta = 0.05$", "Adam"
ORANGE, SKY = style.RUN_COLORS[0], style.RUN_COLORS[1]


def drawn(comp):
    """The composition drawn once (tick labels exist) and its renderer."""
    canvas = FigureCanvasAgg(comp.figure)
    canvas.draw()
    return canvas.get_renderer()


def run_colours(comp):
    """Run number → colour, from the legend's run entries."""
    out = {}
    for handle, text in zip(comp.legend.legend_handles, comp.legend.get_texts(), strict=True):
        number, sep, _ = text.get_text().partition(": ")
        if sep and number.isdigit():
            out[int(number)] = handle.get_color()
    return out


def test_two_runs_never_share_a_colour_in_one_figure_whatever_their_sessions_said():
    # seed 001: the sessions colour their runs orange, sky blue, … each; composed, run 1 (GD)
    # and run 7 (heavy ball) were both orange
    sessions = (
        ((ORANGE, GD), (SKY, BALL), (style.RUN_COLORS[2], ADAM)),
        ((ORANGE, GD), (SKY, GD)),
        ((ORANGE, BALL), (SKY, GD)),
    )
    panels = [
        replace(
            shamir_panel(isolines=False),
            runs=tuple(_trace(c, [[-2, -3], [0, 0]], lab) for c, lab in runs),
        )
        for runs in sessions
    ]
    comp = compose(panels, width="double")
    colours = run_colours(comp)
    assert sorted(colours) == list(range(1, 8))
    assert len(set(colours.values())) == 7
    assert colours[1] == ORANGE and colours[2] == SKY  # the first runs keep the window's colours
    alone = compose([replace(shamir_panel(), runs=(_trace("#CC79A7", [[-2, -3], [0, 0]]),))])
    assert run_colours(alone) == {1: "#CC79A7"}  # a colour no other run has is kept
    for ax, runs in zip(comp.axes, sessions, strict=True):  # paths drawn in the legend's colour
        paths = {ln.get_color() for ln in ax[0].get_lines() if len(ln.get_xdata()) == 2}
        assert len(paths) == len(runs) and paths <= set(colours.values())


def test_past_the_palette_a_colour_is_only_shared_by_runs_of_one_optimizer():
    runs = [_trace(ORANGE, [[0, 0], [1, 1]], (GD, ADAM, BALL)[i % 3]) for i in range(40)]
    colours = figure_colours(runs)
    assert len(set(colours[:14])) == 14
    for a, ca in zip(runs, colours, strict=True):
        for b, cb in zip(runs, colours, strict=True):
            assert ca != cb or optimizer_of(a) == optimizer_of(b)


def test_run_numbers_stay_inside_the_axes_and_off_other_runs_paths():
    runs = (
        _trace(ORANGE, [[-2.95, 1.95], [-2.0, 1.0]]),  # starts in the top-left corner
        _trace(SKY, [[0.0, 0.0], [1.5, -1.0]]),
        _trace(
            style.RUN_COLORS[2], [[-1.5, 0.25], [-0.03, 0.25]], ADAM
        ),  # just above run 2's start
        _trace(style.RUN_COLORS[3], [[2.95, -3.95], [2.0, -3.0]], ADAM),  # bottom-right corner
    )
    for width in ("single", "double"):
        comp = compose([replace(shamir_panel(isolines=False), runs=runs)], width=width)
        renderer = drawn(comp)
        ax = comp.axes[0][0]
        frame = ax.get_window_extent(renderer)
        colours = run_colours(comp)
        paths = {
            n: ln.get_transform().transform_path(ln.get_path())
            for n, c in colours.items()
            for ln in ax.get_lines()
            if ln.get_color() == c and len(ln.get_xdata()) == 2
        }
        tags = {
            int(t.get_text()): t.get_window_extent(renderer)
            for t in ax.texts
            if t.get_text().isdigit()
        }
        assert sorted(tags) == [1, 2, 3, 4]
        for n, box in tags.items():
            assert frame.x0 <= box.x0 and box.x1 <= frame.x1, (width, n)
            assert frame.y0 <= box.y0 and box.y1 <= frame.y1, (width, n)
            assert not any(
                Path.intersects_bbox(p, box, filled=False) for m, p in paths.items() if m != n
            )
            assert not any(box.overlaps(other) for m, other in tags.items() if m != n)


def basin_panel():
    panel = shamir_panel(isolines=False)
    x, y = panel.frame.axes
    labels = (np.meshgrid(x, y)[0] + np.meshgrid(x, y)[1] > 0).astype(int)
    labels[:5, :5] = -2  # a diverged corner
    attractors = tuple(
        Attractor(f"min ({k}, 0)", "minimum", np.zeros((1, 2)), 0.0) for k in range(2)
    )
    zeros = np.zeros(labels.shape)
    return replace(panel, basins=BasinMap((x, y), labels, zeros[..., None], zeros, attractors))


def axes_pixels(comp):
    """The RGB pixels inside the first map's axes."""
    renderer = drawn(comp)
    box = comp.axes[0][0].get_window_extent(renderer)
    rgb = np.asarray(renderer.buffer_rgba())[..., :3].astype(float)
    top = rgb.shape[0] - int(box.y1)
    return rgb[
        top + 2 : top + int(box.height) - 2, int(box.x0) + 2 : int(box.x0) + int(box.width) - 2
    ]


def test_basins_leave_the_maps_colours_those_of_its_colour_bar_and_the_legend_says_which_is_which():
    plain, basins = compose([shamir_panel(isolines=False)]), compose([basin_panel()])
    assert len(basins.axes[0][0].get_images()) == 1  # the map alone: no tint over it
    a, b = axes_pixels(plain), axes_pixels(basins)
    h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    changed = np.abs(a[:h, :w] - b[:h, :w]).max(axis=2) > 24
    assert changed.mean() < 0.4  # hatch lines and outlines only (a tint changed ~every pixel)
    entries = {
        t.get_text(): h.get_hatch()
        for h, t in zip(basins.legend.legend_handles, basins.legend.get_texts(), strict=True)
        if "basin" in t.get_text() or "diverged" in t.get_text()
    }
    assert len(entries) == 3 and len(set(entries.values())) == 3 and None not in entries.values()


def test_titles_keep_each_formula_on_one_line():
    subjects = (
        "Scalar factorization (1 − uv)²",
        "Symmetric factorization ‖M − uuᵀ‖$^2_F$",
        r"One weight through an activation, $\varphi$ = relu",
    )
    panels = [replace(shamir_panel(), title="plain", subject=s) for s in subjects]
    for width in ("double", "slide", 8.0):
        comp = compose(panels, width=width)
        for title in comp.titles:
            for line in title.split("\n"):
                words = line.split(" ")
                assert line.count("$") % 2 == 0
                assert not is_operator(words[0]) and not is_operator(words[-1]), (width, title)
        assert "(1 − uv)²" in comp.titles[0].replace("\n", "|") and "‖M − uuᵀ‖" in comp.titles[1]


def curves(metric, scale=1.0):
    """A curves panel of one run with the scenario's ``metric`` and the teacher distances."""
    steps = np.arange(50)
    keys = ("test_loss", "metric", "aligned_distance", "function_distance")
    metrics = {k: np.exp(-steps / (20 + i)) for i, k in enumerate(keys)}
    loss = scale * np.exp(-steps / 10)
    run = RunTrace(ADAM, SKY, np.zeros((50, 2)), loss, loss, "converged", metrics=metrics)
    labels = {"metric": metric, "aligned_distance": "up to symmetries", "function_distance": "f"}
    return CurvesPanel((run,), subject="student", metric_labels=labels, baselines={"ls": 0.05})


def test_text_is_at_least_7_points_at_every_venue_and_inside_the_figure():
    depths = np.array([2.0, 4.0, 8.0, 16.0, 32.0])
    sweep = Series("GD", depths, 0.5 / depths, ORANGE, marker="o")
    panels = [
        replace(
            basin_panel(), runs=(_trace(ORANGE, [[-2, -3], [1, 0]]),), marks={"θ₀": (2.9, 1.9, 0.0)}
        ),
        curves("‖W − W*‖_F", scale=1e-12),
        SeriesPanel((sweep,), "$m$", r"$\max_i \|A_i\|_2$ after training", note="n", ylog=True),
    ]
    for width in VENUES:
        for chosen in ([panels[0]], [panels[1]], [panels[2]], panels[:2], panels):
            if width == "single" and len(chosen) > 1:
                continue
            comp = compose(chosen, None, width)
            renderer = drawn(comp)
            texts = [
                t for t in comp.figure.findobj(Text) if t.get_visible() and t.get_text().strip()
            ]
            small = {
                (t.get_text(), t.get_fontsize()) for t in texts if t.get_fontsize() < MIN_POINTS
            }
            assert not small, width
            assert len(texts) >= 8
            if len(chosen) > 1:
                continue
            # nothing drawn (tick labels, axis names, tags, the θ₀ mark in a corner) is cut off
            drawn_box, page = comp.figure.get_tightbbox(renderer), comp.figure.bbox_inches
            assert page.x0 <= drawn_box.x0 and drawn_box.x1 <= page.x1, (width, len(chosen))
            assert page.y0 <= drawn_box.y0 and drawn_box.y1 <= page.y1, (width, len(chosen))


def test_axis_names_are_written_alike_in_every_panel():
    names = set()
    for file in ("factorization.json", "psd-factorization.json", "relu-activation.json"):
        scene = drain(scene_from_file(SESSIONS / file, max_steps=5))
        comp = compose([scene.map])
        ax = comp.axes[0][0]
        names |= {ax.get_xlabel()} | ({ax.get_ylabel()} if scene.map.dim == 2 else set())
    assert names == {"$u$", "$v$", "$u_{1}$", "$u_{2}$", "$w$"}
    assert all(re.fullmatch(r"\$[a-z](_\{\d+\})?\$", n) for n in names)


def pdf_info(data: bytes, key: str) -> str:
    """A PDF Info string as matplotlib writes it: (literal), ASCII or UTF-16BE with a BOM."""
    i = data.index(b"/" + key.encode() + b" (") + len(key) + 3
    raw = bytearray()
    while data[i : i + 1] != b")":
        if data[i : i + 1] == b"\\":
            i += 1
            raw += {b"n": b"\n", b"r": b"\r"}.get(data[i : i + 1], data[i : i + 1])
        else:
            raw.append(data[i])
        i += 1
    text = bytes(raw)
    return text[2:].decode("utf-16-be") if text.startswith(codecs.BOM_UTF16_BE) else text.decode()


def test_pdf_title_and_subject_carry_no_mathtext(tmp_path):
    from compute.dynamics.optimizers import RunConfig
    from compute.sessions.session import RunSettings

    run = RunSettings((1.5, 1.0), RunConfig.for_optimizer("momentum", lr=0.05, steps=20))
    session = Session(scenario="shamir", resolution=32, l2=0.2, constraint="ball:2").with_changes(
        runs=(run,)
    )
    scene = drain(scene_from_session(session))
    record = figure_record([scene.provenance], "render", {"caption": "½(w(1 + εv) − 1)²"})
    out = render_figure([scene.map, scene.curves], tmp_path / "f.pdf", record)[0]
    title, subject = (pdf_info(out.read_bytes(), k) for k in ("Title", "Subject"))
    assert title.startswith("(a) Shamir (2018), Example 1, L₂, λ = 0.2; ball ‖θ‖ ≤ 2 / (b) ")
    for text in (title, subject):
        assert "$" not in text and "\\" not in text, text
    assert "heavy ball, β = 0.9, η = 0.05" in subject and "½(w(1 + εv) − 1)²" in subject


def test_the_shared_scales_label_lies_inside_the_figure():
    plain = shamir_panel()
    tiny = make_frame(plain.frame.axes, 1e-9 * plain.frame.loss + 9.58e-9, True)
    low = replace(plain, frame=tiny)  # F_min = 9.58e-09: the label's longest form
    for width, layout in (("double", "1x3"), ("single", "2x1"), ("slide", "1x2")):
        panels = [low, replace(low, title="L2"), low][: int(layout[0]) * int(layout[2])]
        comp = compose(panels, layout, width, shared=True)
        renderer = drawn(comp)
        label = comp.colorbars[0].ax.yaxis.label
        box, page = label.get_window_extent(renderer), comp.figure.bbox
        assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1
        assert "F_{\\min} =" in label.get_text()


def test_each_line_style_has_one_legend_entry_naming_what_it_is_on_each_axis():
    long = "‖(W₁, W₂) − (W₁*, W₂*)‖_F"
    comp = compose([curves("‖W − W*‖_F"), curves(long), curves(long)], width="double")
    texts = [t.get_text() for t in comp.legend.get_texts()]
    for name in ("solid", "dashed", "dotted"):
        assert sum(t.startswith(f"{name}:") for t in texts) == 1, texts
    solid = next(t for t in texts if t.startswith("solid:"))
    assert "training $F$" in solid and "(a)" in solid and "(b, c)" in solid
    dashed = next(t for t in texts if t.startswith("dashed:"))
    assert "test $F$" in dashed and "(a)" not in dashed  # the same in every panel: said once
