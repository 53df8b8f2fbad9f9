"""The ``slice`` command: a network's loss (and accuracy) on a 2-D plane, written to ``.npz``,
the reference tool's ``.h5`` (with its direction file beside it) or VTK (``.vts``, ``.vtp``)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from compute.cli.options import (
    optimizer_options,
    plane_options,
    scenario_options,
    scheduler_options,
    window_option,
)

OUTPUTS = (".npz", ".h5", ".vts", ".vtp")


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "slice",
        help="a network's loss (and accuracy) on a 2-D plane",
        description="The suffix of --out chooses the file: .npz (grid, plane, trajectory), .h5 "
        "(the reference tool loss-landscape's surface layout, with NAME.directions.h5 beside "
        "it), .vts (a VTK structured grid for ParaView) or .vtp (VTK polydata: the surface "
        "and the training run as a line).",
    )
    scenario_options(p)
    window_option(p)
    plane_options(p)
    p.set_defaults(plane=None)
    p.add_argument(
        "--directions",
        default=None,
        metavar="FILE.h5",
        help="instead of --plane: the reference tool's direction file (xdirection, "
        "ydirection), around --center; refused unless its tensors match the model's blocks",
    )
    optimizer_options(p, "= --train-steps (training for the plane)")
    p.add_argument("--resolution", type=int, default=41, metavar="N")
    p.add_argument("--test", action="store_true", help="also the test loss (and accuracy)")
    p.add_argument("--out", required=True, help=f"output file ({', '.join(OUTPUTS)})")
    p.add_argument("--json", action="store_true", help="print a summary as JSON")
    scheduler_options(p, resume=True)


def directions_name(target: Path) -> Path:
    """Where ``slice --out NAME.h5`` writes the plane's direction file: NAME.directions.h5."""
    return target.with_name(target.stem + ".directions.h5")


def _directions_landscape(
    args: argparse.Namespace,
) -> tuple[Any, Any, tuple[float, ...], dict[str, Any]]:
    """The problem, the reference tool's plane from ``--directions`` and the window/metadata."""
    from compute.cli.building import caveats, problem_from
    from compute.cli.options import parse_floats
    from compute.errors import LandscapeError
    from compute.formats.directions import plane_from_directions

    if args.plane is not None:
        raise LandscapeError("give --plane or --directions, not both")
    problem = problem_from(args)
    if not problem.capabilities.sliced:
        raise LandscapeError(f"{problem.id} is a toy: direction files are for networks")
    center = args.center or "init"
    if center == "final":
        raise LandscapeError("--directions centres on init or a named point (not final)")
    origin = None if center == "init" else problem.reference(center)
    plane = plane_from_directions(problem, args.directions, origin)
    window = parse_floats(args.window, "--window") if args.window else plane.window
    if len(window) != 4:
        raise LandscapeError(f"--window needs 4 numbers AMIN,AMAX,BMIN,BMAX, got {len(window)}")
    meta: dict[str, Any] = {
        "scenario": problem.id,
        "params": dict(problem.params),
        "modes": "plain",
        "window": list(window),
        "warnings": caveats(problem),
        "plane": {
            "kind": "directions",
            "seed": None,
            "description": f"the reference tool's directions from {Path(args.directions).name} "
            f"around {center}",
        },
    }
    return problem, plane, window, meta


def check(args: argparse.Namespace) -> None:
    """The output name, before torch loads (compute.outputs is torch-free)."""
    from compute.outputs import output_path

    output_path(args.out, OUTPUTS)


def run(args: argparse.Namespace) -> int:
    # Long by design: the command's checks before any work, its three outputs (.npz, the reference
    # tool's .h5, VTK) and its summary share one set of locals.
    import numpy as np

    from compute.cli.building import landscape_from, plane_array, require_finite, scenario_id
    from compute.cli.progress import drain_progress
    from compute.cli.scheduling import executor_from, kept_partial, scheduler_from
    from compute.cluster.resume import load_partial, partial_path, slice_identity
    from compute.errors import LandscapeError
    from compute.networks.slice_tasks import SliceWork
    from compute.networks.sliced import network_of
    from compute.networks.slices import evaluate_slice, reference_marks
    from compute.outputs import output_path, write_with
    from compute.scenarios import scenario
    from compute.vocabulary import STATUS_NAMES

    target = output_path(args.out, OUTPUTS)
    suffix = target.suffix.lower()
    scheduler_from(args)  # a bad address is refused before anything is built
    sid = scenario_id(args)
    if not scenario(sid).capabilities.sliced:
        raise LandscapeError(f"{sid} is a toy: use grid (slice is for networks)")
    history = None
    if args.directions is not None:
        problem, plane, window, meta = _directions_landscape(args)
        meta["marks"] = reference_marks(network_of(problem), plane)
    else:
        if args.plane is None:
            raise LandscapeError("choose a plane: --plane KIND or --directions FILE.h5")
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
    meta |= {"resolution": args.resolution, "seed": int(problem.params.get("seed", 0))}
    meta["resumed_cells"] = 0 if known is None else int(known.evaluated.sum())
    meta["training"] = (
        None
        if history is None
        else {
            "status": STATUS_NAMES[int(history.final.status[0])],
            "steps": int(history.final.stopped_at[0]),
        }
    )
    proj = None if history is None else plane.project(history.thetas[:, 0, :])
    files = [target]
    if suffix == ".npz":
        arrays: dict[str, Any] = {"a": sliced.axes[0], "b": sliced.axes[1], **sliced.values}
        arrays |= {f: plane_array(getattr(plane, f)) for f in ("origin", "d1", "d2")}
        if proj is not None:
            arrays |= {"trajectory_coords": proj.coords, "trajectory_distance": proj.distance}
        arrays["metadata"] = np.array(json.dumps(meta))
        write_with(target, lambda fh: np.savez_compressed(fh, **arrays))
    else:
        files = _write_exchange(target, sliced, plane, problem, meta, proj)
    loss = sliced.values["loss"]
    ok = loss[np.isfinite(loss)]
    summary = {
        "out": str(target),
        "files": [str(f) for f in files],
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


def _write_exchange(
    target: Path, sliced: Any, plane: Any, problem: Any, meta: dict[str, Any], proj: Any
) -> list[Path]:
    """The slice as the reference tool's ``.h5`` (+ direction file) or as VTK."""
    from compute.formats.directions import write_reference_directions
    from compute.formats.reference import reference_fields, write_reference_surface
    from compute.formats.surface import Surface, SurfacePath
    from compute.formats.vtk import write_vtk
    from compute.outputs import output_path

    paths = () if proj is None else (SurfacePath("training run", "#E69F00", proj.coords),)
    fields = reference_fields(sliced.values)
    surface = Surface(sliced.axes[0], sliced.axes[1], fields, paths, meta)
    if target.suffix.lower() == ".h5":
        beside = output_path(directions_name(target), (".h5",))
        layout = problem.layout
        write_reference_directions(beside, plane.d1, plane.d2, layout)
        write_reference_surface(target, surface, dir_file=beside.name)
        return [target, beside]
    write_vtk(target, surface, "train_loss")
    return [target]
