"""The explorer window: layout, and the wiring of widgets, controllers and the state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from compute import IN_PLANE_NOTE, scenario
from explorer import session_io
from explorer.banner import Banner
from explorer.cluster import install_cluster_preference
from explorer.compose_dialog import Composer
from explorer.controllers.analysis import AnalysisController
from explorer.controllers.landscape import LandscapeController
from explorer.controllers.models import ModelController
from explorer.controllers.paths import PathController
from explorer.controllers.planes import PlaneController
from explorer.controllers.runs import RunController
from explorer.controllers.sessions import SessionController
from explorer.controllers.spectrum import SpectrumController
from explorer.controllers.surfaces import SurfaceImporter
from explorer.exporting import Exporter
from explorer.gestures import Gestures
from explorer.jobs import Jobs
from explorer.menus import Commands, build_menus
from explorer.overlays import OVERLAYS
from explorer.panels.critical import CriticalTable
from explorer.panels.modes import ModesPanel
from explorer.panels.optimizer import OptimizerPanel
from explorer.panels.plane import PlanePanel
from explorer.panels.runs import RunTable
from explorer.panels.scenario import ScenarioPanel
from explorer.results import SELECTED
from explorer.state import AppState
from explorer.views.curves import CurvesView
from explorer.views.curves_binding import CurvesBinding
from explorer.views.interpolation import InterpolationWindow
from explorer.views.landscape import LandscapeView
from explorer.views.map_binding import MapBinding
from explorer.views.paths import PathOverlay, PathPanel
from explorer.views.spectrum import SpectrumPanel
from explorer.views.status import OverlayLegend, ReadoutLabel, StatusBinding

VIEW_SYNC_MS = 250
CLOSE_TIMEOUT_MS = 1500
DOCK_LAYOUT = 2
"""Version of the docks' default layout: a saved layout of another version is not restored
(version 2 put the spectrum and paths tabs beside the controls, where they fit at 1440×900)."""
ABOUT = """<b>Landscape Explorer</b><p>Loss landscapes of residual-network theory: exact toys
(Shamir 2018, the lecture notes, Hardt &amp; Ma 2016) and real networks sliced in 2-D.</p>
<p>Click the map to start a run; Ctrl+click starts every optimizer. Drag a start handle to move
it. Ctrl+Z undoes any change, a mistaken click too.</p>"""


if TYPE_CHECKING:
    from explorer.lab.window import LabWindow


class _UndoEverywhere(QObject):
    """Ctrl+Z / Ctrl+Shift+Z reach the window's Undo / Redo even when a text field, spin box
    or table has the focus (they would otherwise take the keys for their own editing)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.ShortcutOverride or not isinstance(event, QKeyEvent):
            return False
        keys = (QKeySequence.StandardKey.Undo, QKeySequence.StandardKey.Redo)
        return any(event.matches(k) for k in keys)  # filtered: the window's shortcut fires


class MainWindow(QMainWindow):
    """Landscape Explorer's main window."""

    def __init__(self, session_path: str | None = None, restore_autosave: bool = True) -> None:
        super().__init__()
        self.setWindowTitle("Landscape Explorer")
        self.state = AppState()
        self.jobs = Jobs(self)
        self._closed = False
        self.lab: LabWindow | None = None
        self.models = ModelController(self.state, self.jobs, self)
        self.sessions = SessionController(self.state, self.jobs, self, self._warn, self.models)
        self.landscape_ctl = LandscapeController(self.state, self.jobs)
        self.models.adopt = self.landscape_ctl.adopt
        self.analysis_ctl = AnalysisController(self.state, self.jobs)
        self.runs_ctl = RunController(self.state, self.jobs)
        self.planes_ctl = PlaneController(self.state, self.jobs)
        self.spectrum_ctl = SpectrumController(self.state, self.jobs)
        self.paths_ctl = PathController(self.state, self.jobs)
        self.surfaces = SurfaceImporter(self.state, self.jobs, self)
        self.gestures = Gestures(self.state)
        self._build_widgets()
        self.exporter = Exporter(self.state, self.jobs, self)
        self.composer = Composer(self.state, self.jobs, self)
        self.exporter.session_name = lambda: (
            self.sessions.path.stem if self.sessions.path else self.state.session.scenario
        )
        self.menu_actions = build_menus(self, self.menuBar(), self.state, self._commands())
        self.cluster = install_cluster_preference(self, self.state.notify)
        self._undo_filter = _UndoEverywhere(self)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self._undo_filter)
        self._connect()
        self._view_sync = QTimer(self, singleShot=True, interval=VIEW_SYNC_MS)
        self._view_sync.timeout.connect(self._window_from_view)
        self._restore_geometry()
        self.state.announce()
        self.sessions.start(session_path, restore_autosave)

    # layout -------------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        st = self.state
        self.view = LandscapeView()
        self.view.setObjectName("landscape")
        self.map_binding = MapBinding(st, self.view)
        self.banner = Banner()
        st.events.message.connect(lambda m: self.banner.show_message(m.text, m.kind, m.details))
        self.readout = ReadoutLabel(st)
        self.legends = {
            key: OverlayLegend(st, overlay)
            for key, overlay in OVERLAYS.items()
            if overlay.legend is not None or overlay.one_d
        }
        self.slice_note = QLabel(IN_PLANE_NOTE)
        self.slice_note.setObjectName("slice-note")
        self.slice_note.setWordWrap(True)
        self.slice_note.setStyleSheet("color: #7A4B00;")
        central = QWidget()
        box = QVBoxLayout(central)
        box.setContentsMargins(4, 4, 4, 4)
        box.addWidget(self.banner, 0)
        box.addWidget(self.view, 1)
        for legend in self.legends.values():
            box.addWidget(legend, 0)
        box.addWidget(self.slice_note)
        box.addWidget(self.readout)
        self.setCentralWidget(central)
        self.scenario_panel = ScenarioPanel(st)
        self.plane_panel = PlanePanel(st, self.planes_ctl)
        self.modes_panel = ModesPanel(st)
        self.optimizer_panel = OptimizerPanel(st)
        controls = QWidget()
        cbox = QVBoxLayout(controls)
        self.sections: dict[str, QWidget] = {}
        for title, panel in (
            ("Scenario", self.scenario_panel),
            ("Slice", self.plane_panel),
            ("Modes", self.modes_panel),
            ("Optimizer", self.optimizer_panel),
        ):
            section = QWidget()
            sbox = QVBoxLayout(section)
            sbox.setContentsMargins(0, 0, 0, 0)
            sbox.addWidget(QLabel(f"<b>{title}</b>"))
            sbox.addWidget(panel)
            cbox.addWidget(section)
            self.sections[title] = section
        cbox.addStretch(1)
        self.controls_scroll = scroll = _scrolled(controls)
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        self.controls_dock = self._dock("Controls", scroll, left)
        self.spectrum_panel = SpectrumPanel(st, self.spectrum_ctl)
        self.spectrum_dock = self._dock("Hessian spectrum", _scrolled(self.spectrum_panel), left)
        self.path_panel = PathPanel(st, self.paths_ctl)
        self.paths_dock = self._dock("Paths between points", _scrolled(self.path_panel), left)
        for dock in (self.spectrum_dock, self.paths_dock):
            self.tabifyDockWidget(self.controls_dock, dock)
        self.controls_dock.raise_()
        self.path_overlay = PathOverlay(st, self.view, self.paths_ctl, self.path_panel)
        self.curves = CurvesView()
        self.curves.setObjectName("curves")
        self.curves_binding = CurvesBinding(st, self.curves)
        self.curves_dock = self._dock("Training curves", self.curves, right)
        self.run_table = RunTable(st)
        self.critical_table = CriticalTable(st)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.run_table, "Runs")
        self.tabs.addTab(self.critical_table, "Critical points")
        self._dock("Runs and critical points", self.tabs, right)
        self.status = StatusBinding(st, self.statusBar())
        self.interpolation = InterpolationWindow()
        self._fit_to_screen()

    def _fit_to_screen(self) -> None:
        """Open at 1440×900 or the available screen, whichever is smaller."""
        screen = self.screen().availableGeometry() if self.screen() else None
        width, height = 1440, 900
        if screen is not None:
            width, height = min(width, screen.width()), min(height, screen.height())
        self.resize(width, height)
        side = min(470, int(0.3 * width))  # the map keeps at least 40 % of a small screen
        controls = self.controls_scroll.widget()
        content = (controls.minimumSizeHint().width() if controls else 0) + 24
        self.controls_scroll.setMinimumWidth(min(content, max(260, int(0.3 * width))))
        QTimer.singleShot(
            0,
            lambda: self.resizeDocks(
                [self.controls_dock, self.curves_dock], [side, side], Qt.Orientation.Horizontal
            ),
        )

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title}")
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(area, dock)
        return dock

    # wiring -------------------------------------------------------------------------------
    def _commands(self) -> Commands:
        return Commands(
            new=self.sessions.new,
            open=self.sessions.ask_open,
            save=self.sessions.ask_save,
            fill_recent=self.sessions.fill_recent,
            export=self.exporter.ask,
            run_action=lambda action: self.run_action(action, self.run_table.selected()),
            reset_view=self.reset_view,
            toggle_log=self._toggle_log,
            cancel=self.cancel_computations,
            about=lambda: QMessageBox.about(self, "Landscape Explorer", ABOUT),
            lab=lambda: self.open_lab(),
            fill_gallery=lambda menu: self.sessions.fill_gallery(menu, self.open_lab),
            compose=self.composer.ask,
            quit=self._quit,
            surface3d=self.toggle_surface3d,
            open_model=self.models.ask_open,
            fill_models=self.models.fill_recent,
            import_surface=self.surfaces.ask,
            import_directions=self.plane_panel.ask_directions,
        )

    def toggle_surface3d(self) -> None:
        """View ▸ 3-D surface: the map as a 3-D surface in a dock, made on first use (an
        OpenGL widget costs a context even when hidden); later calls show or hide it."""
        dock = getattr(self, "surface3d_dock", None)
        if dock is None:
            from explorer.views.surface3d import Surface3DView
            from explorer.views.surface3d_binding import Surface3DBinding

            self.surface3d = Surface3DView()
            self.surface3d_binding = Surface3DBinding(self.state, self.surface3d)
            right = Qt.DockWidgetArea.RightDockWidgetArea
            self.surface3d_dock = self._dock("3-D surface", self.surface3d, right)
            self.surface3d_dock.raise_()
            return
        dock.setVisible(not dock.isVisible())

    def _connect(self) -> None:
        st = self.state
        st.events.scenario.connect(lambda _: self._scenario())
        st.events.problem.connect(lambda _: self._warn())
        self.sessions.sigTitle.connect(self.setWindowTitle)
        self.sessions.sigOpened.connect(self.landscape_ctl.refresh)
        st.on_result(SELECTED, lambda _: self._centre_on_selected())
        self.view.sigClicked.connect(self._clicked)
        self.view.sigHovered.connect(self.landscape_ctl.hover)
        self.view.sigStartMoved.connect(self.gestures.move)
        self.view.sigCriticalClicked.connect(self._critical_clicked)
        self.view.getPlotItem().vb.sigRangeChangedManually.connect(
            lambda *_: self._view_sync.start()
        )
        self.plane_panel.sigTrainInit.connect(self.gestures.train_from_init)
        self.plane_panel.sigInterpolate.connect(self.planes_ctl.interpolate_latest)
        self.planes_ctl.sigInterpolation.connect(self.interpolation.show_interpolation)
        self.run_table.sigAction.connect(self.run_action)
        self.spectrum_ctl.sigRequested.connect(lambda _: self.spectrum_dock.raise_())
        self.paths_ctl.sigRequested.connect(lambda _: self.paths_dock.raise_())
        self.path_panel.spectrum_button.clicked.connect(self._spectrum_at_highest)
        connect_act = QAction("Connect two points…", self)
        connect_act.triggered.connect(self._show_paths)
        self.menu_actions["connect"] = connect_act
        for menu in self.menuBar().findChildren(QMenu):
            if menu.title() == "&Tools":
                menu.addAction(connect_act)
        self.status.cancel.clicked.connect(self.cancel_computations)

    def _scenario(self) -> None:
        network = self.state.sliced
        self.sections["Slice"].setVisible(network)
        self.slice_note.setVisible(network)

    def _warn(self) -> None:
        """The scenario's caveats for these parameters (psd-factorization with M not ⪰ 0), in
        amber while they hold; the banner goes when the cause does."""
        from compute import scenario_warnings

        s = self.state.session
        text = " ".join(scenario_warnings(s.scenario, s.params))
        if text:
            self.state.notify(f"Warning: {text}", "warning")
        elif self.banner.kind == "warning" and self.banner.isVisible():
            self.state.notify("", "clear")

    # gestures -----------------------------------------------------------------------------
    def _clicked(self, x: float, y: float, modifiers: object) -> None:
        """Click: a run; Ctrl/Shift+click: every optimizer; Alt+click: the Hessian spectrum
        there (of the full space on a slice)."""
        mods = Qt.KeyboardModifier(modifiers)
        if mods & Qt.KeyboardModifier.AltModifier:
            self.spectrum_ctl.at_point((x, y)[: len(self.state.session.window) // 2])
            return
        every = bool(
            mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        )
        ids = self.gestures.click(x, y, every)
        if ids:
            self.run_table.select(*ids)

    def _critical_clicked(self, index: int) -> None:
        self.tabs.setCurrentWidget(self.critical_table)
        self.state.set_result(SELECTED, index)

    def _centre_on_selected(self) -> None:
        """Centre the map on the selected critical point, recomputing what comes into view."""
        r, s = self.state.results, self.state.session
        if not 0 <= r.selected < len(r.critical) or len(s.window) != 4:
            return
        cx, cy = r.critical[r.selected].point
        x0, x1, y0, y1 = s.window
        hx, hy = (x1 - x0) / 2, (y1 - y0) / 2
        window = tuple(float(f"{v:.6g}") for v in (cx - hx, cx + hx, cy - hy, cy + hy))
        self.state.apply("centre on a critical point", window=window)

    def run_action(self, action: str, ids: list[int]) -> None:
        """A run-table action on ``ids`` (all runs when none is selected, except remove)."""
        ids = ids or ([] if action == "remove" else list(self.state.runs))
        if action == "pause":
            self.runs_ctl.toggle_pause(ids)
        elif action == "step":
            self.runs_ctl.step(ids)
        elif action == "cancel":
            self.runs_ctl.cancel(ids)
        elif action == "hide":
            runs = self.state.runs
            self.state.set_runs_visible(ids, {i: not runs[i].settings.visible for i in ids})
        elif action == "remove":
            self.state.remove_runs(ids)
        elif action == "clear":
            self.state.clear_runs()
        elif action == "spectrum" and ids:
            self.spectrum_ctl.at_run(ids[-1])
        elif action == "connect" and ids:
            self.paths_ctl.connect_runs(self.run_table.selected() or ids[-2:])

    def _show_paths(self) -> None:
        """Tools ▸ Connect two points…: the Paths panel with the candidate ends listed."""
        self.path_panel.refresh()
        self.paths_dock.show()
        self.paths_dock.raise_()

    def _spectrum_at_highest(self) -> None:
        result = self.paths_ctl.latest
        if result is not None:
            self.spectrum_ctl.at_point(result.saddle.theta.tolist())

    def _window_from_view(self) -> None:
        """The user zoomed or panned: recompute the landscape for what is visible."""
        window = tuple(float(f"{b:.6g}") for b in self.view.window())
        self.state.apply("zoom", merge="view", window=window)

    def reset_view(self) -> None:
        self.state.apply("reset view", window=tuple(scenario(self.state.session.scenario).window))

    def open_lab(self, tab: str = "") -> None:
        """Tools ▸ Initialization and depth lab (its own window, its own workers), on ``tab``
        ("forward", "depth", "training") when given."""
        from explorer.lab.window import LabWindow

        if self.lab is None:
            self.lab = LabWindow()
        if tab:
            self.lab.show_tab(tab)
        self.lab.show()
        self.lab.raise_()

    def _toggle_log(self) -> None:
        self.state.apply(log_scale=not self.state.session.log_scale)

    def _quit(self) -> None:
        self.close()

    def busy(self) -> bool:
        """Whether anything is still computing (jobs, runs, critical points about to start)."""
        return (
            bool(self.jobs.busy_slots())
            or self.runs_ctl.busy()
            or self.analysis_ctl.pending
            or not self.sessions.ready
        )

    def cancel_computations(self) -> None:
        """Esc: stop every computation of the window (every job slot, the runs, an export)
        and restart none of them until the user asks (``held`` in the controllers)."""
        self.spectrum_ctl.cancel()
        self.analysis_ctl.stop()
        self.landscape_ctl.stop()
        self.exporter.cancel()
        self.jobs.cancel_all()
        self.runs_ctl.cancel_all()
        self.paths_ctl.cancel()
        self.status.cancelled()

    def _restore_geometry(self) -> None:
        prefs = session_io.settings()
        geometry, dock_state = prefs.value("geometry"), prefs.value("dock-state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if dock_state is not None:  # a layout of an older version is not restored
            self.restoreState(dock_state, DOCK_LAYOUT)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Save, then stop every worker (runs and jobs) within CLOSE_TIMEOUT_MS (once)."""
        if self._closed:
            event.accept()
            return
        self._closed = True
        self.sessions.close()
        prefs = session_io.settings()
        prefs.setValue("geometry", self.saveGeometry())
        prefs.setValue("dock-state", self.saveState(DOCK_LAYOUT))
        self.interpolation.close()
        if self.lab is not None:
            self.lab.close()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self._undo_filter)
        self.runs_ctl.pool.shutdown()
        self.jobs.shutdown(CLOSE_TIMEOUT_MS)
        event.accept()


def _scrolled(widget: QWidget) -> QScrollArea:
    """``widget`` in a scroll area: a dock narrower or shorter than its content scrolls
    instead of taking the map's room."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(widget)
    return scroll
