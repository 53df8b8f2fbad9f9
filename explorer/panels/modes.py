"""Regularisation and constraint modes (seed 001's three contour panels), and what is shown."""

from __future__ import annotations

from functools import partial

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from compute import LandscapeError, Modes, bind_modes, parse_constraint
from explorer.overlays import OVERLAYS
from explorer.panels.fields import INVALID_STYLE, NumberField, SpanSlider
from explorer.results import LANDSCAPE
from explorer.state import AppState
from explorer.views.style import HESSIAN_SHORT

SLICE_NOTE = " (on a slice: of the 2-D restriction F(a, b))"
EQUAL_TIP = "One unit is as long on both axes (always on with a ball constraint)"
EQUAL_FORCED_TIP = (
    "On while the ball constraint is: a ball must look round. Your own choice ({}) comes "
    "back when the constraint is none or a box."
)
L2_SPAN = 1.0
"""λ's slider covers 0 … 1 (seed 001 shows λ = 0.2; the field takes any λ ≥ 0)."""


def _beside(slider: QWidget, field: QWidget) -> QWidget:
    """A slider with its number field at its right (3 : 2 of the row)."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(slider, 3)
    layout.addWidget(field, 2)
    return row


class ModesPanel(QWidget):
    """L2 λ, the constraint set and the display options, bound to the state."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        modes = QGroupBox("Landscape mode")
        form = QFormLayout(modes)
        self.l2_on = QCheckBox("L2 regulariser  (λ/2)‖θ‖²")
        self.l2_on.setObjectName("l2-on")
        self.l2_on.setToolTip("Add (λ/2)‖θ‖² to the loss (seed 001, panel b)")
        self.l2 = NumberField(0.2, name="l2-lambda", tip="λ ≥ 0 (e.g. 0.2 or 1e-3)")
        self.l2_slider = SpanSlider(
            0.0, L2_SPAN, "l2-slider", f"Drag λ over 0 … {L2_SPAN:g}: the map redraws live"
        )
        form.addRow(self.l2_on, _beside(self.l2_slider, self.l2))
        self.kind = QComboBox()
        self.kind.setObjectName("constraint-kind")
        self.kind.addItems(["none", "ball", "box"])
        self.kind.setToolTip(
            "Restrict θ to ‖θ‖₂ ≤ R (ball, seed 001 panel c) or |θᵢ| ≤ R (box);"
            " runs then take projected steps"
        )
        self.radius = NumberField(2.0, name="constraint-radius", tip="R > 0")
        self.radius_slider = SpanSlider(
            0.01, 5.0, "radius-slider", "Drag R: the map and the set redraw live"
        )
        form.addRow("Constraint", self.kind)
        form.addRow("Radius R", _beside(self.radius_slider, self.radius))
        self.blocks = QLineEdit()
        self.blocks.setObjectName("constraint-blocks")
        self.blocks.setPlaceholderText("all of θ")
        form.addRow("on blocks", self.blocks)
        self.form = form
        view = QGroupBox("Show")
        vbox = QVBoxLayout(view)
        self.log = QCheckBox("Log colour scale")
        self.log.setObjectName("log-scale")
        self.log.setToolTip("Colour by log₁₀(F − min F): reveals structure near minima")
        self.equal = QCheckBox("Equal axis scales")
        self.equal.setObjectName("equal-axes")
        self._mirror_equal()
        vbox.addWidget(self.log)
        vbox.addWidget(self.equal)
        self.overlays: dict[str, QCheckBox] = {}
        for key, overlay in OVERLAYS.items():
            box = QCheckBox(overlay.label)
            box.setObjectName(f"overlay-{key}")
            box.setToolTip(overlay.tip)
            vbox.addWidget(box)
            self.overlays[key] = box
        self.hessian_field = QComboBox()
        self.hessian_field.setObjectName("hessian-field")
        for key, text in HESSIAN_SHORT.items():
            self.hessian_field.addItem(text, key)
        self.hessian_field.setToolTip("What the full-space curvature map shows")
        vbox.addWidget(self.hessian_field)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(modes)
        layout.addWidget(view)
        self.l2_on.toggled.connect(self._modes_changed)
        self.kind.currentIndexChanged.connect(self._modes_changed)
        self.l2.sigValue.connect(self._modes_changed)
        self.radius.sigValue.connect(self._modes_changed)
        self.l2_slider.sigMoved.connect(partial(self._dragged, self.l2))
        self.radius_slider.sigMoved.connect(partial(self._dragged, self.radius))
        self.blocks.editingFinished.connect(self._modes_changed)
        state.on_result(LANDSCAPE, lambda _: self._landscape_known())
        for box in (self.log, self.equal, *self.overlays.values()):
            box.toggled.connect(self._view_changed)
        self.hessian_field.currentIndexChanged.connect(self._view_changed)
        state.events.session.connect(lambda _: self.mirror())
        state.events.scenario.connect(lambda _: self._scenario())

    def _dragged(self, field: NumberField, value: float, dragging: bool) -> None:
        """A tick of the λ or R slider: the field shows it and the modes apply at once (the
        map redraws coarse while the handle is held, critical points follow on release); all
        ticks of one drag are one undo step."""
        field.setText(f"{value:g}")
        if field is self.l2 and not self.l2_on.isChecked():
            self.l2_on.blockSignals(True)
            self.l2_on.setChecked(True)  # dragging λ means L2 on
            self.l2_on.blockSignals(False)
        if dragging:
            self.state.set_view(dragging=True)
        self._modes_changed(merge=f"drag:{field.objectName()}")
        if not dragging:
            self.state.set_view(dragging=False)
            self.state.end_merge()

    def _modes_changed(self, *_: object, merge: str | None = None) -> None:
        l2, radius = self.l2.text(), self.radius.text()
        kind = self.kind.currentText()
        blocks = ",".join(b.strip() for b in self.blocks.text().split(",") if b.strip())
        try:
            lam = float(l2) if self.l2_on.isChecked() else 0.0
            constraint = None if kind == "none" else f"{kind}:{float(radius)!r}"
        except ValueError:
            return  # the field marks its own invalid text
        if constraint is not None and blocks and self.state.sliced:
            constraint += f"@{blocks}"
            if not self._blocks_known(constraint):
                return
        self.blocks.setStyleSheet("")
        if not self.state.apply(merge=merge, l2=lam, constraint=constraint):
            field, text = (self.l2, l2) if lam < 0 else (self.radius, radius)
            field.refuse(text, "refused: see the message above the map")

    def _blocks_known(self, constraint: str) -> bool:
        """Whether the shown network has the named blocks; if not (or while it is still being
        built, when its blocks are not known yet), the banner says why and the state is kept."""
        landscape, s = self.state.results.landscape, self.state.session
        problem = getattr(landscape, "source", None) or getattr(landscape, "problem", None)
        try:
            if problem is None or problem.id != s.scenario or problem.params != s.params:
                raise LandscapeError(
                    "the network is still being built: name its blocks once the map is drawn"
                )
            bind_modes(problem, Modes(0.0, parse_constraint(constraint)))
        except LandscapeError as exc:
            self.state.notify(f"Refused: {exc}. The previous setting is kept.", "error")
            typed = self.blocks.text()
            self.mirror()  # the other fields show the kept state again; the typed names stay
            self.blocks.setText(typed)
            self.blocks.setStyleSheet(INVALID_STYLE)
            return False
        return True

    def _landscape_known(self) -> None:
        self._blocks_tip()
        self._radius_span()

    def _radius_span(self) -> None:
        """R's slider spans up to 1.5× the map's reach on a toy, 2‖θ₀‖ on a network."""
        s, landscape = self.state.session, self.state.results.landscape
        problem = getattr(landscape, "source", None) or getattr(landscape, "problem", None)
        init = getattr(problem, "init", None)
        if self.state.sliced and init is not None:
            reach = 2.0 * float(init.norm())
        else:
            reach = 1.5 * max(abs(b) for b in s.window)
        self.radius_slider.set_span(0.01, max(reach, 0.1))
        if s.constraint is not None:
            self.radius_slider.set_number(s.constraint.radius)

    def _blocks_tip(self) -> None:
        """The blocks the shown network has (Shamir's Theorem 4 constrains w and v)."""
        landscape = self.state.results.landscape
        layout = getattr(getattr(landscape, "problem", None), "model", None)
        names = [b.name for b in layout.layout.blocks] if layout is not None else []
        self.blocks.setToolTip(
            "The parameter blocks the ball or box acts on (empty: all of θ); this network's "
            f"blocks: {', '.join(names)}. Shamir's Theorem 4 constrains w,v."
            if names
            else "Networks only: the parameter blocks the set acts on"
        )

    def _view_changed(self, *_: object) -> None:
        chosen = tuple(k for k, box in self.overlays.items() if box.isChecked())
        s = self.state.session
        self.state.apply(
            log_scale=self.log.isChecked(),
            overlays=chosen,
            # a forced tick is not the user's: their own choice is kept while it is forced
            equal_axes=s.equal_axes if s.equal_axes_forced else self.equal.isChecked(),
            hessian_field=self.hessian_field.currentData(),
        )

    def _scenario(self) -> None:
        self.form.setRowVisible(self.blocks, self.state.sliced)
        note = SLICE_NOTE if self.state.sliced else ""
        one_d = len(self.state.session.window) == 2
        for key, box in self.overlays.items():
            overlay = OVERLAYS[key]
            why = f" Not drawn on this one-parameter map: {overlay.one_d}." if one_d else ""
            box.setToolTip(overlay.tip + note + (why if overlay.one_d else ""))

    def mirror(self) -> None:
        """Show the state in the widgets without emitting (keeps refused text marked)."""
        s = self.state.session
        widgets = [self.l2_on, self.kind, self.log, self.equal, self.hessian_field]
        widgets += list(self.overlays.values())
        for w in widgets:
            w.blockSignals(True)
        self.l2_on.setChecked(s.l2 > 0)
        if s.l2 > 0:
            self.l2.set_value(s.l2)
        constraint = s.constraint
        self.kind.setCurrentText(constraint.kind if constraint is not None else "none")
        if constraint is not None:
            self.radius.set_value(constraint.radius)
            self.blocks.setText(",".join(constraint.blocks))
        self.l2_slider.set_number(s.l2 if s.l2 > 0 else self.l2.value())  # λ when L2 is on
        self.radius_slider.setEnabled(constraint is not None)
        if constraint is not None:
            self.radius_slider.set_number(constraint.radius)
        self.log.setChecked(s.log_scale)
        self._mirror_equal()
        for key, box in self.overlays.items():
            box.setChecked(key in s.overlays)
        self.hessian_field.setCurrentIndex(self.hessian_field.findData(s.hessian_field))
        self.hessian_field.setEnabled("hessian" in s.overlays)
        for w in widgets:
            w.blockSignals(False)

    def _mirror_equal(self) -> None:
        """The axis-scale box shows what the map does: ticked and disabled (the tooltip says
        why) while a ball constraint forces equal scales, the user's own choice otherwise."""
        s = self.state.session
        forced = s.equal_axes_forced
        self.equal.setChecked(s.drawn_equal_axes)
        self.equal.setEnabled(not forced)
        own = "on" if s.equal_axes else "off"
        self.equal.setToolTip(EQUAL_FORCED_TIP.format(own) if forced else EQUAL_TIP)
