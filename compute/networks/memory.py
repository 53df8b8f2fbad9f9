"""Whether a model fits this machine's memory: the one size check of built-in networks and
users' models alike (there is no fixed parameter cap).

The tools hold a few parameter-sized vectors at once besides the data: θ, two model copies,
the plane's directions, an optimizer's state; 4 · n · 8 bytes for n float32 parameters is
the budget, and together with the data it may take at most MEMORY_SHARE of the free memory.
"""

from __future__ import annotations

import os

from compute.errors import LandscapeError

MEMORY_SHARE = 0.5
"""A model and its evaluation set may take at most this share of the machine's free memory."""


def free_memory() -> int:
    """Bytes of physical memory free now (2⁴⁰ where the system does not say)."""
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 1 << 40


def check_memory(dim: int, data: int, hint: str) -> None:
    """Refuse a model of ``dim`` parameters and ``data`` bytes of data that need more than
    MEMORY_SHARE of the free memory; ``hint`` says what the user can change."""
    need = 4 * dim * 8 + data  # θ, two model copies, directions, optimizer state + the data
    free = free_memory()
    if need > MEMORY_SHARE * free:
        raise LandscapeError(
            f"the model ({dim:,} parameters) and its data need about {need / 2**30:.1f} GiB, "
            f"more than half of the {free / 2**30:.1f} GiB free: {hint}"
        )
