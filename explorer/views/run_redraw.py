"""Redrawing streamed runs at a bounded rate (the map, the curves and the run table share it)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from superqt.utils import qthrottled

from explorer.state import AppState


class RunRedraw(QObject):
    """The runs changed since the last redraw, handed to ``draw(ids)`` at most every ``ms``.

    Runs stream a chunk every few milliseconds; drawing each as it arrives would repaint far
    more often than a screen shows. ``mark(rid)`` (subscribed to the state's ``run_data`` and
    ``run_status``) adds a run to the next redraw, which comes ``ms`` after the first mark.
    """

    def __init__(
        self, state: AppState, draw: Callable[[set[int]], None], ms: int, parent: QObject
    ) -> None:
        super().__init__(parent)
        self._draw, self._dirty = draw, set[int]()
        self._later = qthrottled(self._flush, timeout=ms, leading=False, parent=self)
        state.events.run_data.connect(self.mark)
        state.events.run_status.connect(self.mark)

    def mark(self, rid: int) -> None:
        self._dirty.add(rid)
        self._later()

    def _flush(self) -> None:
        dirty, self._dirty = self._dirty, set()
        self._draw(dirty)
