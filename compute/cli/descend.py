"""The ``descend`` command: one optimizer run from a start point of the map."""

from __future__ import annotations

import argparse
import json
from typing import Any

from compute.cli.options import (
    optimizer_options,
    plane_options,
    scenario_options,
    trajectory_option,
    window_option,
)


def add_parser(sub: Any) -> None:
    p = sub.add_parser("descend", help="run an optimizer from a start point (in a slice's plane)")
    scenario_options(p)
    window_option(p)
    plane_options(p)
    optimizer_options(p, "steps of the descent")
    p.add_argument(
        "--start",
        required=True,
        metavar="X[,Y]",
        help="θ (toys) or (a, b) on the plane (networks); --start=-1.5,-1",
    )
    trajectory_option(p)
    p.add_argument("--json", action="store_true")


def _shown(value: float | None, spec: str) -> str:
    return "overflow" if value is None else format(value, spec)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from compute.cli.building import (
        config_from,
        finite,
        landscape_from,
        require_finite_at,
        thin,
    )
    from compute.cli.options import parse_floats
    from compute.cli.progress import run_with_progress
    from compute.dynamics.descent import descend
    from compute.errors import LandscapeError
    from compute.vocabulary import STATUS_NAMES

    landscape, _, meta, _ = landscape_from(args)
    start = parse_floats(args.start, "--start")
    dim = landscape.map_objective.dim
    if len(start) != dim:
        names = ", ".join(landscape.map_objective.axis_names)
        raise LandscapeError(f"--start needs {dim} numbers ({names}), got {len(start)}")
    config = config_from(args, landscape.problem, args.steps)
    objective, modes = landscape.map_objective, landscape.map_modes
    require_finite_at(objective, start, f"--start={args.start}")
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
            f"F={_shown(result['final_loss'], '.6g')} ‖∇F‖={_shown(result['grad_norm'], '.3g')}"
        )
    return 0
