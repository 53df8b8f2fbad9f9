"""Scenario picker, its formula, and one slider + number field per parameter."""

from __future__ import annotations

import html
import re
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from compute import SCENARIOS, ParamSpec, scenario
from explorer.panels.fields import ElidedComboBox, NumberField, SpanSlider
from explorer.state import AppState

SLIDER_STEPS = 1000


class ParamControl(QWidget):
    """A labelled slider (over the parameter's span) tied to a number field (its full range).

    ``sigChanged(name, value, dragging)``: dragging is True while the slider is held.
    """

    sigChanged = Signal(str, object, bool)

    def __init__(self, spec: ParamSpec, value: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.slider = SpanSlider(
            *spec.span,
            f"slider-{spec.name}",
            f"{spec.doc} (drag: the landscape redraws live)",
            SLIDER_STEPS,
        )
        tip = f"{spec.doc}; allowed {spec.minimum:g} … {spec.maximum:g}"
        self.field = NumberField(value, spec.integer, f"param-{spec.name}", tip)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 3)
        layout.addWidget(self.field, 2)
        self.set_value(value)
        self.slider.sigMoved.connect(self._slid)
        self.field.sigValue.connect(lambda v: self._emit(v, False))

    def set_value(self, value: float) -> None:
        self.field.set_value(value)
        self.slider.set_number(value)

    def _slid(self, value: float, dragging: bool) -> None:
        if self.spec.integer:
            value = round(value)
        self.field.setText(f"{value:g}")
        self._emit(value, dragging)

    def _emit(self, value: float, dragging: bool) -> None:
        self.sigChanged.emit(self.spec.name, value, dragging)


class ScenarioPanel(QWidget):
    """The scenario and its parameters, bound to the state (changes are applied through it;
    a network is rebuilt when a slider is released, a toy redraws while it is dragged)."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.combo = ElidedComboBox()
        self.combo.setObjectName("scenario")
        self.combo.setToolTip("The landscape to explore (each from one of the seed documents)")
        self.combo.sigAboutToShow.connect(self.refill)  # scenarios registered since
        self._listed: tuple[str, ...] = ()
        self.refill()
        self.formula = QLabel()
        self.formula.setObjectName("formula")
        self.formula.setWordWrap(True)
        self.formula.setTextFormat(Qt.TextFormat.RichText)
        self.formula.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.formula.setStyleSheet("font-family: serif; font-size: 12pt; padding: 4px;")
        self.source = QLabel()
        self.source.setWordWrap(True)
        self.source.setStyleSheet("color: #555;")
        self.form = QFormLayout()
        layout = QVBoxLayout(self)
        layout.addWidget(self.combo)
        layout.addWidget(self.formula)
        layout.addWidget(self.source)
        layout.addLayout(self.form)
        self.controls: dict[str, QWidget] = {}
        self.combo.currentIndexChanged.connect(
            lambda i: state.apply(scenario=self.combo.itemData(i))
        )
        state.events.scenario.connect(lambda _: self.rebuild())
        state.events.session.connect(lambda _: self.mirror())

    def refill(self) -> None:
        """List the catalogue's scenarios in registration order (toys, then networks) when it
        changed since the last time (a plug-in registered or removed one)."""
        ids = tuple(SCENARIOS)
        if ids == self._listed:
            return
        self._listed = ids
        self.combo.blockSignals(True)
        self.combo.clear()
        toys = [s for s in SCENARIOS.values() if not s.capabilities.sliced]
        for spec in toys:
            self.combo.addItem(spec.title, spec.id)
        self.combo.insertSeparator(self.combo.count())
        for net in (s for s in SCENARIOS.values() if s.capabilities.sliced):
            self.combo.addItem(f"Network: {net.title}", net.id)
        self.combo.setCurrentIndex(self.combo.findData(self.state.session.scenario))
        self.combo.blockSignals(False)
        self.combo.fit_popup()

    def rebuild(self) -> None:
        """Parameter rows for the current scenario (no signals emitted)."""
        s = self.state.session
        spec = scenario(s.scenario)
        self.refill()
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(self.combo.findData(s.scenario))
        self.combo.blockSignals(False)
        self.formula.setText(description_text(spec))
        self.source.setText(f"seed {spec.seed}")
        while self.form.rowCount():
            self.form.removeRow(0)
        self.controls = {}
        for p in spec.params:
            widget: QWidget
            if p.choices:
                combo = QComboBox()
                combo.setObjectName(f"param-{p.name}")
                combo.addItems(list(p.choices))
                combo.setCurrentText(str(s.params[p.name]))
                combo.setToolTip(p.doc)
                combo.currentTextChanged.connect(
                    lambda text, n=p.name: self._changed(n, text, False)
                )
                widget = combo
            else:
                control = ParamControl(p, float(s.params[p.name]))
                control.sigChanged.connect(self._changed)
                widget = control
            label = QLabel(p.name)
            label.setToolTip(p.doc)
            self.form.addRow(label, widget)
            self.controls[p.name] = widget

    def mirror(self) -> None:
        for name, widget in self.controls.items():
            value = self.state.session.params.get(name)
            if isinstance(widget, ParamControl) and value is not None:
                widget.set_value(float(value))
            elif isinstance(widget, QComboBox):
                widget.blockSignals(True)
                widget.setCurrentText(str(value))
                widget.blockSignals(False)

    def _changed(self, name: str, value: object, dragging: bool) -> None:
        if dragging and self.state.sliced:
            return  # a network is rebuilt (data, teacher) when the slider is released
        if self.state.view.dragging != dragging:
            self.state.set_view(dragging=dragging)
        params = dict(self.state.session.params) | {name: value}
        applied = self.state.apply(
            f"parameter {name}", merge=f"drag:{name}" if dragging else None, params=params
        )
        if not dragging:
            self.state.end_merge()  # the next drag of this slider is an undo step of its own
        widget = self.controls.get(name)
        if not applied and isinstance(widget, ParamControl):
            widget.field.refuse(f"{value}", f"{name} = {value} was refused (see the message above)")


def description_text(spec: Any) -> str:
    """The scenario's line under its name, as rich text: a built-in scenario's formula with
    sub- and superscripts (``rich_formula``); a user's model's docstring as prose, where an
    underscore is part of a name (``train_steps``), never a subscript, and ``code`` marks
    show as code."""
    if getattr(spec, "reference", None) is None:
        return rich_formula(spec.formula)
    text = html.escape(spec.formula, quote=False)
    return re.sub(r"``(.+?)``", r"<code>\1</code>", text)


def rich_formula(formula: str) -> str:
    """Formula text with ``_{…}`` / ``_word`` and ``^{…}`` as sub- and superscripts (Qt rich
    text): ``h_{k−1}`` → h<sub>k−1</sub>, ``W_k2`` → W<sub>k2</sub>."""
    text = formula.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"_\{([^}]*)\}", r"<sub>\1</sub>", text)
    text = re.sub(r"_(\w+)", r"<sub>\1</sub>", text)
    return re.sub(r"\^\{([^}]*)\}", r"<sup>\1</sup>", text)
