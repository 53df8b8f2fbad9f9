"""The ``grid`` command: F, ‖∇F‖ and the Hessian eigenvalues on a grid of a map (a toy's θ or
a network's slice), written to ``.npz``."""

from __future__ import annotations

import argparse
import json
from typing import Any

from compute.cli.options import (
    optimizer_options,
    plane_options,
    scenario_options,
    window_option,
)


def add_parser(sub: Any) -> None:
    p = sub.add_parser("grid", help="F, ‖∇F‖ and Hessian eigenvalues on a grid (of a slice)")
    scenario_options(p)
    window_option(p)
    plane_options(p)
    optimizer_options(p, "= --train-steps (training for the plane)")
    p.add_argument(
        "--resolution",
        type=int,
        default=None,
        metavar="N",
        help="samples per axis (default 256 for toys, 41 for networks)",
    )
    p.add_argument("--out", required=True, help="output .npz file")


def check(args: argparse.Namespace) -> None:
    """The output name, before torch loads (compute.outputs is torch-free)."""
    from compute.outputs import output_path

    output_path(args.out, (".npz",))


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from compute.cli.building import landscape_from, plane_array, require_finite
    from compute.cli.progress import drain_progress
    from compute.geometry.grid import Window, check_resolution, evaluate_grid
    from compute.outputs import output_path, write_with

    target = output_path(args.out, (".npz",))
    if args.resolution is not None:
        check_resolution(args.resolution)
    landscape, window, meta, _ = landscape_from(args)
    resolution = (
        args.resolution if args.resolution is not None else 41 if landscape.is_slice else 256
    )
    shown = landscape.map_objective
    grid = drain_progress(
        evaluate_grid(shown, Window(window), resolution, shown.chunk_points),
        "grid",
        lambda block: (block.stop, block.total),
    )
    require_finite(grid.values["loss"])
    meta |= {"resolution": resolution, "fields": "in the plane" if landscape.is_slice else "θ"}
    names = ("a", "b") if landscape.is_slice else ("x", "y")
    arrays: dict[str, Any] = dict(zip(names, grid.axes, strict=False)) | grid.values
    if landscape.plane is not None:
        arrays |= {f: plane_array(getattr(landscape.plane, f)) for f in ("origin", "d1", "d2")}
    arrays["metadata"] = np.array(json.dumps(meta))
    write_with(target, lambda fh: np.savez_compressed(fh, **arrays))
    return 0
