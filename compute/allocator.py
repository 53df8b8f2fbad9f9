"""glibc's malloc set up for a process that allocates and frees the same large tensors over and
over (every point of a map allocates each layer's activations afresh).

By default glibc serves an allocation above its mmap threshold (128 KiB, raised adaptively up
to the size of the largest chunk freed so far) with a fresh ``mmap``, and returns the top of
the heap to the system once more than the trim threshold (twice the mmap threshold) is free.
Whether a process ends up in the adaptive regime that reuses memory or in the one that maps
and faults in every tensor anew depends on its allocation history: the same BatchNorm CNN map
measured 1.8 or 5.0 ms per point in two runs of the same script on this machine (a page fault
per 4 KiB, costly in a virtual machine). ``keep_freed_memory`` fixes both thresholds high, so
freed tensors up to 64 MiB are reused from the heap and up to 256 MiB of free heap is kept:
1.7–1.8 ms per point in every run. The price is memory the process holds after a peak.

The application calls it at start; a script using ``compute`` may (the benchmarks do, for both
sides of a comparison alike). It is glibc's ``mallopt`` and does nothing elsewhere (macOS,
Windows, musl), where it returns False. No library exposes ``mallopt``, hence ctypes.
"""

from __future__ import annotations

import ctypes
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
"""glibc's ``mallopt`` parameter numbers (malloc.h)."""
MMAP_THRESHOLD = 64 << 20
TRIM_THRESHOLD = 256 << 20


def keep_freed_memory() -> bool:
    """Fix glibc's mmap threshold at 64 MiB and its trim threshold at 256 MiB (see the
    module's docstring); True where both were set."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
