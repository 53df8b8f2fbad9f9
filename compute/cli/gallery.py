"""The ``gallery`` command: every gallery figure (resources/sessions and the lab's sweeps) to
PDF and PNG."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "gallery",
        help="render every gallery figure (resources/sessions and the lab's sweeps) to PDF and PNG",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="an existing folder")
    p.add_argument("--only", default=None, metavar="NAME[,NAME]", help="these entries only")
    p.add_argument("--dpi", type=int, default=150, help="PNG resolution")
    p.add_argument("--list", action="store_true", help="list the entries and exit")
    p.add_argument("--json", action="store_true")


def check(args: argparse.Namespace) -> None:
    """``--only`` names something, ``--out`` is a writable folder, the dpi is in range."""
    import os
    from pathlib import Path

    from compute.errors import LandscapeError
    from compute.figures.venues import check_dpi

    check_dpi(args.dpi)
    if args.only is not None and not [n for n in args.only.split(",") if n.strip()]:
        raise LandscapeError("--only needs entry names (see --list); leave it out for all")
    if args.list:
        return
    folder = Path(args.out).expanduser()
    if not folder.is_dir():
        raise LandscapeError(f"folder {str(folder)[:60]!r} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise LandscapeError(f"folder {str(folder)[:60]!r} is not writable")


def run(args: argparse.Namespace) -> int:
    """``gallery``: every gallery entry (or ``--only``) to DIR/NAME.pdf and NAME.png."""
    from compute.figures.gallery import ENTRIES, GalleryProgress, gallery

    if args.list:
        for e in ENTRIES:
            print(f"{e.name:28s} {e.caption}")
        return 0
    from compute.cli.progress import drain_progress
    from compute.figures.venues import check_dpi

    check_dpi(args.dpi)
    names = (
        [n.strip() for n in args.only.split(",") if n.strip()] if args.only is not None else None
    )
    start = time.perf_counter()
    last = [(0, 1)]

    def done(item: object) -> tuple[int, int]:
        """Entries done (in thousandths); a scene's own progress keeps the entry's place."""
        if isinstance(item, GalleryProgress):
            last[0] = (int(1000 * (item.index + item.fraction)), 1000 * item.total)
        return last[0]

    results = drain_progress(gallery(args.out, names, args.dpi), "gallery", done)
    total = time.perf_counter() - start
    if args.json:
        entries = [
            {"name": r.name, "files": [str(f) for f in r.files], "seconds": r.seconds}
            for r in results
        ]
        print(json.dumps({"entries": entries, "seconds": total}))
        return 0
    for r in results:
        print(
            f"{r.name:28s} {r.seconds:6.1f} s  "
            + ", ".join(f.name for f in r.files if f.suffix != ".json")
        )
    print(f"{len(results)} figures in {total:.1f} s")
    return 0
