"""Whether other processes competed for the cores while a benchmark ran (Linux /proc)."""

from __future__ import annotations

import contextlib
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


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_memory_mib(fn):
    """(``fn()``, the peak resident memory above the start in MiB), Linux only: RSS sampled
    every millisecond by a thread. The allocator's retained free memory is handed back first
    (glibc ``malloc_trim``), so that an earlier run's freed blocks do not hide this one's."""
    import ctypes
    import gc
    import threading
    import time

    gc.collect()
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    base = _rss()
    peak = [base]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _rss())
            time.sleep(0.001)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out = fn()
    finally:
        stop.set()
        sampler.join()
    return out, (max(peak[0], _rss()) - base) / 2**20


def add_allocator_option(parser) -> None:
    """``--default-malloc``: leave glibc's adaptive thresholds for the comparison."""
    parser.add_argument(
        "--default-malloc",
        action="store_true",
        help="leave glibc's adaptive thresholds (the application fixes them at start)",
    )


def set_allocator(args) -> None:
    """Fix glibc's thresholds as the application does at start (``compute.allocator``), for
    both sides of a comparison alike, unless ``--default-malloc``; print which."""
    from compute import keep_freed_memory

    kept = not args.default_malloc and keep_freed_memory()
    print(f"glibc keeps freed memory (compute.allocator, as the application): {kept}")
