"""The explorer window: docks, menus and the wiring of state ↔ views ↔ jobs."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from compute import OPTIMIZERS, LandscapeError, OptimizerConfig
from compute import session as ses
from compute.session import NETWORK_OPTIMIZERS, scenario_spec
from explorer import session_io
from explorer.banner import Banner
from explorer.exporting import Exporter
from explorer.jobs import Jobs
from explorer.landscape_controller import LandscapeController
from explorer.menus import build_menus
from explorer.network_controller import NetworkController
from explorer.panels.critical import CriticalTable
from explorer.panels.modes import ModesPanel
from explorer.panels.optimizer import OptimizerPanel
from explorer.panels.plane import PlanePanel
from explorer.panels.runs import RunTable
from explorer.panels.scenario import ScenarioPanel
from explorer.run_controller import RunController
from explorer.state import AppState
from explorer.views.curves import CurvesView
from explorer.views.interpolation import InterpolationWindow
from explorer.views.landscape import LandscapeView

AUTOSAVE_MS = 800
VIEW_SYNC_MS = 250


class MainWindow(QMainWindow):
    """Landscape Explorer's main window. ``sigExported(paths)`` after each export."""

    sigExported = Signal(list)

    def __init__(self, session_path: str | None = None, restore_autosave: bool = True) -> None:
        super().__init__()
        self.setWindowTitle("Landscape Explorer")
        self.state = AppState()
        self.jobs = Jobs(self)
        self.session_path: Path | None = None
        self._dragging = False
        self._build_widgets()
        self.landscape_ctl = LandscapeController(
            self.state, self.view, self.jobs, self.optimizer_panel.config
        )
        self.runs_ctl = RunController(self.state, self.view, self.curves)
        self.interpolation = InterpolationWindow()
        self.network_ctl = NetworkController(self.state, self.view, self.jobs, self.runs_ctl)
        self.exporter = Exporter(self)
        self.actions: dict[str, QAction] = build_menus(self)
        self._connect()
        self._autosave = QTimer(self, singleShot=True, interval=AUTOSAVE_MS)
        self._autosave.timeout.connect(self.autosave)
        self._view_sync = QTimer(self, singleShot=True, interval=VIEW_SYNC_MS)
        self._view_sync.timeout.connect(self._sync_window_from_view)
        self._restore_geometry()
        self._start(session_path, restore_autosave)

    # layout -------------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.view = LandscapeView()
        self.view.setObjectName("landscape")
        self.banner = Banner()
        self.readout = QLabel(
            "Move over the map to read θ, F, ‖∇F‖ and the Hessian "
            "eigenvalues; click to start a run (Ctrl+click: every optimizer)."
        )
        self.readout.setObjectName("readout")
        self.readout.setWordWrap(True)  # long read-outs must not widen the window
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        central = QWidget()
        box = QVBoxLayout(central)
        box.setContentsMargins(4, 4, 4, 4)
        box.addWidget(self.banner)
        box.addWidget(self.view, 1)
        self.basin_legend = QLabel()
        self.basin_legend.setObjectName("basin-legend")
        self.basin_legend.setWordWrap(True)
        self.basin_legend.hide()
        box.addWidget(self.basin_legend)
        box.addWidget(self.readout)
        self.setCentralWidget(central)
        self.scenario_panel = ScenarioPanel()
        self.modes_panel = ModesPanel()
        self.optimizer_panel = OptimizerPanel()
        controls = QWidget()
        cbox = QVBoxLayout(controls)
        self.plane_panel = PlanePanel()
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
            if panel is self.plane_panel:
                self.plane_box = section
        cbox.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(controls)
        self.controls_scroll = scroll
        self.controls_dock = self._dock("Controls", scroll, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.curves = CurvesView()
        self.curves.setObjectName("curves")
        self.curves_dock = self._dock(
            "Training curves", self.curves, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.run_table = RunTable()
        self.critical_table = CriticalTable()
        tabs = QTabWidget()
        tabs.addTab(self.run_table, "Runs")
        tabs.addTab(self.critical_table, "Critical points")
        self.tabs = tabs
        self._dock("Runs and critical points", tabs, Qt.DockWidgetArea.RightDockWidgetArea)
        self.status_text = QLabel()
        self.progress = QProgressBar(maximumWidth=180, maximum=1000)
        self.progress.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the computations in progress (Esc)")
        self.cancel_button.setObjectName("cancel")
        for w in (self.progress, self.cancel_button):
            w.hide()
            self.statusBar().addPermanentWidget(w)
        self.statusBar().addWidget(self.status_text, 1)
        self._fit_to_screen()

    def _fit_to_screen(self) -> None:
        """Open at 1440×900 or the available screen, whichever is smaller."""
        screen = self.screen().availableGeometry() if self.screen() else None
        width, height = 1440, 900
        if screen is not None:
            width, height = min(width, screen.width()), min(height, screen.height())
        self.resize(width, height)
        side = min(410, width // 4)  # the map keeps at least half of a small screen
        # the controls fit without clipping on a normal screen; on a small one they scroll
        content = self.controls_scroll.widget().minimumSizeHint().width() + 24
        self.controls_scroll.setMinimumWidth(min(content, max(260, int(0.3 * width))))
        # docks take their widths once the window is laid out (too early, they are ignored)
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
    def _connect(self) -> None:
        st = self.state
        st.subscribe("scenario", self._on_scenario)
        st.subscribe("landscape", self._on_landscape)
        st.subscribe("view", self._on_view)
        st.subscribe("optimizer", self._on_optimizer)
        st.subscribe("runs", self._on_runs)
        for event in ("landscape", "view", "optimizer", "runs", "scenario"):
            st.subscribe(event, lambda *_: self._changed())
        self.scenario_panel.sigScenario.connect(lambda sid: self.apply(scenario=sid))
        self.scenario_panel.sigParam.connect(self._param_changed)
        self.modes_panel.sigModes.connect(
            lambda l2, constraint: self.apply(l2=l2, constraint=constraint)
        )
        self.plane_panel.sigPlane.connect(lambda spec: self.apply(plane=spec))
        self.plane_panel.sigBatch.connect(lambda size: self.apply(batch_size=size))
        self.plane_panel.sigInterpolate.connect(self.network_ctl.interpolate_latest)
        self.network_ctl.sigInterpolation.connect(self.interpolation.show_interpolation)
        self.plane_panel.sigTrainInit.connect(lambda: self._clicked(0.0, 0.0, 0))
        self.plane_panel.sigDevice.connect(self._device_changed)
        self.network_ctl.sigProgress.connect(self._progress)
        self.network_ctl.sigError.connect(lambda t: self.notify(t, "error"))
        self.network_ctl.sigInfo.connect(self.plane_panel.info.setText)
        self.modes_panel.sigView.connect(
            lambda log, overlays: self.apply(log_scale=log, overlays=overlays)
        )
        self.optimizer_panel.sigConfig.connect(lambda c: self.apply(optimizer=c))
        self.optimizer_panel.delay.valueChanged.connect(
            lambda ms: setattr(self.runs_ctl, "delay_ms", ms)
        )
        self.view.sigClicked.connect(self._clicked)
        self.view.sigHovered.connect(self._hovered)
        self.network_ctl.sigReadout.connect(self.readout.setText)
        self.view.sigStartMoved.connect(self._start_moved)
        self.view.sigCriticalClicked.connect(self._critical_clicked)
        self.view.getPlotItem().vb.sigRangeChangedManually.connect(
            lambda *_: self._view_sync.start()
        )
        self.landscape_ctl.sigCritical.connect(self.critical_table.show_points)
        self.landscape_ctl.sigProgress.connect(self._progress)
        self.landscape_ctl.sigReadout.connect(self.readout.setText)
        self.landscape_ctl.sigBasinLegend.connect(self._show_basin_legend)
        self.landscape_ctl.sigError.connect(lambda t: self.notify(t, "error"))
        self.runs_ctl.sigRunChanged.connect(
            lambda rid: (
                self.run_table.refresh(self.state.runs[rid]) if rid in self.state.runs else None
            )
        )
        self.runs_ctl.sigError.connect(lambda t: self.notify(t, "error"))
        self.run_table.sigAction.connect(self.run_action)
        self.critical_table.sigSelected.connect(self._critical_selected)
        self.cancel_button.clicked.connect(self.cancel_computations)

    def apply(self, merge: str | None = None, **changes: object) -> bool:
        """Apply a user change to the state; refuse it with a message (state kept) if invalid."""
        try:
            self.state.update(merge=merge, **changes)
        except LandscapeError as exc:
            self.notify(f"Refused: {exc}. The previous setting is kept.", "error")
            self._mirror_state()
            return False
        return True

    def notify(self, text: str, kind: str = "info") -> None:
        self.banner.show_message(text, kind)
        self.status_text.setText(text)

    def _param_changed(self, name: str, value: object, dragging: bool) -> None:
        if dragging and self.state.session.is_network:
            return  # a network is rebuilt (data, teacher) when the slider is released
        self._dragging = dragging
        params = dict(self.state.session.params) | {name: value}
        self.apply(merge=f"drag:{name}" if dragging else None, params=params)
        if not dragging:
            self.landscape_ctl.refresh_map()

    # state → views --------------------------------------------------------------------------
    def _on_scenario(self) -> None:
        s = self.state.session
        self.scenario_panel.show_scenario(s.scenario, s.params)
        self.view.set_axis_names(self.state.axis_names())
        self.view.set_window(s.window)
        self.curves.clear_runs()
        self.curves.set_baselines({})
        network = s.is_network
        self.plane_box.setVisible(network)
        for key in ("critical", "gradient", "curvature", "basins"):
            self.modes_panel.overlays[key].setEnabled(not network)
        for box in (self.critical_table,):
            box.setEnabled(not network)
        self.view.show_marks({})
        self.readout.setText(
            "Move over the slice to read F there; click to train from that point (Slice ▸ "
            "'Descend within the plane' restricts the run to the plane)."
            if network
            else "Move over the map to read θ, F, ‖∇F‖ and the Hessian eigenvalues; "
            "click to start a run (Ctrl+click: every optimizer)."
        )
        self.landscape_ctl.stop()
        self.view.show_critical([])
        self.view.show_overlay_image("basins", None)
        self.view.show_overlay_image("curvature", None)
        self.view.show_gradient(None)
        self.basin_legend.hide()

    def _on_landscape(self) -> None:
        s = self.state.session
        self.scenario_panel.set_values(s.params)
        self.modes_panel.show_session(s)
        if tuple(round(b, 9) for b in self._view_window()) != tuple(round(b, 9) for b in s.window):
            self.view.set_window(s.window)
        if s.is_network:
            self.plane_panel.show_session(s)
            self.network_ctl.refresh()
            return
        self.landscape_ctl.refresh_map(geometry=not self._dragging)
        self.landscape_ctl.schedule_critical()
        self.critical_table.show_points([])
        self.view.select_critical(None)
        self.runs_ctl.restart_all()

    def _on_view(self) -> None:
        self.modes_panel.show_session(self.state.session)
        if self.state.session.is_network:
            self.network_ctl.redraw_scale()
            return
        ctl = self.landscape_ctl
        needs_geometry = bool({"gradient", "curvature"} & set(self.state.session.overlays))
        frame = self.view.frame
        if (
            frame is None
            or frame.log_scale != self.state.session.log_scale
            or (needs_geometry and not ctl.fields)
        ):
            ctl.refresh_map()
        else:
            ctl.apply_overlays()
        if "basins" in self.state.session.overlays and self.landscape_ctl.basins is None:
            self.landscape_ctl.refresh_basins()

    def _on_optimizer(self) -> None:
        self.optimizer_panel.show_config(self.state.session.optimizer)
        if "basins" in self.state.session.overlays and not self.state.session.is_network:
            self.landscape_ctl.refresh_basins()

    def _on_runs(self, ids: list[int]) -> None:
        self.runs_ctl.sync(ids)
        self.run_table.show_runs(list(self.state.runs.values()))

    def _mirror_state(self) -> None:
        s = self.state.session
        self.scenario_panel.set_values(s.params)
        self.modes_panel.show_session(s)
        self.optimizer_panel.show_config(s.optimizer)

    def _changed(self) -> None:
        self._autosave.start()
        self.actions["undo"].setEnabled(self.state.can_undo())
        self.actions["redo"].setEnabled(self.state.can_redo())
        name = self.session_path.name if self.session_path else "untitled"
        self.setWindowTitle(f"Landscape Explorer — {name}")

    # gestures -----------------------------------------------------------------------------
    def _clicked(self, x: float, y: float, modifiers: object) -> None:
        start = (x, y)[: len(self.state.axis_names())]
        mods = Qt.KeyboardModifier(modifiers)  # type: ignore[call-overload]
        every = bool(
            mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        )
        base = self.state.session.optimizer
        network = self.state.session.is_network
        names = (NETWORK_OPTIMIZERS if network else OPTIMIZERS) if every else (base.name,)
        in_plane = network and self.plane_panel.in_plane.isChecked()
        for name in names:
            config = (
                base
                if name == base.name
                else OptimizerConfig.for_optimizer(name, momentum=base.momentum, steps=base.steps)
            )
            rid = self.state.add_run(start, config, in_plane)
        self.run_table.select(rid)
        where = ", ".join(f"{v:.3g}" for v in start)
        what = "every optimizer" if every else base.name
        self.status_text.setText(f"Started {what} from ({where}). Ctrl+Z undoes the click.")

    def _device_changed(self, device: str) -> None:
        self.network_ctl.device = device
        if self.state.session.is_network:
            self.network_ctl.refresh()

    def _hovered(self, x: float, y: float) -> None:
        ctl = self.network_ctl if self.state.session.is_network else self.landscape_ctl
        ctl.hover(x, y)

    def _start_moved(self, rid: int, x: float, y: float) -> None:
        if rid in self.state.runs:
            self.state.move_run(rid, (x, y)[: len(self.state.axis_names())])

    def _show_basin_legend(self, html: str) -> None:
        self.basin_legend.setText(html)
        self.basin_legend.setVisible(bool(html))

    def _critical_clicked(self, index: int) -> None:
        self.tabs.setCurrentWidget(self.critical_table)
        self.critical_table.selectRow(index)

    def _critical_selected(self, index: int) -> None:
        points = self.landscape_ctl.critical
        self.view.select_critical(points[index] if 0 <= index < len(points) else None)

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
            for rid in ids:
                self.state.set_run_visible(rid, not self.state.runs[rid].settings.visible)
        elif action == "remove":
            for rid in ids:
                self.state.remove_run(rid)
        elif action == "clear":
            self.state.clear_runs()
        self.run_table.show_runs(list(self.state.runs.values()))

    def _view_window(self) -> tuple[float, ...]:
        (x0, x1), (y0, y1) = self.view.getPlotItem().vb.viewRange()
        return (x0, x1, y0, y1) if len(self.state.axis_names()) == 2 else (x0, x1)

    def _sync_window_from_view(self) -> None:
        """The user zoomed or panned: recompute the landscape for what is visible."""
        window = tuple(float(f"{b:.6g}") for b in self._view_window())
        self.apply(merge="view", window=window)

    def reset_view(self) -> None:
        self.apply(window=scenario_spec(self.state.session.scenario)[2])

    # progress -----------------------------------------------------------------------------
    def _progress(self, task: str, fraction: float) -> None:
        running = 0 <= fraction < 1
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running)
        self.progress.setValue(int(1000 * max(0.0, min(fraction, 1.0))))
        self.status_text.setText(f"Computing {task}…" if running else "Ready")

    def cancel_computations(self) -> None:
        for slot in ("critical", "basins", "map", "export"):
            self.jobs.cancel(slot)
        self._progress("", 1.0)
        self.status_text.setText("Cancelled")

    # sessions -----------------------------------------------------------------------------
    def _start(self, session_path: str | None, restore_autosave: bool) -> None:
        self._on_scenario()
        if session_path:
            self.open_session(session_path)
        elif restore_autosave:
            try:
                saved = session_io.read_autosave()
            except LandscapeError as exc:
                self.notify(
                    f"The autosaved session could not be restored ({exc}); starting fresh.", "error"
                )
                saved = None
            if saved is not None:
                self.state.load(saved)
                self.notify(
                    "Restored your last session (Ctrl+Z to undo, File ▸ New for a fresh start)."
                )
        self._on_scenario()
        self._on_landscape()
        self._on_optimizer()
        self._on_runs(list(self.state.runs))

    def new_session(self) -> None:
        self.session_path = None
        self.state.load(ses.default_session(self.state.session.scenario))

    def open_session(self, path: str | Path) -> bool:
        try:
            loaded = ses.load(path)
        except LandscapeError as exc:
            self.notify(f"Could not open the session: {exc}. Nothing was changed.", "error")
            return False
        self.state.load(loaded)
        self.session_path = Path(path)
        session_io.remember(path)
        self._changed()
        self.notify(f"Opened {Path(path).name}")
        return True

    def save_session(self, path: str | Path) -> bool:
        try:
            ses.save(self.state.session, path)
        except LandscapeError as exc:
            self.notify(str(exc), "error")
            return False
        self.session_path = Path(path)
        session_io.remember(path)
        self._changed()
        self.notify(f"Saved {Path(path).name}")
        return True

    def autosave(self) -> None:
        try:
            session_io.write_autosave(self.state.session)
        except (LandscapeError, OSError) as exc:
            self.status_text.setText(f"Autosave failed: {exc}")

    def _restore_geometry(self) -> None:
        geometry = session_io.settings().value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        dock_state = session_io.settings().value("dock-state")
        if dock_state is not None:
            self.restoreState(dock_state)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.autosave()
        prefs = session_io.settings()
        prefs.setValue("geometry", self.saveGeometry())
        prefs.setValue("dock-state", self.saveState())
        self.interpolation.close()
        self.runs_ctl.pool.shutdown()
        self.jobs.shutdown(1000)
        event.accept()
