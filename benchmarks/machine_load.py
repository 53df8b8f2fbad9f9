"""Whether other processes competed for the cores while a benchmark ran (Linux /proc)."""

from __future__ import annotations

import os


def busy_seconds() -> tuple[float, float] | None:
    """(CPU seconds all processes have used, this process's), Linux only: to tell whether other
    work competed for the cores during the measurement."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except OSError:
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    t = os.times()
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK"), t.user + t.system


def other_load(before: tuple[float, float] | None, wall: float) -> str:
    after = busy_seconds()
    if before is None or after is None:
        return "other processes' CPU use: unknown"
    other = (after[0] - before[0]) - (after[1] - before[1])
    return f"other processes used {max(0.0, other) / wall:.2f} cores on average during the run"
