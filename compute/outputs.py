"""Writing output files safely: the name asked for, complete or not at all."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from compute.errors import LandscapeError, short


def output_path(path: str | Path, suffixes: tuple[str, ...]) -> Path:
    """The target of an export, checked before any work is done.

    Refuses an empty name, a directory, a name without one of ``suffixes`` (no suffix is
    silently added), an existing target that is not a regular file (``/dev/full``), and a
    folder that does not exist: each with a one-line LandscapeError.
    """
    text = str(path)
    target = Path(text).expanduser()
    if not text.strip() or not target.name or text.endswith(("/", os.sep)):
        raise LandscapeError(f"output name {short(text)} is empty: give a file name")
    if target.is_dir():
        raise LandscapeError(f"{short(text)} is a folder: give a file name inside it")
    if target.suffix.lower() not in suffixes:
        raise LandscapeError(f"cannot write {short(target.name)}: use {', '.join(suffixes)}")
    if target.exists() and not target.is_file():
        raise LandscapeError(f"{short(text)} exists and is not a regular file")
    if not target.parent.is_dir():
        raise LandscapeError(f"folder {short(str(target.parent))} does not exist")
    return target


def _file_mode(target: Path) -> int:
    """The permissions a plain ``open(target, "w")`` would give: the existing file's, or
    0666 less the process's umask (read from /proc where possible: ``os.umask`` can only be
    read by setting it, which races with other threads)."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        pass
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o644


@contextmanager
def atomic_write(target: Path, mode: str = "wb") -> Iterator[IO[bytes] | IO[str]]:
    """Write to a temporary file beside ``target`` and rename it over ``target`` on success.

    A failure (full disk, no permission) leaves no partial or empty file and raises a
    one-line LandscapeError naming the path and the reason.
    """
    fd = -1
    tmp = ""
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        os.fchmod(fd, _file_mode(target))  # mkstemp's files are private (0600)
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as fh:
            fd = -1
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        tmp = ""
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise LandscapeError(f"cannot write {short(str(target))}: {reason}") from None
    finally:
        if fd >= 0:
            os.close(fd)
        if tmp:
            Path(tmp).unlink(missing_ok=True)


def write_with(target: Path, writer: Callable[[IO[bytes]], None]) -> Path:
    """``writer(fh)`` into ``target`` atomically (binary)."""
    with atomic_write(target) as fh:
        writer(fh)  # type: ignore[arg-type]
    return target
