"""Issue 21, the window: what a careful user tripped over, each reproduced as a user does it
(real clicks on real widgets) and checked against what should happen."""

import gc
import types

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QScreen

from compute import RunConfig, RunSettings, default_session, save_session

from .conftest import choose, click_data, last_run, pick, toggle, type_into, wait_idle


def test_a_session_of_500_runs_is_read_in_a_worker_and_drawn_a_few_runs_at_a_time(
    qtbot, window, tmp_path
):
    """4b: open() returns at once (the file is read in a worker, the state changes when it is
    read); the runs are drawn at most MAX_PER_DRAW per event-loop turn, never all at once."""
    from explorer.views.run_redraw import MAX_PER_DRAW

    rng = np.random.default_rng(0)
    runs = tuple(
        RunSettings((float(a), float(b)), RunConfig("gd", lr=0.05, steps=200), "#0072B2")
        for a, b in rng.uniform(-2, 2, (500, 2))
    )
    path = tmp_path / "many.json"
    save_session(default_session("shamir").with_changes(runs=runs), path)
    redraw = window.map_binding._redraw
    drawn: list[int] = []
    draw = redraw._draw
    redraw._draw = lambda ids: (drawn.append(len(ids)), draw(ids))
    window.sessions.open(path)
    assert not window.state.runs  # not read on the GUI thread
    qtbot.waitUntil(lambda: len(window.state.runs) == 500, timeout=20000)
    qtbot.waitUntil(lambda: len(window.view.paths) > 2 * MAX_PER_DRAW, timeout=60000)
    assert len(drawn) > 2 and max(drawn) <= MAX_PER_DRAW
    window.cancel_computations()
    wait_idle(qtbot, window)


def test_gallery_names_keep_their_ampersand_and_the_near_identity_entry_opens_its_tab(
    qtbot, window
):
    """13: "Hardt & Ma's" is not "Hardt _Ma's" (an & is a mnemonic in a menu); the gallery's
    near-identity figure opens the lab on the depth-sweep tab."""
    from PySide6.QtWidgets import QMenu

    menu = window.findChild(QMenu, "gallery-menu")
    menu.aboutToShow.emit()
    texts = [a.text() for a in menu.actions()]
    hardt = next(t for t in texts if t.startswith("Hardt"))
    assert "Hardt && Ma's" in hardt  # shown as "Hardt & Ma's"
    near = next(a for a in menu.actions() if "Near-identity" in a.text())
    near.trigger()
    assert window.lab is not None and window.lab.current_tab() == "depth"
    window.lab.close()
    qtbot.waitUntil(lambda: not window.lab.busy(), timeout=30000)


SLOTS = ("map", "critical", "basins", "hessian", "hover", "reproject", "plane", "interpolate")
SLOTS += ("spectrum", "export", "compose", "session")


def _endless():
    while True:
        yield None


def test_esc_stops_a_job_in_every_slot_and_the_runs(qtbot, window):
    """2: Esc reaches every job slot (the old list missed hessian, hover and reproject) and
    the runs; nothing is left computing."""
    window.state.apply(optimizer=RunConfig("gd", lr=1e-6, steps=10**6))
    click_data(qtbot, window, 1.0, 1.0)
    for slot in SLOTS:
        window.jobs.submit(slot, _endless, lambda _: None)
    qtbot.waitUntil(lambda: last_run(window).status == "running", timeout=10000)
    assert set(window.jobs.busy_slots()) == set(SLOTS)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.jobs.busy_slots() == [] and not window.runs_ctl.busy()
    assert last_run(window).status == "cancelled"
    assert window.status.text.text() == "Cancelled"
    wait_idle(qtbot, window)


@pytest.mark.slow
def test_esc_on_a_basin_map_stays_stopped_when_another_overlay_is_ticked(qtbot, window):
    """2: after Esc on a basin map, ticking another overlay does not restart it; ticking the
    basins again does."""
    overlays = window.modes_panel.overlays
    toggle(qtbot, overlays["basins"])
    qtbot.waitUntil(lambda: window.jobs.busy("basins"), timeout=20000)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.jobs.busy("basins")
    toggle(qtbot, overlays["gradient"])  # another overlay: its field is computed, not basins
    qtbot.wait(600)
    assert not window.jobs.busy("basins") and window.state.results.basins is None
    wait_idle(qtbot, window)
    assert window.state.results.basins is None and window.state.results.gradient is not None
    toggle(qtbot, overlays["basins"])  # off
    toggle(qtbot, overlays["basins"])  # on again: the user asks
    qtbot.waitUntil(lambda: window.state.results.basins is not None, timeout=60000)
    wait_idle(qtbot, window)


def test_a_new_step_delay_reaches_a_running_run(qtbot, window):
    """2: the step delay slows a run already running down (it reached only later runs)."""
    window.state.apply(optimizer=RunConfig("gd", lr=1e-6, steps=10**6))
    click_data(qtbot, window, 1.0, 1.0)
    run = last_run(window)
    qtbot.waitUntil(lambda: run.data.step > 50, timeout=10000)
    window.optimizer_panel.delay.setValue(200)
    qtbot.wait(300)  # the step under way ends
    before = last_run(window).data.step
    qtbot.wait(1000)
    assert last_run(window).data.step - before <= 8  # ≤ 1 step per 200 ms (was hundreds)
    window.run_action("cancel", [])
    wait_idle(qtbot, window)


def test_a_ctrl_click_selects_only_its_own_runs_and_remove_keeps_the_earlier_one(qtbot, window):
    """11: click, then Ctrl+click: the first run is no longer selected, Remove deletes only
    the Ctrl+click's runs."""
    click_data(qtbot, window, 1.0, 1.0)
    qtbot.waitUntil(lambda: len(window.state.runs) == 1)
    first = last_run(window).id
    click_data(qtbot, window, -1.0, 1.5, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(window.state.runs) == 6)
    every = [rid for rid in window.state.runs if rid != first]
    assert window.run_table.selected() == every
    qtbot.mouseClick(window.run_table.buttons["remove"], Qt.MouseButton.LeftButton)
    assert list(window.state.runs) == [first]
    wait_idle(qtbot, window)


def test_the_curvature_map_has_its_own_colour_bar(qtbot, window):
    """8: with the curvature map on, a colour bar reads its quantity over the range its colours
    span (the map's bar reads log₁₀(F − min F) for F underneath)."""
    from explorer.views.style import FIG

    toggle(qtbot, window.modes_panel.overlays["hessian"])
    qtbot.waitUntil(
        lambda: (
            window.state.results.hessian_map is not None
            and window.state.results.hessian_map.complete
        ),
        timeout=60000,
    )
    wait_idle(qtbot, window)
    bar = window.view.overlay_bar
    m, field = window.state.results.hessian_map, window.state.session.hessian_field
    assert bar is not None and bar.isVisible()
    assert "|λ_min/λ_max|" in bar.axis.labelText
    assert bar.levels() == pytest.approx(FIG.hessian_range(m.field(field), field))
    toggle(qtbot, window.modes_panel.overlays["hessian"])
    wait_idle(qtbot, window)
    assert not bar.isVisible()


def test_at_1440_by_900_the_curves_fit_their_dock_and_the_map_shows_its_top_tick(qtbot, window):
    """10: the curves' plots end inside their dock at first launch (they were laid out 634 px
    wide in a ~400 px dock); the map's top tick label lies inside the widget."""
    window.resize(1440, 900)
    qtbot.wait(200)
    curves = window.curves
    for plot in curves.plots.values():
        if plot.isVisible():
            right = plot.mapRectToScene(plot.boundingRect()).right()
            assert right <= curves.viewport().width() + 1
    vb = window.view.getPlotItem().vb
    half_label = window.view.fontMetrics().height() / 2
    assert vb.sceneBoundingRect().top() >= half_label  # room above the top tick's label


@pytest.fixture
def opened_on(qtbot, monkeypatch):
    """The main window as it first opens on a width × height screen (the offscreen one is
    800 × 800): it sizes itself and its docks to the screen."""
    from explorer.main_window import MainWindow

    opened = []

    def open_on(width, height):
        monkeypatch.setattr(QScreen, "availableGeometry", lambda _: QRect(0, 0, width, height))
        w = MainWindow(restore_autosave=False)
        qtbot.addWidget(w)
        opened.append(w)
        w.show()
        qtbot.waitExposed(w)
        wait_idle(qtbot, w)
        return w

    yield open_on
    for w in opened:
        w.close()


def _alt_click_spectrum(qtbot, w):
    """Alt+click on the map, as a user asks for the Hessian spectrum there."""
    click_data(qtbot, w, 0.3, -0.2, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: w.state.results.spectrum is not None, timeout=30000)
    wait_idle(qtbot, w)


def test_at_1440_by_900_an_alt_click_shows_the_spectrum_plots_without_scrolling(qtbot, opened_on):
    """10: at first launch on a 1440 × 900 screen the spectrum's plots lay below the fold of
    their scroll area (under the panel's choices and table, in the right column's upper half)."""
    w = opened_on(1440, 900)
    _alt_click_spectrum(qtbot, w)
    plots = w.spectrum_panel.plots
    viewport = w.spectrum_dock.widget().viewport()
    assert plots.isVisible() and not w.spectrum_dock.visibleRegion().isEmpty()
    shown = QRect(plots.mapTo(viewport, QPoint(0, 0)), plots.size())
    assert viewport.rect().contains(shown)
    assert w.rect().contains(QRect(plots.mapTo(w, QPoint(0, 0)), plots.size()))
    for plot in (plots.ritz, plots.density):
        assert plot.sceneBoundingRect().height() >= 150
    assert w.curves_dock.isVisible() and not w.curves_dock.visibleRegion().isEmpty()


@pytest.mark.parametrize("screen", [(800, 800), (1440, 900)])
def test_the_symlog_axis_label_lies_inside_the_spectrum_plot(qtbot, opened_on, screen):
    """10: on the symlog λ axis the density's long label stayed where the short "λ" had been
    centred, and ran off the plot's right edge."""
    w = opened_on(*screen)
    panel = w.spectrum_panel
    toggle(qtbot, panel.density)
    _alt_click_spectrum(qtbot, w)
    qtbot.keyClick(panel.axis, Qt.Key.Key_Down)  # linear → symlog λ axis
    assert panel.axis.currentData() == "symlog"
    plots = panel.plots
    for side in ("bottom", "left"):
        label = plots.density.getAxis(side).label
        assert plots.rect().contains(plots.mapFromScene(label.sceneBoundingRect()).boundingRect())
    assert "symlog" in plots.density.getAxis("bottom").labelText


@pytest.mark.slow
def test_a_pca_plane_leaves_no_stale_progress_and_random_gets_its_own_window_back(qtbot, window):
    """5: no "Computing …" left after a derived plane; 12: back to the random plane, the
    window is the scenario's own again (it kept the PCA plane's)."""
    from compute import scenario

    from .test_networks_window import _choose_plane, _steps, _train_from_init

    pick(qtbot, window, "li-yuan")
    _steps(qtbot, window, 100)
    _train_from_init(qtbot, window)
    _choose_plane(qtbot, window, "pca")
    assert not window.status.progress.isVisible()
    assert not window.status.text.text().startswith("Computing")
    natural = tuple(scenario("li-yuan").window)
    assert window.state.session.window != natural
    _choose_plane(qtbot, window, "random")
    assert window.state.session.window == natural


def test_the_interpolation_axis_reads_f_plainly_with_several_ticks(qtbot):
    """A narrow F range (0.049 to 0.056, one run's valley) is drawn on a linear axis with
    several ticks and no "(x0.001)" scale; a range over decades stays logarithmic."""
    from compute import Interpolation
    from explorer.views.interpolation import InterpolationWindow

    w = InterpolationWindow()
    qtbot.addWidget(w)
    alpha = np.linspace(-0.5, 1.5, 41)
    narrow = 0.0493 + 0.0062 * (alpha - 0.8) ** 2
    w.show_interpolation(Interpolation(alpha, {"loss": narrow}), "init", "run 1")
    item, axis = w.getPlotItem(), w.getPlotItem().getAxis("left")
    assert not item.ctrl.logYCheck.isChecked()
    (lo, hi) = item.viewRange()[1]
    ticks = [v for level in axis.tickValues(lo, hi, axis.height()) for v in level[1]]
    assert len([t for t in ticks if lo <= t <= hi]) >= 3
    assert "x0.001" not in axis.labelString() and axis.autoSIPrefixScale == 1.0
    wide = 10.0 ** (-3 * alpha)
    w.show_interpolation(Interpolation(alpha, {"loss": wide}), "init", "run 1")
    assert item.ctrl.logYCheck.isChecked()
    w.close()


def _suspended_sweeps():
    """norm_sweep generators that started and were neither finished nor closed."""
    return [
        g
        for g in gc.get_objects()
        if type(g) is types.GeneratorType
        and g.gi_code.co_name == "norm_sweep"
        and g.gi_frame is not None
    ]


def test_closing_the_lab_mid_sweep_closes_the_sweep_in_its_worker(qtbot):
    """13e: a sweep stopped by closing the lab is closed in its worker thread when it stops
    (its ``finally`` runs then). It was left suspended inside a block (superqt's quit() only
    stops sending to the generator), to be finalised by the collector or at interpreter exit,
    when torch's no_grad had been torn down: "Exception ignored in: <generator object
    norm_sweep …>" and a TypeError traceback on stderr after quitting."""
    from PySide6.QtWidgets import QLineEdit

    from explorer.jobs import wait_all
    from explorer.lab.window import LabWindow

    gc.disable()  # the collector must not close it for us: the job has to
    try:
        lab = LabWindow()
        qtbot.addWidget(lab)
        lab.show()
        for name, value in (("trials", "1000"), ("depth", "300"), ("width", "200")):
            type_into(qtbot, lab.findChild(QLineEdit, f"param-{name}"), value)
        qtbot.waitUntil(lab.busy, timeout=5000)
        qtbot.wait(300)
        assert lab.busy() and _suspended_sweeps()  # a long sweep under way
        lab.close()
        assert wait_all(10000)
        assert not _suspended_sweeps()
    finally:
        gc.enable()


def test_the_equal_scales_box_shows_a_ball_forces_them_and_keeps_the_users_choice(qtbot, window):
    """13a: with a ball constraint the map has equal axis scales whatever the box says: the
    box shows it (ticked, disabled, its tooltip says why) instead of staying unticked; without
    the ball it shows the user's own choice again, which nothing changed meanwhile."""
    panel = window.modes_panel
    box = panel.equal
    assert not box.isChecked() and box.isEnabled()
    choose(qtbot, panel.kind, "ball")
    assert window.state.session.constraint.kind == "ball"
    assert box.isChecked() and not box.isEnabled()
    assert "ball" in box.toolTip() and "(off)" in box.toolTip()
    toggle(qtbot, box)  # a click on a disabled box does nothing
    toggle(qtbot, panel.overlays["gradient"])  # another view option, while the ball forces
    assert box.isChecked() and not window.state.session.equal_axes
    choose(qtbot, panel.kind, "none")
    assert not box.isChecked() and box.isEnabled()  # the user's own choice: off
    vb = window.view.getPlotItem().vb
    assert not vb.state["aspectLocked"]
    toggle(qtbot, box)  # now on by choice
    choose(qtbot, panel.kind, "ball")
    assert box.isChecked() and "(on)" in box.toolTip()
    choose(qtbot, panel.kind, "none")
    assert box.isChecked() and box.isEnabled() and window.state.session.equal_axes
    assert vb.state["aspectLocked"]
    wait_idle(qtbot, window)


def test_alt_click_on_a_critical_marker_computes_the_spectrum_there(qtbot, window):
    """13b: Alt+click on a critical-point marker is Alt+click on the map: the Hessian spectrum
    at that point (the marker's), not a selection; a plain click on it still selects it."""
    points = window.state.results.critical
    assert len(points) >= 2
    for p in points:
        click_data(qtbot, window, *p.point, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(
            lambda p=p: (
                window.state.results.spectrum is not None
                and np.array_equal(window.state.results.spectrum.coords, p.point)
            ),
            timeout=30000,
        )
        assert window.state.results.selected == -1
    assert not window.state.runs  # no click started a run
    saddle = next(i for i, p in enumerate(points) if p.kind == "saddle")
    click_data(qtbot, window, *points[saddle].point)
    assert window.state.results.selected == saddle
    wait_idle(qtbot, window)


def test_the_spectrum_figure_without_slq_draws_the_eigenvalues_found(
    qtbot, window, tmp_path, monkeypatch
):
    """13c: Alt+click (SLQ not ticked), then File ▸ Export ▸ Hessian spectrum figure: the
    figure draws the eigenvalues computed there, as stems at their heights with their values,
    not an empty density axis with two ticks along its bottom."""
    from compute.figures import render
    from compute.figures.shared_scale import math_number

    drawn = []  # the figures the export composes
    compose = render.compose

    def spy(*args, **kwargs):
        drawn.append(compose(*args, **kwargs))
        return drawn[-1]

    monkeypatch.setattr(render, "compose", spy)
    click_data(qtbot, window, 0.5, 1.5, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.state.results.spectrum is not None, timeout=30000)
    wait_idle(qtbot, window)
    result = window.state.results.spectrum
    assert result.report.density is None  # SLQ was not asked for
    target = tmp_path / "spectrum.pdf"
    with qtbot.waitSignal(window.exporter.sigExported, timeout=30000):
        window.exporter.export("spectrum", target)
    assert target.read_bytes()[:4] == b"%PDF"
    (ax,) = drawn[-1].axes[0]
    tips = sorted(
        y for line in ax.get_lines() if line.get_marker() == "o" for y in line.get_ydata()
    )
    assert tips == pytest.approx(sorted(result.report.eigen.eigenvalues), rel=1e-12)
    texts = {t.get_text() for t in ax.texts}
    assert all(f"${math_number(lam)}$" in texts for lam in result.report.eigen.eigenvalues)
    assert ax.get_ylabel() != "density"


def test_one_colour_scale_for_maps_of_different_losses_is_refused_before_training(
    qtbot, window, tmp_path
):
    """13d: File ▸ Export ▸ Figure of several panels with this window (Shamir's loss) and a
    session of another scenario, "One colour scale for all maps" ticked: refused with a
    message naming both losses, before that session is trained (the files are named: the
    figure's own check would name panels), nothing written; the box's tooltip says so."""
    from compute import GALLERY_SESSIONS
    from explorer.compose_dialog import ComposeDialog

    dialog = ComposeDialog(window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.sources.addItem(str(GALLERY_SESSIONS / "relu-activation.json"))  # Add session files…
    toggle(qtbot, dialog.shared)
    assert dialog.shared.isChecked() and "different scenarios" in dialog.shared.toolTip()
    target = tmp_path / "figure.pdf"
    window.composer.compose(dialog.chosen(str(target)))
    qtbot.waitUntil(lambda: not window.jobs.busy("compose"), timeout=20000)
    text = window.banner.text()
    assert "this window: shamir" in text and "relu-activation.json: activation" in text
    assert "own colour scale" in text and not target.exists()
    dialog.close()


def _label_centred(axis) -> bool:
    """Whether a vertical axis's label sits where pyqtgraph centres it for its current text."""
    br = axis.label.boundingRect()
    return int(axis.label.pos().y()) == int(axis.size().height() / 2 + br.width() / 2)


def test_axis_labels_stay_centred_when_their_text_changes(qtbot, window):
    """10: pyqtgraph centres an axis label on resize only; a label whose text changes later
    stays where the old text was centred (the colour bar's "F" after the log label, the long
    label after "F" running off). Every label is re-centred when its text changes."""
    axis = window.view.colorbar.axis
    for _ in range(2):  # log → linear → log
        toggle(qtbot, window.modes_panel.log)
        wait_idle(qtbot, window)
        assert _label_centred(axis), axis.labelText


def test_the_spectrum_tab_fits_a_narrow_column_without_scrolling_sideways(qtbot, window):
    """10: the spectrum's settings needed 384 px (top, bottom and tol on one row, the axis
    beside the check boxes), so narrower columns (1280×720) scrolled sideways and cut the tol
    field; rows now wrap and split, and a 300 px column shows all of it."""
    from PySide6.QtWidgets import QScrollArea

    dock = window.spectrum_dock
    dock.raise_()
    window.resize(1280, 720)
    window.resizeDocks([dock], [300], Qt.Orientation.Horizontal)
    qtbot.wait(200)
    scroll = dock.widget()
    assert isinstance(scroll, QScrollArea) and scroll.viewport().width() <= 300
    assert window.spectrum_panel.minimumSizeHint().width() <= scroll.viewport().width()
    assert scroll.horizontalScrollBar().maximum() == 0
    tol = window.spectrum_panel.tol
    right = tol.mapTo(scroll.viewport(), tol.rect().topRight()).x()
    assert right <= scroll.viewport().width()
