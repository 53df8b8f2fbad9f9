"""The spectrum figure draws what was computed: without a density (SLQ not asked for) the
extreme eigenvalues as stems at their index, each with its value, resolved ones told apart
from the others; never an empty density axis."""

import numpy as np
import pytest
from matplotlib.collections import LineCollection
from matplotlib.colors import to_hex

from compute.figures.assemble import spectrum_panel_of
from compute.figures.compose import compose
from compute.figures.panels import SpectrumPanel
from compute.generators import drain
from compute.landscapes.landscape import build_landscape
from compute.landscapes.point_spectrum import spectrum_at
from compute.landscapes.spectrum_types import SpectrumRequest
from compute.objectives.modes import Modes
from compute.scenarios import scenario
from compute.sessions.session import Session


def stems(ax):
    """(x, λ) of every stem drawn from 0: the vertical segments of the axes' line collections."""
    segments = [
        s for c in ax.collections if isinstance(c, LineCollection) for s in c.get_segments()
    ]
    return sorted((float(s[0, 0]), float(s[1, 1])) for s in segments if s[0, 1] == 0.0)


def ticks(ax):
    """(position, label) of the x ticks, by position."""
    labels = [t.get_text() for t in ax.get_xticklabels()]
    return sorted(zip(ax.get_xticks(), labels, strict=True))


def markers(ax, hollow):
    """λ of the round markers drawn open (``hollow``: a white face) or filled."""
    found = []
    for line in ax.get_lines():
        if line.get_marker() == "o" and (to_hex(line.get_markerfacecolor()) == "#ffffff") == hollow:
            found.extend(np.asarray(line.get_ydata(), dtype=float).tolist())
    return sorted(found)


def test_without_a_density_the_figure_shows_the_eigenvalues_found_at_the_point():
    """Shamir's F = ½(w(1 + εv) − 1)² at (w, v) = (1.5, 1) (ε = 1): ∇²F = [[(1+v)², (1+v)w + r],
    [(1+v)w + r, w²]] with r = w(1+v) − 1; the figure of its spectrum (top 1, bottom 1, no SLQ)
    draws both eigenvalues as stems at their heights, labelled with their values."""
    w, v = 1.5, 1.0
    r = w * (1 + v) - 1
    expected = np.linalg.eigvalsh([[(1 + v) ** 2, (1 + v) * w + r], [(1 + v) * w + r, w**2]])
    problem = drain(scenario("shamir").problem_stream({}))
    result = drain(spectrum_at(build_landscape(problem, Modes()), (w, v), SpectrumRequest()))
    assert result.report.density is None and result.all_eigenvalues is None
    panel = spectrum_panel_of(Session(scenario="shamir"), result)
    ax = compose([panel], width="single").axes[0][0]
    drawn = stems(ax)
    assert [x for x, _ in drawn] == [0.0, 1.0]  # λ₁, then λ₂ = λ_n
    assert [lam for _, lam in drawn] == pytest.approx(expected[::-1], rel=1e-9)
    assert markers(ax, hollow=False) == pytest.approx(sorted(expected), rel=1e-9)
    assert markers(ax, hollow=True) == []  # both resolved (n = 2: exact)
    assert ticks(ax) == [(0, "1"), (1, "2")]
    texts = {t.get_text() for t in ax.texts}
    assert {f"${expected[1]:.3g}$", f"${expected[0]:.3g}$"} <= texts
    assert "density" not in ax.get_ylabel() and "lambda_i" in ax.get_ylabel()


def test_unresolved_extremes_are_drawn_open_and_dashed_and_named_so():
    """Top 2 resolved, bottom 2 of which the smallest is not: filled solid stems for the
    resolved ones, an open marker on a dashed stem for the other, "…" where the eigenvalues
    between were not computed, indices 1, 2, n−1, n; with a density the unresolved value is a
    grey tick of its own in the legend."""
    values = np.array([40.0, 9.0, -0.5, -0.02])  # top descending, bottom ascending
    resolved = np.array([True, True, False, True])
    panel = SpectrumPanel(np.zeros(0), np.zeros(0), values, resolved=resolved, n_top=2, size=5000)
    comp = compose([panel], width="single")
    ax = comp.axes[0][0]
    assert [x for x, _ in stems(ax)] == [0.0, 1.0, 3.0, 4.0]  # a gap at x = 2
    assert ticks(ax) == [(0, "1"), (1, "2"), (3, "$n{-}1$"), (4, "$n$")]
    assert sorted(stems(ax), key=lambda s: s[1]) == [
        (4.0, -0.5),
        (3.0, -0.02),
        (1.0, 9.0),
        (0.0, 40.0),
    ]
    assert markers(ax, hollow=True) == [-0.5]
    assert markers(ax, hollow=False) == [-0.02, 9.0, 40.0]
    dashed = [c for c in ax.collections if c.get_linestyle()[0][1] is not None]
    assert len(dashed) == 1 and dashed[0].get_segments()[0][1, 1] == -0.5
    assert "…" in {t.get_text() for t in ax.texts}
    legend = [t.get_text() for t in comp.legend.get_texts()]
    assert legend == ["eigenvalue (resolved)", "not resolved"]
    grid = np.linspace(-1.0, 41.0, 50)
    dense = SpectrumPanel(grid, np.exp(-(grid**2)), values, resolved=resolved, n_top=2, size=5000)
    comp = compose([dense], width="single")
    legend = [t.get_text() for t in comp.legend.get_texts()]
    assert legend == ["SLQ density", "extreme eigenvalues (resolved)", "not resolved"]
    grey = [
        line
        for line in comp.axes[0][0].get_lines()
        if line.get_marker() == "|" and line.get_color() == "0.5"
    ]
    assert len(grey) == 1 and list(grey[0].get_xdata()) == [-0.5]


def test_the_axes_name_the_gauss_newton_matrix_when_its_spectrum_was_computed():
    """A GGN spectrum (digits-resnet, top 2) is labelled as the Gauss–Newton matrix's, a
    Hessian's as ∇²F's; the stems are the GGN's eigenvalues (≥ 0: it is positive semidefinite)."""
    from compute.scenarios import build_problem

    problem = build_problem("digits-resnet", {"width": 4, "blocks": 1})
    landscape = build_landscape(problem, Modes())
    session = Session(scenario="digits-resnet")
    for matrix, words in (("ggn", "Gauss–Newton"), ("hessian", r"\nabla^2 F")):
        request = SpectrumRequest(matrix=matrix, top=2, bottom=0)
        result = drain(spectrum_at(landscape, (0.0, 0.0), request))
        ax = compose([spectrum_panel_of(session, result)], width="single").axes[0][0]
        assert words in ax.get_ylabel()
        if matrix == "ggn":
            assert all(lam >= -1e-6 for _, lam in stems(ax)) and len(stems(ax)) == 2


def test_the_spectrum_data_says_each_eigenvalues_rank_and_whether_it_is_resolved(tmp_path):
    """The CSV and NPZ of a spectrum of extremes carry each value's rank (1, 2 from the top,
    −1, −2 from the bottom) and whether it is resolved, and the NPZ which matrix it is of."""
    import csv

    from compute.figures.data import export_data

    values = np.array([40.0, 9.0, -0.5, -0.02])
    resolved = np.array([True, True, False, True])
    panel = SpectrumPanel(
        np.zeros(0), np.zeros(0), values, resolved=resolved, n_top=2, size=5000, matrix="ggn"
    )
    export_data([panel], tmp_path / "s.csv", {})
    rows = list(csv.reader((tmp_path / "s.csv").read_text().splitlines()))
    header = rows[0]
    got = {h: [r[header.index(h)] for r in rows[1:]] for h in header}
    assert [float(v) for v in got["eigenvalues (ggn)"]] == values.tolist()
    assert [float(v) for v in got["rank"]] == [1, 2, -1, -2]
    assert [float(v) for v in got["resolved"]] == [1, 1, 0, 1]
    export_data([panel], tmp_path / "s.npz", {})
    with np.load(tmp_path / "s.npz") as npz:
        keys = {k.rsplit("/", 1)[-1]: k for k in npz.files}
        assert npz[keys["resolved"]].tolist() == resolved.tolist()
        assert npz[keys["rank"]].tolist() == [1, 2, -1, -2]
        assert str(npz[keys["matrix"]]) == "ggn"
