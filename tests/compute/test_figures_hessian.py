"""The full-space curvature map ("hessian" overlay) in figures: colours where the values are,
the legend naming the quantity and its range, the data files, and a session's headless scene
(checked against Shamir's closed-form Hessian and a dense eigvalsh)."""

import csv

import matplotlib
import numpy as np
import pytest
from PIL import Image

from compute.errors import LandscapeError
from compute.figures import style
from compute.figures.assemble import map_panel_of
from compute.figures.compose import compose
from compute.figures.curvature_overlay import HessianOverlay
from compute.figures.data import export_data
from compute.figures.hessian_overlay import hessian_rgba
from compute.figures.panels import MapPanel
from compute.figures.render import save
from compute.figures.scene import scene_from_session
from compute.generators import drain
from compute.landscapes.frames import make_frame
from compute.sessions.session import Session

WINDOW = (-2.0, 3.0, -3.5, 1.0)
"""Neither square nor centred on F's point of symmetry (0, −1) (F(w, v) = F(−w, −2 − v)): a
transposed or flipped overlay lands on other values."""


def shamir(w, v):
    """Seed 001, Example 1 (ε = 1): F(w, v) = ½ (w (1 + v) − 1)²."""
    return 0.5 * (w * (1 + v) - 1) ** 2


def shamir_extremes(a, b, l2=0.0):
    """λ_min, λ_max (nb, na) of ∇²F + l2·I at (a[j], b[i]): with r = w(1 + v) − 1,
    ∇²F = [[(1+v)², (1+v)w + r], [(1+v)w + r, w²]], eigenvalues by a dense eigvalsh."""
    w, v = np.meshgrid(a, b)
    r = w * (1 + v) - 1
    h = np.empty((*w.shape, 2, 2))
    h[..., 0, 0], h[..., 1, 1] = (1 + v) ** 2 + l2, w**2 + l2
    h[..., 0, 1] = h[..., 1, 0] = (1 + v) * w + r
    lam = np.linalg.eigvalsh(h)
    return lam[..., 0], lam[..., 1]


class Extremes:
    def __init__(self, a, b, lam_min, lam_max):
        self.a, self.b, self.lam_min, self.lam_max = a, b, lam_min, lam_max


def map_panel(hessian=None, n=(48, 40)):
    x, y = np.linspace(WINDOW[0], WINDOW[1], n[0]), np.linspace(WINDOW[2], WINDOW[3], n[1])
    frame = make_frame((x, y), shamir(*np.meshgrid(x, y)), False)
    return MapPanel(frame, ("$w$", "$v$"), "plain", window=WINDOW, isolines=False, hessian=hessian)


def curvature(field, na=9, nb=7):
    a, b = np.linspace(WINDOW[0], WINDOW[1], na), np.linspace(WINDOW[2], WINDOW[3], nb)
    return HessianOverlay.of(field, Extremes(a, b, *shamir_extremes(a, b)))


def test_hessian_range_is_the_windows_rule():
    v = np.array([[-3.0, 1.0, np.nan], [2.0, np.inf, 0.5]])
    assert style.hessian_range(v, "lambda_min") == (-3.0, 3.0)
    assert style.hessian_range(v, "lambda_max") == (-3.0, 2.0)
    assert style.hessian_range(np.abs(v), "ratio") == (0.0, 3.0)
    assert style.hessian_range(np.zeros(4), "lambda_min") == (-1.0, 1.0)
    assert style.hessian_range(np.full(3, 2.0), "lambda_max") == (2.0, 3.0)
    assert style.hessian_range(np.zeros(3), "ratio") == (0.0, 1e-12)
    assert style.hessian_range(np.full(3, np.nan), "ratio") == (0.0, 1.0)
    with pytest.raises(LandscapeError):
        style.hessian_range(v, "trace")
    for name in style.HESSIAN_COLORMAPS.values():
        assert name in matplotlib.colormaps  # matplotlib names, read by the window too


def test_overlay_of_computes_the_field_and_checks_shapes():
    a, b = np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0])
    lam_min = np.array([[-1.0, 2.0, np.nan], [0.5, -4.0, 1.0]])
    lam_max = np.array([[2.0, 0.0, 1.0], [1.0, 8.0, 2.0]])
    ratio = HessianOverlay.of("ratio", Extremes(a, b, lam_min, lam_max)).values
    assert np.allclose(ratio, [[0.5, np.nan, np.nan], [0.5, 0.5, 0.5]], equal_nan=True)
    assert np.array_equal(
        HessianOverlay.of("lambda_max", Extremes(a, b, lam_min, lam_max)).values, lam_max
    )
    with pytest.raises(LandscapeError):
        HessianOverlay("ratio", a, b, lam_min.T)
    with pytest.raises(LandscapeError):
        HessianOverlay("trace", a, b, lam_min)


@pytest.mark.parametrize("field", ["lambda_min", "ratio"])
def test_overlay_colours_sit_where_the_values_are(tmp_path, field):
    overlay = curvature(field)
    panel = map_panel(overlay)
    comp = compose([panel], width="single")
    ax = comp.axes[0][0]
    dpi = 100
    path = save(comp, tmp_path / "map.png", {}, dpi=dpi)[0]
    pixels = np.asarray(Image.open(path).convert("RGB"), dtype=float)
    to_px = comp.figure.dpi_scale_trans.inverted() + matplotlib.transforms.Affine2D().scale(dpi)
    base = ax.get_images()[0]
    lo, hi = style.hessian_range(overlay.values, field)
    cmap = matplotlib.colormaps[style.HESSIAN_COLORMAPS[field]]
    alpha = round(255 * style.HESSIAN_ALPHA) / 255

    def expected(i, j, w, v):
        top = np.array(cmap((overlay.values[i, j] - lo) / (hi - lo))[:3])
        below = np.array(base.get_cmap()(base.norm(shamir(w, v)))[:3])
        return 255 * (alpha * top + (1 - alpha) * below)

    errors, mirrored = [], []
    nb, na = overlay.values.shape
    for i in range(1, nb - 1):  # edge cells are half outside the window
        for j in range(1, na - 1):
            w, v = overlay.a[j], overlay.b[i]
            px, py = to_px.transform(ax.transData.transform((w, v)))
            got = pixels[pixels.shape[0] - round(py), round(px)]
            errors.append(np.abs(got - expected(i, j, w, v)).max())
            # a map flipped in both axes would show the mirrored cell's value here
            mirrored.append(np.abs(got - expected(nb - 1 - i, na - 1 - j, w, v)).max())
    assert max(errors) < 8
    assert np.mean(mirrored) > 5 * max(np.mean(errors), 1.0)


def test_legend_names_the_quantity_and_its_range():
    panels = [map_panel(curvature("ratio")), map_panel(curvature("lambda_min"))]
    comp = compose(panels, width="double")
    texts = [t.get_text() for t in comp.legend.get_texts()]
    ratio = [t for t in texts if r"|\lambda_{\min}/\lambda_{\max}|" in t]
    lam_min = [t for t in texts if t.startswith(r"(b) $\lambda_{\min}(\nabla^2 F(\theta))$")]
    assert len(ratio) == 1 and ratio[0].startswith("(a) ") and r"\nabla^2 F(\theta)" in ratio[0]
    lo, hi = style.hessian_range(panels[1].hessian.values, "lambda_min")
    assert len(lam_min) == 1 and lam_min[0].endswith(f"\u2212{hi:.3g} to {hi:.3g}")
    assert lo == -hi
    image = [im for im in comp.axes[0][0].get_images() if im.get_array().shape[:2] == (7, 9)]
    assert len(image) == 1  # drawn on its own (7, 9) grid, not resampled to the map's


def test_rgba_is_transparent_where_nothing_was_computed():
    values = np.array([[np.nan, 1.0], [-2.0, 0.0]])
    rgba, (lo, hi) = hessian_rgba(values, "lambda_min")
    assert (lo, hi) == (-2.0, 2.0)
    assert rgba[0, 0, 3] == 0 and (rgba[1:, :, 3] == round(255 * style.HESSIAN_ALPHA)).all()
    white = np.array(matplotlib.colormaps["RdBu_r"](0.5, bytes=True)[:3])
    assert np.abs(rgba[1, 1, :3].astype(int) - white).max() <= 1  # λ_min = 0 in the middle


def test_data_files_hold_the_curvature_map(tmp_path):
    overlay = curvature("lambda_min")
    panel = map_panel(overlay)
    npz = export_data([panel], tmp_path / "d.npz", {"scenario": "shamir"})[0]
    with np.load(npz) as data:
        assert np.array_equal(data["hessian_a"], overlay.a)
        assert np.array_equal(data["hessian_b"], overlay.b)
        assert np.array_equal(data["hessian_lambda_min"], overlay.values)
    out = export_data([panel], tmp_path / "d.csv", {})[0]
    with out.open() as fh:
        rows = list(csv.DictReader(fh))
    cells = [r for r in rows if r["lambda_min of full Hessian"]]
    assert len(rows) == 48 * 40 + len(cells) and len(cells) == 9 * 7
    assert all(r["loss F"] == "" for r in cells)
    expected, _ = shamir_extremes(overlay.a, overlay.b)
    for r in cells[::5]:
        a, b = float(r["w (curvature map)"]), float(r["v (curvature map)"])
        j, i = np.argmin(np.abs(overlay.a - a)), np.argmin(np.abs(overlay.b - b))
        assert float(r["lambda_min of full Hessian"]) == pytest.approx(expected[i, j])


def test_session_with_the_overlay_includes_it_headlessly(tmp_path):
    session = Session(
        scenario="shamir",
        window=WINDOW,
        resolution=24,
        l2=0.2,
        overlays=("hessian",),
        hessian_field="lambda_min",
    )
    scene = drain(scene_from_session(session))
    h = scene.map.hessian
    assert h is not None and h.field == "lambda_min"
    assert (h.a[0], h.a[-1], h.b[0], h.b[-1]) == WINDOW
    lam_min, _ = shamir_extremes(h.a, h.b, l2=0.2)  # the L2 term is part of F
    assert np.allclose(h.values, lam_min, atol=1e-6 * np.abs(lam_min).max())
    assert scene.provenance["computed"]["curvature_map_cells"] == [len(h.b), len(h.a)]
    comp = compose([scene.map], width="single")
    assert any(r"\lambda_{\min}(\nabla^2 F" in t.get_text() for t in comp.legend.get_texts())
    path = save(comp, tmp_path / "s.png", {}, dpi=60)[0]
    assert path.stat().st_size > 1000
    # the overlay follows the session: off, or a 1-D map, draws none
    off = map_panel_of(
        session.with_changes(overlays=()), _landscape(session), scene.map.frame, hessian=_map(h)
    )
    assert off.hessian is None
    ratio = map_panel_of(
        session.with_changes(hessian_field="ratio"),
        _landscape(session),
        scene.map.frame,
        hessian=_map(h),
    )
    assert ratio.hessian is not None and ratio.hessian.field == "ratio"


def _landscape(session):
    from compute.landscapes.landscape import build_landscape
    from compute.scenarios import scenario

    problem = drain(scenario(session.scenario).problem_stream(session.params, "cpu"))
    return build_landscape(problem, session.modes(), None)


def _map(h):
    return Extremes(h.a, h.b, h.values, np.ones_like(h.values))


def test_scene_without_the_overlay_computes_none():
    session = Session(scenario="shamir", window=WINDOW, resolution=16, overlays=("isolines",))
    scene = drain(scene_from_session(session))
    assert scene.map.hessian is None
    assert scene.provenance["computed"]["curvature_map_cells"] == []
