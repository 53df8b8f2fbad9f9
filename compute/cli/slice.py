"""The ``slice`` command: a network's loss (and accuracy) on a 2-D plane, written to ``.npz``."""

from __future__ import annotations

import argparse
import json
from typing import Any

from compute.cli.options import (
    optimizer_options,
    plane_options,
    scenario_options,
    scheduler_options,
    window_option,
)


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
    scheduler_options(p, resume=True)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from compute.cli.building import landscape_from, plane_array, require_finite
    from compute.cli.progress import drain_progress
    from compute.cli.scheduling import executor_from, kept_partial, scheduler_from
    from compute.cluster.resume import load_partial, partial_path, slice_identity
    from compute.errors import LandscapeError
    from compute.networks.problem import network_of
    from compute.networks.slice_tasks import SliceWork
    from compute.networks.slices import evaluate_slice
    from compute.outputs import output_path, write_with
    from compute.scenarios import scenario
    from compute.vocabulary import STATUS_NAMES

    target = output_path(args.out, (".npz",))
    scheduler_from(args)  # a bad address is refused before anything is built
    if not scenario(args.scenario).capabilities.sliced:
        raise LandscapeError(f"{args.scenario} is a toy: use grid (slice is for networks)")
    landscape, window, meta, history = landscape_from(args)
    problem, plane = landscape.problem, landscape.plane
    assert plane is not None
    if len(window) != 4:
        raise LandscapeError(f"--window needs 4 numbers AMIN,AMAX,BMIN,BMAX, got {len(window)}")
    network = network_of(problem)
    fields = SliceWork(network, plane, ("train", "test") if args.test else ("train",)).fields()
    identity = slice_identity(network, plane, window, (args.resolution,) * 2, fields)
    partial = partial_path(target)
    known = load_partial(partial, identity) if args.resume and partial.exists() else None
    with executor_from(args) as executor:
        gen = evaluate_slice(
            network, plane, window, args.resolution, args.test, executor=executor, known=known
        )
        sliced = drain_progress(
            kept_partial(gen, target, identity), "slice", lambda block: (block.done, block.total)
        )
    require_finite(sliced.values["loss"])
    meta |= {"resolution": args.resolution, "seed": int(problem.params["seed"])}
    meta["resumed_cells"] = 0 if known is None else int(known.evaluated.sum())
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
        "scheduler": args.scheduler or "this process",
        "resumed_cells": meta["resumed_cells"],
        "plane": plane.kind,
        "explained_variance": plane.explained_variance,
        "marks": dict(plane.marks),
        "references": meta["marks"],
    }
    if args.json:
        print(json.dumps(summary))
    return 0
