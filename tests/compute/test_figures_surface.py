"""The 3-D surface in print: a panel of several-panel figures, vector where the format allows,
deterministic, with the runs on the surface, and a rotating GIF."""

import io
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from compute.critical.point import CriticalPoint
from compute.figures.animate import animate
from compute.figures.compose import compose
from compute.figures.imported_scene import scene_from_surface
from compute.figures.panels import SurfacePanel
from compute.figures.render import save
from compute.figures.run_trace import RunTrace
from compute.formats.surface import Surface


@pytest.fixture(scope="module")
def scene():
    x, y = np.linspace(-1, 1, 40), np.linspace(-1, 1.5, 30)
    loss = 0.2 + (x[None, :] - 0.3) ** 2 + 2.0 * (y[:, None] + 0.1) ** 2
    base = scene_from_surface(Surface(x, y, {"train_loss": loss}), None, log=False)
    path = np.array([[-0.8, 1.2], [-0.3, 0.6], [0.1, 0.2], [0.3, -0.1]])
    run = RunTrace("GD", "#0072B2", path, np.array([4.0, 2.0, 1.0, 0.2]), np.ones(4), "converged")
    minimum = CriticalPoint(
        np.array([0.3, -0.1]), 0.2, 0.0, np.array([2.0, 4.0]), "minimum", False, "minimum",
        np.array([[0.3, -0.1]]),
    )  # fmt: skip
    return replace(base, map=replace(base.map, runs=(run,), critical=(minimum,)))


def test_a_surface_is_a_panel_of_a_several_panel_figure_with_the_run_on_it(scene):
    comp = compose([scene.map, scene.panel("surface", azimuth=-40, elevation=25)])
    ax3d = comp.axes[1][0]
    assert ax3d.name == "3d" and comp.titles[1].startswith("(b)")
    assert (ax3d.azim, ax3d.elev) == (-40, 25)
    lines = [line for line in ax3d.get_lines() if len(line.get_xdata()) == 4]
    xs, ys, zs = lines[0].get_data_3d()
    np.testing.assert_allclose(np.column_stack([xs, ys]), scene.map.runs[0].path)
    # on the surface: F at the path's points (bilinear on the grid), lifted by 1 % of the range
    f = 0.2 + (xs - 0.3) ** 2 + 2.0 * (ys + 0.1) ** 2
    lo, hi = ax3d.get_zlim()
    assert np.all(zs >= f - 0.02 * (hi - lo)) and np.all(zs <= f + 0.05 * (hi - lo))
    assert any("minimum" in str(h.get_label()) for h in comp.legend.legend_handles)


def test_3d_figure_is_vector_in_pdf_and_svg_and_deterministic(scene, tmp_path):
    panel = SurfacePanel(scene.map, -60, 30)
    written = []
    for name in ("a.pdf", "b.pdf", "c.svg", "d.png"):
        save(compose([panel]), tmp_path / name, {"test": True})
        written.append((tmp_path / name).read_bytes())
    pdf, pdf_again, svg, png = written
    assert pdf == pdf_again  # the same panel gives the same bytes
    # the surface is polygons; the one picture is the colour bar's gradient (matplotlib's own)
    assert pdf.count(b"/Subtype /Image") == 1 and svg.count(b"<image") == 1
    assert svg.count(b"<path") > 1000
    with Image.open(io.BytesIO(png)) as image:
        pixels = np.asarray(image.convert("RGB"))
    colours = np.unique(pixels.reshape(-1, 3), axis=0)
    assert len(colours) > 200  # a shaded surface, not an empty box


@pytest.mark.slow
def test_a_rotating_gif_turns_the_surface_once(scene, tmp_path):
    target = tmp_path / "turn.gif"
    animate(SurfacePanel(scene.map), target, fps=4, seconds=1.0, dpi=60)
    frames = []
    with Image.open(target) as gif:
        assert gif.n_frames == 4
        for i in range(4):
            gif.seek(i)
            frames.append(np.asarray(gif.convert("RGB")))
    assert all(np.abs(frames[0].astype(int) - f).sum() > 0 for f in frames[1:])
