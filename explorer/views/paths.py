"""The Paths panel (connect two points: method, images, steps; the loss profile along the path
with the barrier and the highest point; "Show in its plane" on network slices) and the paths
drawn on the map, with the map's context menu "Connect … to ▸"."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from compute import PATH_METHODS, PathResult, PathStep
from explorer.controllers.paths import PathController
from explorer.results import CRITICAL
from explorer.state import AppState
from explorer.views.style import PX, pen

METHOD_LABELS = {
    "line": "straight line",
    "aligned": "line after symmetry alignment",
    "neb": "nudged elastic band (climbing image)",
    "bezier": "Bezier curve (trained bend)",
}
PROFILE_PENS = {"loss": "#000000", "test_loss": "#0072B2"}
IN_PLANE_TIP = (
    "Switch the slice to the plane through the path's two ends and its bend (a curve's trained "
    "bend, a band's highest image): a Bezier curve lies in it entirely. Ctrl+Z brings the "
    "previous plane back."
)
ACCURACY_COLOR = "#009E73"


class PathPanel(QWidget):
    """Two ends, a method and its settings, Connect / Cancel; the profile F(t) (train, test,
    accuracy where there is one) with the highest point, the barrier values (and how BatchNorm
    statistics were treated), "Spectrum at the highest point" and "Show in its plane" (the
    slice through the path's ends and bend; disabled, with the reason as tooltip, where there
    is none)."""

    def __init__(self, state: AppState, controller: PathController) -> None:
        super().__init__()
        self.state, self.ctl = state, controller
        self.start, self.end = QComboBox(), QComboBox()
        self.method = QComboBox()
        for key in PATH_METHODS:
            self.method.addItem(METHOD_LABELS.get(key, key), key)
        self.method.setCurrentIndex(list(PATH_METHODS).index(controller.request.method))
        for combo in (self.start, self.end, self.method):  # long labels must not widen the dock
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(8)
        self.images = QSpinBox(minimum=1, maximum=200, value=controller.request.images)
        self.steps = QSpinBox(minimum=0, maximum=100000, value=0)
        self.steps.setSpecialValueText("default")
        self.connect_button = QPushButton("Connect")
        self.cancel_button = QPushButton("Cancel")
        self.refresh_button = QPushButton("↻")
        self.refresh_button.setToolTip("List the minima, run ends and reference points again")
        self.barrier = QLabel("Connect two points to see the barrier between them.")
        self.barrier.setObjectName("barrier")
        self.barrier.setWordWrap(True)
        self.spectrum_button = QPushButton("Spectrum at the highest point")
        self.spectrum_button.setEnabled(False)
        self.plane_button = QPushButton("Show in its plane")
        self.plane_button.setObjectName("path-plane")
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMinimumSize(120, 120)
        self.plot.setLabel("bottom", "position along the path t")
        self.plot.setLabel("left", "F")
        self.plot.addLegend(offset=(-10, 10))
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.highest = pg.ScatterPlotItem(
            symbol="x", size=PX * 7, pen=pen("#D55E00", 1.5), brush=None
        )
        self.plot.addItem(self.highest)
        self.live = pg.PlotDataItem(pen=pen("#999999", 1.0), symbol="o", symbolSize=5)
        self.plot.addItem(self.live)
        form = QFormLayout()
        ends = QHBoxLayout()
        ends.addWidget(self.start, 1)
        ends.addWidget(self.refresh_button)
        form.addRow("From", ends)
        form.addRow("To", self.end)
        form.addRow("Method", self.method)
        form.addRow("Band images", self.images)
        form.addRow("Steps", self.steps)
        buttons = QHBoxLayout()
        buttons.addWidget(self.connect_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.barrier)
        actions = QHBoxLayout()
        actions.addWidget(self.spectrum_button)
        actions.addWidget(self.plane_button)
        layout.addLayout(actions)
        self.connect_button.clicked.connect(self._connect)
        self.cancel_button.clicked.connect(controller.cancel)
        self.refresh_button.clicked.connect(self.refresh)
        self.plane_button.clicked.connect(controller.show_in_plane)
        controller.sigProgress.connect(self.show_progress)
        controller.sigResult.connect(self.show_result)
        state.on_result(CRITICAL, lambda _: self.refresh())
        state.events.runs.connect(lambda _: self.refresh())
        state.events.scenario.connect(lambda _: self.update_plane_button())
        self.update_plane_button()

    def update_plane_button(self) -> None:
        """Enabled where the latest path has a plane of its own; the tooltip says why not."""
        reason = self.ctl.plane_reason()
        self.plane_button.setEnabled(not reason)
        self.plane_button.setToolTip(reason or IN_PLANE_TIP)

    def refresh(self) -> None:
        """List the candidate ends again, keeping the chosen ones where they still exist."""
        keep = (self.start.currentData(), self.end.currentData())
        found = self.ctl.candidates()
        for combo, key, default in ((self.start, keep[0], 0), (self.end, keep[1], 1)):
            combo.blockSignals(True)
            combo.clear()
            for c in found:
                combo.addItem(c.label, c.key)
            i = combo.findData(key) if key is not None else -1
            combo.setCurrentIndex(i if i >= 0 else min(default, combo.count() - 1))
            combo.blockSignals(False)

    def choose_ends(self, a_key: str, b_key: str) -> None:
        self.refresh()
        for combo, key in ((self.start, a_key), (self.end, b_key)):
            i = combo.findData(key)
            if i >= 0:
                combo.setCurrentIndex(i)

    def _connect(self) -> None:
        steps = self.steps.value() or None
        if self.ctl.choose(
            method=self.method.currentData(), images=self.images.value(), steps=steps
        ):
            self.ctl.connect_ends(self.start.currentData() or "", self.end.currentData() or "")

    def show_progress(self, step: PathStep) -> None:
        if step.losses is not None and step.nodes is not None:
            d = np.r_[0, np.cumsum(np.linalg.norm(np.diff(step.nodes, axis=0), axis=1))]
            self.live.setData(d / max(d[-1], 1e-300), step.losses)
        self.barrier.setText(f"{step.phase}: step {step.step} of {step.steps}")

    def show_result(self, result: PathResult) -> None:
        self.live.setData([], [])
        for item in self.curves.values():
            self.plot.removeItem(item)
        self.curves.clear()
        legend = self.plot.getPlotItem().legend
        if legend is not None:
            legend.clear()
        for key, color in PROFILE_PENS.items():
            if key in result.profile:
                label = result.labels.get(key, key)
                curve = self.plot.plot(
                    result.t, result.profile[key], pen=pen(color, 1.5), name=label
                )
                self.curves[key] = curve
        s = result.saddle
        self.highest.setData([s.t], [s.loss])
        b = result.barrier
        plus = "" if s.index_exact else "+"
        acc = ""
        if "test_accuracy" in result.profile:
            top_acc = result.profile["test_accuracy"][s.node]
            acc = f"; test accuracy at the highest point {top_acc:.3f}"
        self.barrier.setText(
            f"<b>barrier {b.max_end:.4g}</b> (highest F − higher end; − mean of the ends: "
            f"{b.mean_end:.4g}); highest F {b.highest:.4g} at t = {s.t:.3g}, Hessian index "
            f"{s.index}{plus}{acc}. {'' if result.converged else 'Not converged. '}"
            f"{result.steps} steps, {result.seconds:.1f} s." + _normalisation(result)
        )
        self.spectrum_button.setEnabled(True)
        self.update_plane_button()


def _normalisation(result: PathResult) -> str:
    """ " BatchNorm: …" where the model has BatchNorm layers (how the profile treated their
    statistics, from the path's provenance); "" elsewhere."""
    note = str(result.provenance.get("normalisation", ""))
    return f" {note[0].upper()}{note[1:]}." if "BatchNorm" in note else ""


class PathOverlay:
    """The session's paths on the map (a curve per path, its highest point marked, the live
    band while one is computed) and the map's right-click menu "Connect NEAREST to ▸ …"."""

    def __init__(self, state: AppState, view: Any, controller: PathController, panel: PathPanel):
        self.state, self.view, self.ctl, self.panel = state, view, controller, panel
        self.items: list[Any] = []
        self.live = pg.PlotDataItem(pen=pen("#999999", 1.0, style=None), symbol="o", symbolSize=5)
        self.live.setZValue(40)
        view.addItem(self.live)
        self.menu: QMenu | None = None
        state.events.session.connect(lambda _: self.redraw())
        controller.sigProgress.connect(self._progress)
        controller.sigResult.connect(lambda _r: self.live.setData([], []))
        view.scene().sigMouseClicked.connect(self._clicked)

    def redraw(self) -> None:
        for item in self.items:
            self.view.removeItem(item)
        self.items.clear()
        if self.state.results.landscape is None and not self.state.session.paths:
            return
        for p in self.state.session.paths:
            if not p.visible or len(p.coords[0]) != 2:
                continue
            xy = np.asarray(p.coords, dtype=float)
            curve = pg.PlotDataItem(xy[:, 0], xy[:, 1], pen=pen(p.color, 1.5))
            top = pg.ScatterPlotItem(
                [xy[p.highest, 0]], [xy[p.highest, 1]], symbol="x", size=PX * 6,
                pen=pen(p.color, 1.5), brush=None,
            )  # fmt: skip
            for item in (curve, top):
                item.setZValue(39)
                self.view.addItem(item)
                self.items.append(item)

    def _progress(self, step: PathStep) -> None:
        if step.nodes is None:
            return
        landscape = self.state.results.landscape
        nodes = np.asarray(step.nodes, dtype=float)
        if landscape is not None and landscape.is_slice:
            nodes = landscape.project(nodes).coords
        if nodes.shape[1] == 2:
            self.live.setData(nodes[:, 0], nodes[:, 1])

    def _clicked(self, event: Any) -> None:
        from PySide6.QtCore import Qt

        if event.button() != Qt.MouseButton.RightButton:
            return
        point = self.view.data_point(event.scenePos())
        if point is None:
            return
        menu = self.context_menu(point)
        if menu is not None:
            pos = event.screenPos()
            menu.popup(QPoint(int(pos.x()), int(pos.y())))

    def context_menu(self, point: tuple[float, float]) -> QMenu | None:
        """ "Connect NEAREST to ▸ OTHER" for the candidate nearest ``point`` (map coordinates),
        with the panel's method; None where there is nothing to connect."""
        near = self.ctl.nearest(point)
        if near is None:
            return None
        menu = QMenu(self.view)
        sub = menu.addMenu(f"Connect {near.label} to")
        for c in self.ctl.candidates():
            if c.key == near.key:
                continue
            act = QAction(c.label, sub)
            act.triggered.connect(lambda _=False, k=c.key: self._connect(near.key, k))
            sub.addAction(act)
        self.menu = menu
        return menu

    def _connect(self, a_key: str, b_key: str) -> None:
        self.panel.choose_ends(a_key, b_key)
        self.panel._connect()
