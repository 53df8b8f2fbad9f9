"""Figures for papers: what is drawn where, on which scale, in which file (checked on the files
and on the drawn arrays, against F evaluated independently)."""

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from PIL import Image

from compute.errors import LandscapeError
from compute.figures import style
from compute.figures.compose import compose
from compute.figures.map_overlays import cell_extent
from compute.figures.panels import MapPanel
from compute.figures.provenance import figure_record
from compute.figures.render import render_figure, save
from compute.figures.run_trace import RunTrace
from compute.figures.scene import scene_from_session
from compute.figures.venues import parse_layout
from compute.figures.words import mode_words
from compute.generators import drain
from compute.landscapes.frames import make_frame
from compute.objectives.modes import Ball, Box, Modes
from compute.sessions.session import Session

ASYMMETRIC = (-3.0, 3.0, -4.0, 2.0)
"""A window that is neither square-centred nor symmetric: a transposed map or swapped isoline
axes put things in the wrong place (and off the grid)."""


def shamir(w, v, eps=1.0):
    """Seed 001, Example 1: F(w, v) = ½ (w (1 + ε v) − 1)² (the independent formula)."""
    return 0.5 * (w * (1 + eps * v) - 1) ** 2


def shamir_panel(log_scale=True, n=(160, 130), window=ASYMMETRIC, **kw):
    x = np.linspace(window[0], window[1], n[0])
    y = np.linspace(window[2], window[3], n[1])
    loss = shamir(*np.meshgrid(x, y))  # (ny, nx), row i at y[i]
    frame = make_frame((x, y), loss, log_scale)
    return MapPanel(frame, ("$w$", "$v$"), "plain", window=window, **kw)


def display_of(f, loss):
    """The log display rule, written out: log10(F − min F + 1e-12 (1 + |min F|))."""
    low = float(np.min(loss))
    return np.log10(np.maximum(f - low + 1e-12 * (1 + abs(low)), 1e-300))


def test_colour_range_is_the_windows_rule_first_percentile_to_max():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(50, 40))
    values[0, 0] = np.inf
    values[1, 1] = np.nan
    finite = values[np.isfinite(values)]
    assert style.colour_range(values) == (np.percentile(finite, 1), finite.max())
    assert style.colour_range(np.full((3, 3), 2.0)) == (2.0, 3.0)
    assert style.colour_range(np.full(3, np.nan)) == (0.0, 1.0)


def test_drawn_map_uses_the_window_colour_range_and_colour_map():
    panel = shamir_panel()
    comp = compose([panel], width="single")
    image = comp.axes[0][0].get_images()[0]
    assert image.get_cmap().name == style.COLORMAP
    lo, hi = style.colour_range(panel.frame.display)
    assert (image.norm.vmin, image.norm.vmax) == pytest.approx((lo, hi))
    assert comp.colorbars[0].mappable.norm.vmin == pytest.approx(lo)


def test_critical_markers_never_share_a_colour_with_runs():
    runs = {c.lower() for c in style.RUN_COLORS}
    fills = [face.lower() for _, _, face, _ in style.CRITICAL_MARKERS.values()]
    assert not runs & set(fills)
    assert len(set(fills)) == len(fills)
    assert len({m for m, *_ in style.CRITICAL_MARKERS.values()}) == len(fills)  # shapes differ
    assert style.MEMBER_COLOR.lower() not in runs


def test_mode_words_name_the_mode_without_ids():
    assert mode_words(Modes()).text == "plain"
    assert mode_words(Modes(l2=0.2)).text == "L2, λ = 0.2"
    assert mode_words(Modes(constraint=Ball(1.0))).text == "ball ‖θ‖ ≤ 1"
    assert mode_words(Modes(0.1, Box(1.5))).text == "L2, λ = 0.1; box |θᵢ| ≤ 1.5"
    assert "$" in mode_words(Modes(l2=0.2)).math
    # Theorem 4's ball on (w, v) is not a ball on θ
    assert mode_words(Modes(constraint=Ball(1.0, blocks=("w", "v")))).text == "ball ‖(w, v)‖ ≤ 1"


def test_log_isolines_lie_on_their_levels_of_f():
    panel = shamir_panel(log_scale=True, n=(320, 240))
    frame = panel.frame
    spacing = float(np.diff(frame.levels).mean())
    assert len(frame.levels) == 14
    comp = compose([panel], width="single")
    ax = comp.axes[0][0]
    drawn = [ln for ln in ax.get_lines() if ln.get_color() == style.ISOLINE_COLOR]
    assert len(drawn) == sum(1 for line in frame.lines if len(line))  # every level survives
    pooled = []
    for line, level in zip(drawn, frame.levels, strict=False):
        xy = np.column_stack([line.get_xdata(), line.get_ydata()])
        xy = xy[np.isfinite(xy).all(axis=1)]
        assert len(xy) > 10
        w0, w1, v0, v1 = ASYMMETRIC
        assert (xy[:, 0] >= w0 - 1e-9).all() and (xy[:, 0] <= w1 + 1e-9).all()
        assert (xy[:, 1] >= v0 - 1e-9).all() and (xy[:, 1] <= v1 + 1e-9).all()
        err = np.abs(display_of(shamir(xy[:, 0], xy[:, 1]), frame.loss) - level)
        swapped = np.abs(display_of(shamir(xy[:, 1], xy[:, 0]), frame.loss) - level)
        # linear interpolation of log F between grid nodes (h ≈ 0.02) is worst in the narrow
        # valley of the lowest levels: still within a third of the levels' spacing; swapped
        # axes (or levels drawn as F values) miss by half a decade or more
        assert np.median(err) < 0.3 * spacing
        assert np.median(swapped) > 0.5
        pooled.append(err)
    assert np.median(np.concatenate(pooled)) < 0.01


def test_an_exported_map_covers_its_cells_on_a_non_square_grid():
    """Cells of unequal size (a 3 × 1 window sampled 7 × 5): the exported image (a coarse map
    is upsampled bilinearly through its samples, as on screen) spans the first to the last
    sample, each pixel centred on its sample: half a pixel beyond, by hand from the window and
    the counts; a half-cell shift or swapped steps cannot pass."""
    panel = shamir_panel(log_scale=False, n=(7, 5), window=(-1.0, 2.0, 0.0, 1.0), isolines=False)
    comp = compose([panel], width="single")
    image = comp.axes[0][0].get_images()[0]
    ny, nx = image.get_array().shape
    h, k = 3.0 / (nx - 1), 1.0 / (ny - 1)
    assert nx > 7 and ny > 5  # upsampled
    assert image.get_extent() == pytest.approx((-1.0 - h / 2, 2.0 + h / 2, -k / 2, 1.0 + k / 2))


def test_map_image_is_not_transposed_in_the_file(tmp_path):
    panel = shamir_panel(log_scale=False, isolines=False)
    comp = compose([panel], width="single")
    ax = comp.axes[0][0]
    image = ax.get_images()[0]
    assert image.get_array().shape == panel.frame.display.shape  # (ny, nx)
    x, y = panel.frame.axes
    assert image.get_extent() == pytest.approx(cell_extent(x, y))
    path = save(comp, tmp_path / "map.png", {}, dpi=100)[0]
    pixels = np.asarray(Image.open(path).convert("RGB"), dtype=float)
    fig = comp.figure
    to_px = fig.dpi_scale_trans.inverted() + matplotlib.transforms.Affine2D().scale(100)
    cmap, norm = image.get_cmap(), image.norm
    for w, v in [(2.5, -3.5), (-2.5, 1.5), (2.0, 1.0), (-1.0, -3.0), (0.5, -0.5)]:
        px, py = to_px.transform(ax.transData.transform((w, v)))
        col, row = round(px), pixels.shape[0] - round(py)
        expected = np.array(cmap(norm(shamir(w, v)))[:3]) * 255
        assert np.abs(pixels[row, col] - expected).max() < 12, (w, v)
        transposed = np.array(cmap(norm(shamir(v, w)))[:3]) * 255
        if np.abs(expected - transposed).max() > 40:
            assert np.abs(pixels[row, col] - transposed).max() > 25


def _trace(color, path, label="GD, $\\eta = 0.1$"):
    path = np.asarray(path, dtype=float)
    loss = shamir(path[:, 0], path[:, 1])
    return RunTrace(label, color, path, loss, np.abs(np.gradient(loss)), "converged")


def test_runs_are_drawn_where_they_went_and_numbered_from_one():
    a = _trace(style.RUN_COLORS[0], [[-2.5, -3.5], [-1.0, -2.0], [1.0, 0.5]])
    b = _trace(style.RUN_COLORS[1], [[2.0, 1.5], [1.5, 0.2]])
    panel = replace(shamir_panel(isolines=False), runs=(a, b))
    comp = compose([panel, replace(shamir_panel(isolines=False), runs=(b,))], width="double")
    lines = comp.axes[0][0].get_lines()
    path_a = [ln for ln in lines if ln.get_color() == a.color and len(ln.get_xdata()) == 3]
    assert np.allclose(np.column_stack(path_a[0].get_data()), a.path)
    labels = [t.get_text() for t in comp.legend.get_texts()]
    assert labels[0].startswith("1: ") and labels[1].startswith("2: ")
    assert len([t for t in labels if t[:2] in ("1:", "2:", "3:")]) == 2  # b keeps its number


def test_three_panels_equal_maps_labels_and_shared_colour_bar():
    panels = [
        shamir_panel(),
        replace(shamir_panel(), title="$L_2$, $\\lambda = 0.2$"),
        replace(shamir_panel(), title="ball"),
    ]
    for shared in (False, True):
        comp = compose(panels, "1x3", "double", shared=shared)
        assert [t.split(" ")[0] for t in comp.titles] == ["(a)", "(b)", "(c)"]
        boxes = [ax[0].get_position() for ax in comp.axes]
        assert len({(round(b.width, 6), round(b.height, 6)) for b in boxes}) == 1
        assert len({round(b.y0, 6) for b in boxes}) == 1
        assert len(comp.colorbars) == (1 if shared else 3)
        assert comp.figure.get_size_inches()[0] == pytest.approx(6.75)


def test_shared_scale_puts_every_map_on_one_log_scale():
    plain = shamir_panel()
    shifted = replace(plain, frame=make_frame(plain.frame.axes, plain.frame.loss + 0.5, True))
    comp = compose([plain, shifted], shared=True)
    images = [ax[0].get_images()[0] for ax in comp.axes]
    assert images[0].norm.vmin == images[1].norm.vmin
    # one colour = one F: both are log10(F − F_min + δ) with the lowest F of both maps, so the
    # shifted map's values are those of the plain one plus 0.5 in F
    d0, d1 = (np.asarray(im.get_array(), dtype=float) for im in images)
    assert np.allclose(10.0**d1, 10.0**d0 + 0.5, rtol=1e-9, atol=1e-9)


def test_layout_errors_are_one_line():
    assert parse_layout(None, 3) == (1, 3)
    assert parse_layout("2x2", 3) == (2, 2)
    for bad in ("2x1", "x3", "0x3", "3by1"):
        with pytest.raises(LandscapeError):
            parse_layout(bad, 3)


def test_single_column_pdf_of_a_256_map_with_isolines_and_two_runs_is_small(tmp_path):
    runs = (
        _trace(style.RUN_COLORS[0], np.linspace([-2.5, -3.5], [1.0, 0.0], 400)),
        _trace(style.RUN_COLORS[1], np.linspace([2.5, 1.5], [0.8, 0.25], 600)),
    )
    panel = replace(shamir_panel(n=(256, 256)), runs=runs)
    path = render_figure([panel], tmp_path / "map.pdf", {"scenario": "shamir"}, width="single")[0]
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(data) < 300_000
    assert (
        data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") + data.count(b"/Type /Page>")
        == 1
    )
    assert b"/FontFile2" in data  # TrueType embedded (pdf.fonttype 42)


@pytest.mark.parametrize("name", ["", "folder/", "fig.txt", "missing/fig.pdf", "/dev/full"])
def test_bad_outputs_are_refused_and_leave_nothing(tmp_path, name):
    target = name if name.startswith("/") else str(tmp_path / name) if name else name
    if name == "folder/":
        (tmp_path / "folder").mkdir()
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(LandscapeError) as info:
        render_figure([shamir_panel()], target, {})
    assert "\n" not in str(info.value)
    assert sorted(tmp_path.rglob("*")) == before


def test_provenance_in_the_file_and_the_sidecar(tmp_path):
    record = figure_record([{"scenario": "shamir", "params": {"eps": 1.0}}], "render")
    for suffix in (".pdf", ".png", ".svg"):
        out, side = render_figure([shamir_panel()], tmp_path / f"f{suffix}", record, dpi=60)
        meta = json.loads(side.read_text())
        assert meta["file"] == out.name and meta["version"] and meta["created"]
        assert meta["panels"][0]["scenario"] == "shamir"
        data = out.read_bytes()
        if suffix == ".png":
            embedded = json.loads(Image.open(out).text["Description"])
            assert embedded["panels"] == meta["panels"]
        elif suffix == ".pdf":
            assert b"/Subject" in data and b"shamir" in data
        else:
            import xml.etree.ElementTree as ET

            root = ET.parse(out).getroot()
            text = [el.text for el in root.iter() if el.tag.endswith("}description")]
            assert json.loads(text[0])["panels"][0]["scenario"] == "shamir"


def test_same_input_same_bytes(tmp_path):
    panel = replace(shamir_panel(), runs=(_trace("#E69F00", [[-2.0, -3.0], [1.0, 0.1]]),))
    for suffix in (".pdf", ".png", ".svg"):
        a = render_figure([panel], tmp_path / f"a{suffix}", {"x": 1}, dpi=60)[0].read_bytes()
        b = render_figure([panel], tmp_path / f"b{suffix}", {"x": 1}, dpi=60)[0].read_bytes()
        assert a == b, suffix


@pytest.mark.skipif(shutil.which("rsvg-convert") is None, reason="librsvg2-bin not installed")
def test_svg_renders_the_same_in_librsvg_as_matplotlibs_png(tmp_path):
    panel = replace(shamir_panel(), runs=(_trace("#E69F00", [[-2.0, -3.0], [1.0, 0.1]]),))
    comp = compose([panel], width="single")
    svg = save(comp, tmp_path / "f.svg", {}, dpi=96)[0]
    png = save(comp, tmp_path / "f.png", {}, dpi=96)[0]  # rsvg-convert: 96 px per inch
    out = tmp_path / "rsvg.png"
    subprocess.run(["rsvg-convert", "-b", "white", "-o", str(out), str(svg)], check=True)
    a = np.asarray(Image.open(png).convert("RGB"), dtype=float)
    b = np.asarray(Image.open(out).convert("RGB"), dtype=float)
    assert abs(a.shape[0] - b.shape[0]) <= 1 and abs(a.shape[1] - b.shape[1]) <= 1
    h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    diff = np.abs(a[:h, :w] - b[:h, :w]).mean(axis=2)
    assert diff.mean() < 6  # antialiasing differs; a blob-filled map would differ by ~100
    assert np.quantile(diff, 0.9) < 20


def test_figures_import_no_qt_and_cli_parser_imports_no_matplotlib():
    code = (
        "import sys, compute.cli.render, compute.cli.gallery; "
        "assert 'matplotlib' not in sys.modules; "
        "assert 'torch' not in sys.modules; import compute.figures.render, compute.figures.scene; "
        "assert not [m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph'))]; "
        "assert 'matplotlib.pyplot' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])


def test_scene_from_a_session_is_deterministic():
    session = Session(
        scenario="shamir",
        window=ASYMMETRIC,
        resolution=64,
        l2=0.2,
        overlays=("isolines", "critical", "basins", "curvature", "gradient"),
    )
    from compute.dynamics.optimizers import RunConfig
    from compute.sessions.session import RunSettings

    session = session.with_changes(
        runs=(RunSettings((-1.5, -2.0), RunConfig.for_optimizer("gd", lr=0.1, steps=200)),)
    )
    a, b = (drain(scene_from_session(session, max_steps=150)) for _ in range(2))
    assert np.array_equal(a.map.frame.display, b.map.frame.display)
    lines = zip(a.map.frame.lines, b.map.frame.lines, strict=True)
    assert all(np.array_equal(x, y, equal_nan=True) for x, y in lines)
    assert np.array_equal(a.map.basins.labels, b.map.basins.labels)
    assert np.array_equal(a.map.runs[0].path, b.map.runs[0].path)
    assert len(a.map.runs[0].path) <= 151
    assert [p.kind for p in a.map.critical] == [p.kind for p in b.map.critical]
    # the map is F + (λ/2)‖θ‖² on the session's window, row i at v = y[i]
    x, y = a.map.frame.axes
    assert (x[0], x[-1], y[0], y[-1]) == ASYMMETRIC
    expected = shamir(*np.meshgrid(x, y)) + 0.1 * (
        np.meshgrid(x, y)[0] ** 2 + np.meshgrid(x, y)[1] ** 2
    )
    assert np.allclose(a.map.frame.loss, expected)
    assert a.map.curvature is not None and a.map.gradient is not None
    assert a.curves is not None and a.provenance["modes"]["words"] == "L2, λ = 0.2"


def test_spectrum_panel_holds_the_hessian_eigenvalues_at_the_end_of_run_1(tmp_path):
    from compute.dynamics.optimizers import RunConfig
    from compute.sessions.session import RunSettings

    session = Session(scenario="shamir", resolution=32, overlays=("isolines",)).with_changes(
        runs=(RunSettings((1.5, 1.0), RunConfig.for_optimizer("gd", lr=0.05, steps=30)),)
    )
    scene = drain(scene_from_session(session, spectrum=True))
    w, v = scene.map.runs[0].path[-1]
    r = w * (1 + v) - 1  # F = ½ r²: ∇²F = [[(1+v)², (1+v)w + r], [(1+v)w + r, w²]]
    hessian = np.array([[(1 + v) ** 2, (1 + v) * w + r], [(1 + v) * w + r, w**2]])
    spectrum = scene.spectrum
    assert spectrum.all_eigenvalues
    assert np.allclose(np.sort(spectrum.eigenvalues), np.linalg.eigvalsh(hessian), atol=1e-8)
    assert "end of run 1" in spectrum.title
    out = render_figure([scene.map, scene.spectrum], tmp_path / "s.png", {}, dpi=50)[0]
    assert out.stat().st_size > 1000
