"""Reading a file a user names, safely (torch-free: the command line checks session files with it
before torch loads)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from compute.errors import LandscapeError, short

MAX_BYTES = 64 << 20
"""Largest session file read (a 2-million-parameter plane's vectors take ~32 MB)."""


def check_regular(source: Path, what: str = "session") -> None:
    """Refuse a path that is missing or no regular file, without opening it."""
    try:
        mode = os.stat(source).st_mode
    except OSError as exc:
        raise LandscapeError(
            f"cannot open {what} {short(str(source), 80)}: {exc.strerror}"
        ) from None
    if not stat.S_ISREG(mode):
        raise LandscapeError(
            f"{short(str(source), 80)} is not a regular file (a device, FIFO or folder)"
        )


def read_capped(source: Path, limit: int = MAX_BYTES, what: str = "session") -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; a LandscapeError for anything
    else. A FIFO, a device (``/dev/zero``) or a folder is refused before a byte is read (opened
    non-blocking, so a FIFO with no writer does not hang), and never more than ``limit + 1``
    bytes are read, whatever the file claims."""
    try:
        fd = os.open(source, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise LandscapeError(
            f"cannot open {what} {short(str(source), 80)}: {exc.strerror}"
        ) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise LandscapeError(
                f"{short(str(source), 80)} is not a regular file (a device, FIFO or folder)"
            )
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise LandscapeError(
            f"cannot read {what} {short(str(source), 80)}: {exc.strerror}"
        ) from None
    finally:
        os.close(fd)
    if size > limit:
        raise LandscapeError(f"{source.name} is larger than {limit >> 20} MB")
    return b"".join(chunks)
