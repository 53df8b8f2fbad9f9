"""The ``critical`` command: critical points of a map in its window (in the slice's plane)."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from compute.cli.grid_maps import add_basin_options, check_map
from compute.cli.options import (
    optimizer_options,
    plane_options,
    scenario_options,
    window_option,
)

if TYPE_CHECKING:
    from compute.landscapes.landscape import Landscape


def add_parser(sub: Any) -> None:
    p = sub.add_parser("critical", help="critical points in the window (in the slice's plane)")
    scenario_options(p)
    window_option(p)
    plane_options(p)
    optimizer_options(p, "= --train-steps (training for the plane)")
    p.add_argument("--json", action="store_true")
    add_basin_options(p)


def check(args: argparse.Namespace) -> None:
    """The basin map's file and ``--scheduler``, before torch loads."""
    from compute.cli.scheduling import scheduler_from

    check_map(args.basins)
    scheduler_from(args)


def _full_grad_norms(landscape: Landscape, points: list[Any]) -> list[float | None]:
    import numpy as np
    import torch

    from compute.cli.building import finite
    from compute.objectives.derivatives import gradient

    """‖∇_θ F‖ of the full objective (with its L2 term) at θ(a, b) of each in-plane point."""
    if not landscape.is_slice or not points:
        return [None] * len(points)
    full = landscape.modes.apply(landscape.objective)
    theta = full.as_tensor(landscape.point(np.stack([p.point for p in points])))
    norms = torch.linalg.vector_norm(gradient(full.loss, theta), dim=-1)
    return [finite(float(v)) for v in norms.cpu()]


def run(args: argparse.Namespace) -> int:
    from compute.cli.building import landscape_from
    from compute.cli.progress import drain_progress
    from compute.critical.search import critical_search
    from compute.geometry.grid import Window

    landscape, window, meta, _ = landscape_from(args)
    found = drain_progress(
        critical_search(landscape.map_objective, landscape.map_modes, Window(window)),
        "critical points",
    )
    points = list(found.points)
    full = _full_grad_norms(landscape, points)
    basins = None
    if args.basins is not None:
        from compute.cli.grid_maps import basin_map_command

        basins = basin_map_command(args, landscape, window, points, meta)
    entries = []
    for p, g in zip(points, full, strict=True):
        entry = p.to_json()
        if landscape.is_slice:
            entry["full_grad_norm"] = g
        entries.append(entry)
    if args.json:
        out = {**meta, "in_plane": landscape.is_slice, "points": entries}
        out |= {"unresolved": found.note} if found.note else {}
        print(json.dumps(out | ({"basins": basins} if basins else {}), indent=2))
        return 0
    import numpy as np

    for p, g in zip(points, full, strict=True):
        where = " (boundary)" if p.on_boundary else ""
        extra = f" [{len(p.members)}-point {p.nature} set]" if len(p.members) > 1 else ""
        full_text = "" if g is None else f" ‖∇_θF‖={g:.3g}"
        print(
            f"{p.kind:10s} at {np.round(p.point, 6).tolist()} F={p.loss:.6g} "
            f"eig={np.round(p.hessian_eigenvalues, 6).tolist()}{full_text}{where}{extra}"
        )
    if found.note:
        print(found.note)
    if basins:
        shares = ", ".join(f"{k} {100 * v:.0f}%" for k, v in basins["share"].items() if v > 0)
        print(f"basins ({basins['resolution']}² cells, {basins['scheduler']}): {shares}")
        print(f"  {basins['note']}; written to {basins['out']}")
    return 0
