"""Redrawing streamed runs at a bounded rate (the map, the curves and the run table share it)."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from explorer.state import AppState

MAX_PER_DRAW = 24
"""Runs drawn in one go: a session of hundreds of runs is drawn over several event-loop turns
(each a few ms per run) instead of freezing the window while every item is made."""
DUTY = 0.4
"""At most this share of the GUI thread's time goes to redrawing runs: when drawing is slow
(many runs), the redraws come further apart instead of back to back."""


class RunRedraw(QObject):
    """The runs changed since the last redraw, handed to ``draw(ids)`` at most every ``ms``.

    Runs stream a chunk every few milliseconds; drawing each as it arrives would repaint far
    more often than a screen shows. ``mark(rid)`` (subscribed to the state's ``run_data`` and
    ``run_status``) adds a run to the next redraw, which comes ``ms`` after the first mark (or
    later, see ``DUTY``); at most ``MAX_PER_DRAW`` runs are drawn at once, the rest next turn.
    """

    def __init__(
        self, state: AppState, draw: Callable[[set[int]], None], ms: int, parent: QObject
    ) -> None:
        super().__init__(parent)
        self._draw = draw
        self._dirty: dict[int, None] = {}  # in the order first marked: none waits for ever
        self._ms = self._delay = ms
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._flush)
        state.events.run_data.connect(self.mark)
        state.events.run_status.connect(self.mark)

    def mark(self, rid: int) -> None:
        self._dirty.setdefault(rid, None)
        if not self._timer.isActive():
            self._timer.start(self._delay)

    def flush(self) -> None:
        """Draw every marked run now."""
        self._timer.stop()
        dirty, self._dirty = self._dirty, {}
        if dirty:
            self._draw(set(dirty))

    def _flush(self) -> None:
        now = list(self._dirty)[:MAX_PER_DRAW]
        for rid in now:
            del self._dirty[rid]
        start = time.perf_counter()
        self._draw(set(now))
        rest = round(1000 * (time.perf_counter() - start) * (1 - DUTY) / DUTY)
        self._delay = max(self._ms, rest)
        if self._dirty:
            self._timer.start(max(1, rest))
