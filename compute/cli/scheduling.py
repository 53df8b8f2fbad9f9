"""``--scheduler`` and ``--resume`` on the command line: the address checked before anything
heavy loads, the cluster connected for the command's lifetime, a partial grid kept while a
slice runs and removed when it completes."""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from compute.cli.options import one_line
from compute.cluster.address import SchedulerAddress, parse_scheduler
from compute.errors import LandscapeError

SAVE_SECONDS = 5.0
"""How often a running slice writes its partial grid."""


def scheduler_from(args: argparse.Namespace) -> SchedulerAddress | None:
    """The parsed ``--scheduler`` (None: this process); a plain tcp:// warning as one line."""
    text = getattr(args, "scheduler", None)
    tls = [getattr(args, f, None) for f in ("tls_ca_file", "tls_cert", "tls_key")]
    if text is None:
        if any(tls):
            raise LandscapeError("--tls-ca-file, --tls-cert and --tls-key need --scheduler tls://…")
        return None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        address = parse_scheduler(text)
    for w in caught:
        print(f"landscape-explorer: warning: {one_line(str(w.message))}", file=sys.stderr)
    return address


@contextmanager
def executor_from(args: argparse.Namespace) -> Iterator[Any]:
    """None (this process) or a ``DaskExecutor`` on ``--scheduler``, closed on exit."""
    address = scheduler_from(args)
    if address is None:
        yield None
        return
    from compute.cluster import TlsFiles, connect

    tls = None
    if args.tls_ca_file or args.tls_cert:
        if not (args.tls_ca_file and args.tls_cert):
            raise LandscapeError("tls:// needs both --tls-ca-file and --tls-cert")
        tls = TlsFiles(args.tls_ca_file, args.tls_cert, args.tls_key)
    with connect(address, tls) as connection:
        yield connection.executor()


def kept_partial(
    gen: Generator[Any, None, Any], out: Path, identity: Any
) -> Generator[Any, None, Any]:
    """Re-yield a slice's blocks, writing its partial grid beside ``out`` every few seconds
    and when the run stops early (an error, Ctrl+C); removed once the slice is complete."""
    from compute.cluster.resume import partial_of, partial_path, save_partial

    path, last, block, saved = partial_path(out), time.monotonic(), None, None
    try:
        while True:
            try:
                item = next(gen)
            except StopIteration as stop:
                path.unlink(missing_ok=True)
                return stop.value
            block = item
            if time.monotonic() - last >= SAVE_SECONDS:
                save_partial(path, identity, partial_of(block.values, block.evaluated))
                last, saved = time.monotonic(), block
            yield item
    except BaseException:
        if block is not None and block is not saved and block.evaluated.any():
            save_partial(path, identity, partial_of(block.values, block.evaluated))
            print(
                f"landscape-explorer: kept {int(block.evaluated.sum())} of {block.total} "
                f"cells in {path}: add --resume to finish them",
                file=sys.stderr,
            )
        raise
    finally:
        gen.close()
