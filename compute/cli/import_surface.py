"""The ``import-surface`` command: the reference tool's surface ``.h5`` → a read-only surface
file the explorer and ``render`` show, with the values as computed there."""

from __future__ import annotations

import argparse
import json
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "import-surface",
        help="bring in a surface .h5 of the reference tool (loss-landscape) to show and render",
        description="Reads xcoordinates, ycoordinates and every field of that grid (train_loss, "
        "train_acc in percent, test_loss, test_acc, …) from FILE.h5 and writes them, unchanged, "
        "to a surface file (JSON) that `render` and the explorer (File ▸ Import ▸ Surface…) "
        "show read-only (the explorer also opens FILE.h5 itself).",
    )
    p.add_argument("file", metavar="FILE.h5", help="the reference tool's surface file")
    p.add_argument("--out", required=True, help="output surface file (.json)")
    p.add_argument("--json", action="store_true", help="print what was read as JSON")


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from compute.formats.imported import save_surface
    from compute.formats.reference import read_reference_surface
    from compute.outputs import output_path

    target = output_path(args.out, (".json",))
    surface = read_reference_surface(args.file)
    save_surface(target, surface)
    summary = {
        "out": str(target),
        "shape": [len(surface.y), len(surface.x)],
        "window": list(surface.window),
        "fields": {
            k: {
                "min": float(np.nanmin(v)) if np.isfinite(v).any() else None,
                "max": float(np.nanmax(v)) if np.isfinite(v).any() else None,
            }
            for k, v in surface.fields.items()
        },
        "not_computed": dict(surface.meta.get("not_computed", {})),
        "sha256": surface.meta["sha256"],
    }
    if args.json:
        print(json.dumps(summary))
    else:
        names = ", ".join(surface.fields)
        print(f"wrote {target} ({len(surface.y)}×{len(surface.x)}: {names})")
    return 0
