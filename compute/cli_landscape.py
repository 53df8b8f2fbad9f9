"""Commands on a landscape (a toy, or a network's slice): ``scenarios``, ``grid``,
``critical``, ``descend``."""

from __future__ import annotations

import argparse
import json
from typing import Any

import numpy as np
import torch

from compute.cli_args import parse_floats
from compute.cli_networks import (
    config_from,
    finite,
    landscape_from,
    plane_array,
    require_finite,
    thin,
)
from compute.cli_progress import drain_progress, run_with_progress
from compute.derivatives import gradient
from compute.descent import descend
from compute.errors import LandscapeError
from compute.grid import Window, check_resolution, evaluate_grid
from compute.landscape import Landscape
from compute.network_registry import NETWORKS
from compute.outputs import output_path, write_with
from compute.registry import SCENARIOS
from compute.vocabulary import STATUS_NAMES


def cmd_scenarios(args: argparse.Namespace) -> int:
    if args.json:
        entries = [s.to_json() for s in SCENARIOS.values()]
        entries += [s.to_json() for s in NETWORKS.values()]
        print(json.dumps({"scenarios": entries}, indent=2))
    else:
        for spec in SCENARIOS.values():
            print(f"{spec.id:20s} {spec.formula}")
        for net in NETWORKS.values():
            print(f"{net.id:20s} [network] {net.formula}")
    return 0


def cmd_grid(args: argparse.Namespace) -> int:
    target = output_path(args.out, (".npz",))
    if args.resolution is not None:
        check_resolution(args.resolution)
    landscape, window, meta, _ = landscape_from(args)
    resolution = (
        args.resolution if args.resolution is not None else 41 if landscape.is_slice else 256
    )
    shown = landscape.shown
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


def _full_grad_norms(landscape: Landscape, points: list[Any]) -> list[float | None]:
    """‖∇_θ F‖ of the full objective (with its L2 term) at θ(a, b) of each in-plane point."""
    if not landscape.is_slice or not points:
        return [None] * len(points)
    full = landscape.modes.apply(landscape.objective)
    theta = full.as_tensor(landscape.point(np.stack([p.point for p in points])))
    norms = torch.linalg.vector_norm(gradient(full.loss, theta), dim=-1)
    return [finite(float(v)) for v in norms.cpu()]


def cmd_critical(args: argparse.Namespace) -> int:
    from compute.critical import critical_points

    landscape, window, meta, _ = landscape_from(args)
    points = drain_progress(
        critical_points(landscape.map_objective, landscape.map_modes, Window(window)),
        "critical points",
    )
    full = _full_grad_norms(landscape, points)
    entries = []
    for p, g in zip(points, full, strict=True):
        entry = p.to_json()
        if landscape.is_slice:
            entry["full_grad_norm"] = g
        entries.append(entry)
    if args.json:
        print(json.dumps({**meta, "in_plane": landscape.is_slice, "points": entries}, indent=2))
        return 0
    for p, g in zip(points, full, strict=True):
        where = " (boundary)" if p.on_boundary else ""
        extra = f" [{len(p.members)}-point {p.nature} set]" if len(p.members) > 1 else ""
        full_text = "" if g is None else f" ‖∇_θF‖={g:.3g}"
        print(
            f"{p.kind:10s} at {np.round(p.point, 6).tolist()} F={p.loss:.6g} "
            f"eig={np.round(p.hessian_eigenvalues, 6).tolist()}{full_text}{where}{extra}"
        )
    return 0


def cmd_descend(args: argparse.Namespace) -> int:
    landscape, _, meta, _ = landscape_from(args)
    start = parse_floats(args.start, "--start")
    dim = landscape.map_objective.dim
    if len(start) != dim:
        names = ", ".join(landscape.map_objective.axis_names)
        raise LandscapeError(f"--start needs {dim} numbers ({names}), got {len(start)}")
    config = config_from(args, landscape.problem, args.steps)
    objective, modes = landscape.map_objective, landscape.map_modes
    run = descend(objective, modes, np.array([start]), config, yield_seconds=0.1)
    h = run_with_progress(run, config, "descent")
    final = h.final
    result = {
        **meta,
        "in_plane": landscape.is_slice,
        "final_point": final.theta[0].tolist(),
        "final_loss": finite(float(final.value[0])),
        "grad_norm": finite(float(h.grad_norm[-1, 0])),
        "projected_grad_norm": finite(float(h.projected[-1, 0])),
        "steps": int(final.stopped_at[0]),
        "status": STATUS_NAMES[int(final.status[0])],
    }
    path = thin(h.thetas[:, 0, :], args.trajectory)
    if path is not None:
        result["trajectory"] = path
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{result['status']} after {result['steps']} steps at {result['final_point']} "
            f"F={result['final_loss']:.6g} ‖∇F‖={result['grad_norm']:.3g}"
        )
    return 0


__all__ = ["cmd_critical", "cmd_descend", "cmd_grid", "cmd_scenarios", "parse_floats"]
