"""The ``slice`` command: a network's loss (and accuracy) on a 2-D plane, written to ``.npz``."""

from __future__ import annotations

import argparse
import json
from typing import Any

from compute.cli.options import optimizer_options, plane_options, scenario_options, window_option


def add_parser(sub: Any) -> None:
    p = sub.add_parser("slice", help="a network's loss (and accuracy) on a 2-D plane")
    scenario_options(p)
    window_option(p)
    plane_options(p, required=True)
    optimizer_options(p, "= --train-steps (training for the plane)")
    p.add_argument("--resolution", type=int, default=41, metavar="N")
    p.add_argument("--test", action="store_true", help="also the test loss (and accuracy)")
    p.add_argument("--out", required=True, help="output .npz file")
    p.add_argument("--json", action="store_true", help="print a summary as JSON")


def check(args: argparse.Namespace) -> None:
    """The output name, before torch loads (compute.outputs is torch-free)."""
    from compute.outputs import output_path

    output_path(args.out, (".npz",))


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from compute.cli.building import landscape_from, plane_array, require_finite
    from compute.cli.progress import drain_progress
    from compute.errors import LandscapeError
    from compute.networks.problem import network_of
    from compute.networks.slices import evaluate_slice
    from compute.outputs import output_path, write_with
    from compute.scenarios import scenario
    from compute.vocabulary import STATUS_NAMES

    target = output_path(args.out, (".npz",))
    if not scenario(args.scenario).capabilities.sliced:
        raise LandscapeError(f"{args.scenario} is a toy: use grid (slice is for networks)")
    landscape, window, meta, history = landscape_from(args)
    problem, plane = landscape.problem, landscape.plane
    assert plane is not None
    if len(window) != 4:
        raise LandscapeError(f"--window needs 4 numbers AMIN,AMAX,BMIN,BMAX, got {len(window)}")
    sliced = drain_progress(
        evaluate_slice(network_of(problem), plane, window, args.resolution, include_test=args.test),
        "slice",
        lambda block: (block.done, block.total),
    )
    require_finite(sliced.values["loss"])
    meta |= {"resolution": args.resolution, "seed": int(problem.params["seed"])}
    meta["training"] = (
        None
        if history is None
        else {
            "status": STATUS_NAMES[int(history.final.status[0])],
            "steps": int(history.final.stopped_at[0]),
        }
    )
    arrays: dict[str, Any] = {"a": sliced.axes[0], "b": sliced.axes[1], **sliced.values}
    arrays |= {f: plane_array(getattr(plane, f)) for f in ("origin", "d1", "d2")}
    if history is not None:
        proj = plane.project(history.thetas[:, 0, :])
        arrays |= {"trajectory_coords": proj.coords, "trajectory_distance": proj.distance}
    arrays["metadata"] = np.array(json.dumps(meta))
    write_with(target, lambda fh: np.savez_compressed(fh, **arrays))
    loss = sliced.values["loss"]
    ok = loss[np.isfinite(loss)]
    summary = {
        "out": str(target),
        "shape": list(loss.shape),
        "loss_min": float(ok.min()) if ok.size else None,
        "loss_max": float(ok.max()) if ok.size else None,
        "non_finite": int((~np.isfinite(loss)).sum()),
        "seconds": sliced.seconds,
        "plane": plane.kind,
        "explained_variance": plane.explained_variance,
        "marks": dict(plane.marks),
        "references": meta["marks"],
    }
    if args.json:
        print(json.dumps(summary))
    return 0
