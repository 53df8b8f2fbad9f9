"""Input widgets: a number field that takes what is typed literally (scientific notation
included), marks invalid input at once and never silently rewrites it; a combo box that elides."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QPaintEvent
from PySide6.QtWidgets import (
    QComboBox,
    QLineEdit,
    QSlider,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
    QWidget,
)

INVALID_STYLE = "QLineEdit { border: 2px solid #C00000; background: #FDECEA; }"


def format_number(value: float, integer: bool = False) -> str:
    """Shortest faithful text: 0.05, 1e-05, 1000 (integers without a decimal point)."""
    if integer:
        return str(int(value))
    return f"{value:.10g}"


def parse_number(text: str, integer: bool = False) -> float:
    """``text`` as a finite number (``1e-4``, ``0.0000001``, ``-5``); ValueError with a
    reason otherwise (also for a fractional value where a whole number is needed)."""
    try:
        value = float(text.strip().replace("−", "-"))
    except ValueError:
        raise ValueError(f"{text.strip()[:20]!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    if integer and value != int(value):
        raise ValueError(f"{value:g} is not a whole number")
    return value


class NumberField(QLineEdit):
    """``sigValue(value)`` when a valid number is entered (Return or leaving the field); text
    that is not a number is marked red with the reason in its tooltip and not applied. Callers
    mark values the state refuses with ``mark_invalid(reason)``; ``Esc`` restores the last
    accepted value."""

    sigValue = Signal(float)

    def __init__(
        self,
        value: float,
        integer: bool = False,
        name: str = "",
        tip: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.integer = integer
        self.tip = tip
        self._value = float(value)
        self.setObjectName(name)
        self.setToolTip(tip)
        self.setMaximumWidth(110)
        self.setText(format_number(value, integer))
        self.editingFinished.connect(self._finished)
        self.valid = True

    def value(self) -> float:
        return self._value

    def set_value(self, value: float) -> None:
        """Show ``value`` (the state's), clearing any mark; no signal."""
        self._value = float(value)
        self.setText(format_number(value, self.integer))
        self.mark_valid()

    def refuse(self, text: str, reason: str) -> None:
        """The state refused what was typed: show it again, marked, with the reason."""
        self.setText(text)
        self.mark_invalid(reason)

    def mark_invalid(self, reason: str) -> None:
        self.valid = False
        self.setStyleSheet(INVALID_STYLE)
        self.setToolTip(f"Not applied: {reason}")

    def mark_valid(self) -> None:
        self.valid = True
        self.setStyleSheet("")
        self.setToolTip(self.tip)

    def _finished(self) -> None:
        try:
            value = parse_number(self.text(), self.integer)
        except ValueError as exc:
            self.mark_invalid(str(exc))
            return
        if value == self._value and self.valid:
            return
        self.mark_valid()
        self.sigValue.emit(value)  # the state accepts it (set_value) or refuses it

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.set_value(self._value)
            return
        super().keyPressEvent(event)


class ElidedComboBox(QComboBox):
    """A combo box whose closed face ends a long title with "…" instead of cutting it
    mid-word (the popup lists the full titles); at least ``shown`` characters wide.
    ``sigAboutToShow`` just before the popup opens (to list what is new)."""

    sigAboutToShow = Signal()

    def __init__(self, shown: int = 14, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(shown)

    def showPopup(self) -> None:
        self.sigAboutToShow.emit()
        super().showPopup()

    def fit_popup(self) -> None:
        """Make the popup list as wide as its longest item (call after adding them)."""
        view = self.view()
        view.setMinimumWidth(view.sizeHintForColumn(0) + 24)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        field = self.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, self
        )
        option.currentText = self.fontMetrics().elidedText(
            option.currentText, Qt.TextElideMode.ElideRight, field.width()
        )
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)


class SpanSlider(QSlider):
    """A horizontal slider over [lo, hi] (``steps`` ticks) for a number field beside it.

    ``sigMoved(value, dragging)`` on every tick (dragging while the handle is held) and once
    more on release (dragging False), so a drag can redraw live and end in one undo step.
    """

    sigMoved = Signal(float, bool)

    def __init__(self, lo: float, hi: float, name: str, tip: str, steps: int = 1000) -> None:
        super().__init__(Qt.Orientation.Horizontal)
        self.steps = steps
        self.span = (lo, hi)
        self.setRange(0, steps)
        self.setObjectName(name)
        self.setToolTip(tip)
        self.valueChanged.connect(lambda _: self.sigMoved.emit(self.number(), self.isSliderDown()))
        self.sliderReleased.connect(lambda: self.sigMoved.emit(self.number(), False))

    def number(self) -> float:
        lo, hi = self.span
        return round(lo + (hi - lo) * self.value() / self.steps, 6)

    def set_span(self, lo: float, hi: float) -> None:
        self.span = (lo, hi)

    def set_number(self, value: float) -> None:
        """Move the handle to ``value`` (clamped to the span) without a signal."""
        lo, hi = self.span
        self.blockSignals(True)
        self.setValue(round((min(max(value, lo), hi) - lo) / (hi - lo) * self.steps))
        self.blockSignals(False)
