"""What the lab's three tabs share: one job slot each, submitted, cancelled and watched the same
way (the tab's progress bar and Cancel read ``busy``; Esc calls ``cancel``)."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtWidgets import QWidget

from explorer.jobs import Jobs
from explorer.lab.state import LabState


class LabTab(QWidget):
    """A lab tab whose work runs in the ``jobs`` slot named ``SLOT``.

    Subclasses set ``SLOT`` and ``CANCELLED`` (what the tab says when its job is cancelled:
    what is kept) and start their work with ``submit``; ``cancel`` and ``busy`` are shared.
    """

    SLOT = ""
    CANCELLED = "Cancelled."

    def __init__(self, state: LabState, jobs: Jobs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state, self.jobs = state, jobs

    def submit(
        self,
        make: Callable[[], Generator[Any, None, Any]],
        on_items: Callable[[list[Any]], None],
        on_done: Callable[[Any], None],
        failed: str,
    ) -> None:
        """Run ``make()``'s generator in this tab's slot (replacing its job); an error ends
        the tab's progress with ``failed: error``."""
        self.jobs.submit(
            self.SLOT,
            make,
            on_items,
            on_done,
            lambda exc: self.state.stopped(self.SLOT, f"{failed}: {exc}", "error"),
        )

    def pending(self) -> bool:
        """Drop work that is due but not started yet (a debounced sweep); True if there was."""
        return False

    def cancel(self) -> bool:
        """Stop the tab's pending or running job; True if there was one."""
        pending = self.pending()
        if not self.jobs.busy(self.SLOT) and not pending:
            return False
        self.jobs.cancel(self.SLOT)
        self.state.stopped(self.SLOT, self.CANCELLED)
        return True

    def busy(self) -> bool:
        return self.jobs.busy(self.SLOT)
