"""Writing output files safely: the name asked for, complete or not at all.

Every file is written to a hidden temporary file beside its target and renamed over it when
complete; ``one_unit()`` makes several files (a figure and its sidecar, a gallery entry's set)
appear together or not at all. Temporary files still on disk are known (``remove_temporaries``):
the command line removes them when it is stopped by SIGTERM as by Ctrl+C.

Policy for existing targets: a regular file is replaced unless it is read-only (refused, its
mode never changed); a symbolic link is written through (the file it points to is replaced,
the link stays); anything else (a device, a FIFO, a folder) is refused.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import IO

from compute.errors import LandscapeError, short

NAME_MAX = 255
"""Longest file name (bytes) on the usual file systems (ext4, XFS, APFS, NTFS in UTF-16 units)."""

_LIVE: set[str] = set()
"""Temporary files on disk now (written, not yet renamed or removed)."""
_PENDING: ContextVar[list[tuple[str, Path]] | None] = ContextVar("pending_outputs", default=None)


def output_path(path: str | Path, suffixes: tuple[str, ...]) -> Path:
    """The target of an export, checked before any work is done.

    Refuses an empty name, a name that is not valid UTF-8 or longer than NAME_MAX bytes, a
    directory, a name without one of ``suffixes`` (no suffix is silently added), an existing
    target that is not a regular file (``/dev/full``) or is read-only, and a folder that does
    not exist or cannot be written: each with a one-line LandscapeError. A symbolic link is
    followed: the path returned is the file it points to (written through, the link stays).
    """
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise LandscapeError(f"output name {ascii(text)[:60]} is not valid UTF-8") from None
    target = Path(text).expanduser()
    if not text.strip() or not target.name or text.endswith(("/", os.sep)):
        raise LandscapeError(f"output name {short(text)} is empty: give a file name")
    if len(target.name.encode("utf-8")) > NAME_MAX:
        raise LandscapeError(f"output name {short(target.name)} is longer than {NAME_MAX} bytes")
    try:
        if target.is_symlink():
            target = Path(os.path.realpath(target))
            if len(target.name.encode("utf-8")) > NAME_MAX:
                raise LandscapeError(f"{short(text)} links to a name that is too long")
        if target.is_dir():
            raise LandscapeError(f"{short(text)} is a folder: give a file name inside it")
        if target.suffix.lower() not in suffixes:
            raise LandscapeError(f"cannot write {short(target.name)}: use {', '.join(suffixes)}")
        if target.exists():
            mode = target.stat().st_mode
            if not stat.S_ISREG(mode):
                raise LandscapeError(f"{short(text)} exists and is not a regular file")
            if not mode & 0o222:
                raise LandscapeError(f"{short(text)} is read-only: it is not replaced")
        if not target.parent.is_dir():
            raise LandscapeError(f"folder {short(str(target.parent))} does not exist")
        if not os.access(target.parent, os.W_OK | os.X_OK):
            raise LandscapeError(f"folder {short(str(target.parent))} is not writable")
    except OSError as err:  # a path too long for the system, a loop of links
        reason = err.strerror or type(err).__name__
        raise LandscapeError(f"cannot write {short(text)}: {reason}") from None
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


def temporary_beside(target: Path, suffix: str = ".tmp") -> str:
    """A new empty hidden file beside ``target`` (``.NAME.XXXX.tmp``), registered as live
    until ``commit`` or ``discard``; its permissions are what ``target`` will have."""
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=suffix)
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise LandscapeError(f"cannot write {short(str(target))}: {reason}") from None
    _LIVE.add(tmp)
    try:
        os.fchmod(fd, _file_mode(target))  # mkstemp's files are private (0600)
    finally:
        os.close(fd)
    return tmp


def discard(tmp: str) -> None:
    """Remove a temporary file (whether or not it is still there)."""
    Path(tmp).unlink(missing_ok=True)
    _LIVE.discard(tmp)


def commit(tmp: str, target: Path) -> None:
    """Rename ``tmp`` over ``target`` now, or at the end of the enclosing ``one_unit``."""
    pending = _PENDING.get()
    if pending is not None:
        pending.append((tmp, target))
        return
    try:
        os.replace(tmp, target)
    except OSError as err:
        discard(tmp)
        reason = err.strerror or type(err).__name__
        raise LandscapeError(f"cannot write {short(str(target))}: {reason}") from None
    _LIVE.discard(tmp)


@contextmanager
def one_unit() -> Iterator[None]:
    """Files written inside appear together when the block ends, or none of them does (an
    error, Ctrl+C or SIGTERM inside removes every temporary file). Nested units join the
    outer one."""
    if _PENDING.get() is not None:
        yield
        return
    pending: list[tuple[str, Path]] = []
    token = _PENDING.set(pending)
    reset = False
    try:
        yield
        _PENDING.reset(token)
        reset = True
        try:
            while pending:
                tmp, target = pending[0]
                os.replace(tmp, target)
                _LIVE.discard(tmp)
                pending.pop(0)
        except OSError as err:
            reason = err.strerror or type(err).__name__
            raise LandscapeError(f"cannot write {short(str(pending[0][1]))}: {reason}") from None
    finally:
        if not reset:
            _PENDING.reset(token)
        for tmp, _ in pending:
            discard(tmp)


def remove_temporaries() -> None:
    """Remove every temporary file still on disk (the command line's SIGTERM clean-up)."""
    for tmp in list(_LIVE):
        discard(tmp)


@contextmanager
def atomic_write(target: Path, mode: str = "wb") -> Iterator[IO[bytes] | IO[str]]:
    """Write to a temporary file beside ``target`` and rename it over ``target`` on success
    (inside ``one_unit``: when the unit ends).

    A failure (full disk, no permission) leaves no partial or empty file and raises a
    one-line LandscapeError naming the path and the reason.
    """
    tmp = temporary_beside(target)
    done = False
    try:
        encoding = None if "b" in mode else "utf-8"
        with open(tmp, mode, encoding=encoding) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        done = True
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise LandscapeError(f"cannot write {short(str(target))}: {reason}") from None
    finally:
        if not done:
            discard(tmp)
    commit(tmp, target)


def write_with(target: Path, writer: Callable[[IO[bytes]], None]) -> Path:
    """``writer(fh)`` into ``target`` atomically (binary)."""
    with atomic_write(target) as fh:
        writer(fh)  # type: ignore[arg-type]
    return target
