"""The ``near-identity`` command: trained residual layers against depth (seeds 002, 003).

Torch and the numerics are imported inside ``run`` so that ``--help`` stays fast."""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import TYPE_CHECKING, Any

from compute.cli.options import given_options, parse_floats
from compute.errors import LandscapeError

if TYPE_CHECKING:
    from compute.initlab.near_identity import DepthSweepResult


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "near-identity", help="trained residual layers against depth (seeds 002, 003)"
    )
    p.add_argument("--kind", choices=("linear", "relu"), default=None)
    p.add_argument("--depths", default=None, metavar="M,M,...", help="e.g. 2,4,8,16,32,64")
    p.add_argument("--optimizer", choices=("gd", "adam"), default=None)
    p.add_argument("--lr", type=float, default=None, help="step size (÷ m for the GD presets)")
    p.add_argument("--steps", type=int, default=None, metavar="N")
    p.add_argument("--init-norm", type=float, default=None, help="‖A_i‖_F or ‖V_i‖_F at start")
    p.add_argument("--seed", type=int, default=None, metavar="S")
    p.add_argument("--preset", default=None, help="linear-gd, linear-adam, relu-gd or relu-adam")
    p.add_argument("--json", action="store_true")


def _depths_json(result: DepthSweepResult) -> dict[str, Any]:
    fits = [dataclasses.asdict(f) | {"layer_sizes": f.layer_sizes.tolist()} for f in result.fits]
    return {
        "label": result.label,
        "config": dataclasses.asdict(result.config),
        "depths": result.depths.tolist(),
        "max_layer_size": result.max_sizes.tolist(),
        "depth_times_max": result.scaled.tolist(),
        "references": {k: v.tolist() for k, v in result.references().items()},
        "baseline_loss": result.baseline,
        "fits": fits,
    }


def run(args: argparse.Namespace) -> int:
    """``near-identity``: train one net per depth and print the largest layer size per depth."""
    from compute.generators import drain
    from compute.initlab.near_identity import depth_sweep
    from compute.initlab.near_identity_config import preset

    kind, optimizer = args.kind, args.optimizer
    if args.preset is not None:
        base = preset(args.preset)
        for name, value in (("kind", kind), ("optimizer", optimizer)):
            if value is not None and value != getattr(base, name):
                raise LandscapeError(
                    f"--preset {args.preset} has {name} {getattr(base, name)}, not {value}"
                )
    else:
        base = preset(f"{kind or 'linear'}-{optimizer or 'gd'}")
    overrides = given_options(
        args, {"lr": "lr", "steps": "steps", "init_norm": "init_norm", "seed": "seed"}
    )
    if args.depths is not None:
        values = parse_floats(args.depths, "--depths")
        if any(v != int(v) for v in values):
            raise LandscapeError(f"--depths {args.depths!r} must be whole numbers")
        overrides["depths"] = tuple(int(v) for v in values)
    config = dataclasses.replace(base, **overrides)
    result = drain(depth_sweep(config))
    if args.json:
        print(json.dumps(_depths_json(result)))
        return 0
    print(result.label)
    print(f"{'m':>4s} {'max‖h_i − Id‖':>14s} {'m·max':>8s} {'loss':>10s}  status")
    for f in result.fits:
        print(
            f"{f.depth:4d} {f.max_size:14.4g} {f.depth * f.max_size:8.3f} {f.loss:10.4g}  "
            f"{f.status} after {f.steps} steps"
        )
    return 0
