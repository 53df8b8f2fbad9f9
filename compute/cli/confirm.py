"""Long requests say so: after the first seconds of work, the time left at the rate measured so
far; above a threshold it is printed, and on a terminal the command asks before going on
(``--yes`` answers for it). A batch job (no terminal) gets the line and goes on.

Measured rather than modelled: the same command costs 0.2 ms or 20 ms per point depending on
the model, the device and the machine's load; the rate of its own first seconds is the honest
estimate (remaining = elapsed · (1 − f) / f at done fraction f).
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field

from compute.errors import LandscapeError

PROBE_SECONDS = 2.0
"""Work measured before the estimate."""
LONG_SECONDS = float(os.environ.get("LANDSCAPE_EXPLORER_LONG_SECONDS", "60"))
"""Estimates above this are printed (and asked about on a terminal)."""


class Answers:
    """Whether the user said ``--yes`` to long work (set once per command line)."""

    yes = False


def duration(seconds: float) -> str:
    """4.2 s, 3.5 min, 17.1 h, 2.3 days."""
    for unit, size in (("days", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.1f} s"


@dataclass
class Estimate:
    """Watches one piece of work's progress (``seen(done, total)``) and speaks up once."""

    what: str
    start: float = field(default_factory=time.perf_counter)
    spoken: bool = False

    def seen(self, done: float, total: float) -> None:
        if self.spoken or total <= 0 or done <= 0 or done >= total:
            return
        elapsed = time.perf_counter() - self.start
        if elapsed < PROBE_SECONDS:
            return
        self.spoken = True
        left = elapsed * (total - done) / done
        if left < LONG_SECONDS:
            return
        line = (
            f"{self.what}: about {duration(left)} more at the rate of its first "
            f"{duration(elapsed)} ({100 * done / total:.2g} % done)"
        )
        print(line, file=sys.stderr, flush=True)
        if Answers.yes or not (sys.stdin.isatty() and sys.stderr.isatty()):
            return
        print("continue? [y/N] ", end="", file=sys.stderr, flush=True)
        answer = sys.stdin.readline().strip().lower()
        if answer not in ("y", "yes"):
            raise LandscapeError(
                f"{self.what} stopped at your answer (--yes goes on without asking)"
            )
