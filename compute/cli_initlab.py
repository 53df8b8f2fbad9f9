"""The initialization-lab commands of the CLI: ``forward-norm`` and ``near-identity``.

Registered by ``compute.cli``; torch and the numerics are imported inside the handlers so
that ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import TYPE_CHECKING, Any

from compute.cli_args import parse_floats
from compute.errors import LandscapeError

if TYPE_CHECKING:
    from compute.initlab import NormSweepResult
    from compute.near_identity import DepthSweepResult
    from compute.norm_profile import NormProfile

from compute.vocabulary import INIT_SCHEMES as SCHEME_NAMES


def add_commands(sub: Any) -> None:
    """Add ``forward-norm`` and ``near-identity`` to the CLI's subparsers."""
    p = sub.add_parser(
        "forward-norm", help="‖z_l‖/‖x‖ per layer of random residual stacks (seed 004)"
    )
    p.add_argument(
        "--scheme",
        default=None,
        metavar="NAME[,NAME]",
        help=f"initialization scheme(s): {', '.join(SCHEME_NAMES)} (default xavier)",
    )
    p.add_argument("--width", type=int, default=None, metavar="D")
    p.add_argument("--depth", type=int, default=None, metavar="L")
    p.add_argument("--activation", choices=("linear", "relu"), default=None)
    p.add_argument("--matrices", type=int, choices=(1, 2), default=None, help="per branch")
    p.add_argument("--trials", type=int, default=None, metavar="T")
    p.add_argument("--seed", type=int, default=None, metavar="S")
    p.add_argument("--input", choices=("ones", "random"), default=None)
    p.add_argument("--gain", type=float, default=None, help="weights N(0, gain/d); 2 = He")
    p.add_argument(
        "--normalize", action="store_true", default=None, help="branches read z·√d/‖z‖ (BN)"
    )
    p.add_argument("--backward", action="store_true", help="also ‖∂ℓ/∂z_l‖ per layer")
    p.add_argument("--preset", default=None, help="matlab (seed 004's loop) or batchnorm-beta")
    p.add_argument("--json", action="store_true")
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


def _given(args: argparse.Namespace, names: dict[str, str]) -> dict[str, Any]:
    """The options the user gave (not None), renamed to config fields."""
    return {
        field: getattr(args, opt) for opt, field in names.items() if getattr(args, opt) is not None
    }


def _profile_json(profile: NormProfile) -> dict[str, Any]:
    out: dict[str, Any] = {
        "per_layer_median": profile.median.tolist(),
        "per_layer_q25": profile.quantiles[1].tolist(),
        "per_layer_q75": profile.quantiles[3].tolist(),
        "per_layer_q05": profile.quantiles[0].tolist(),
        "per_layer_q95": profile.quantiles[4].tolist(),
        "final_ratio": dataclasses.asdict(profile.final_ratio),
    }
    if profile.mean_square_valid[-1]:
        out["mean_square_final"] = float(profile.mean_square[-1])
        out["mean_square_final_sem"] = float(profile.mean_square_sem[-1])
    if profile.overflow_layer is not None:
        out["overflow_layer"] = profile.overflow_layer
    if profile.first_overflow is not None:
        out["first_overflow"] = profile.first_overflow
    return out


def _sweep_json(result: NormSweepResult) -> dict[str, Any]:
    schemes = {}
    for s in result.schemes:
        entry = {"scheme": s.scheme, "alpha": s.scaling.alpha, "beta": s.scaling.beta}
        entry |= {"stds": list(s.scaling.stds)} | _profile_json(s.forward)
        if s.backward is not None:
            back = _profile_json(s.backward)
            back["input_ratio"] = {
                "median": float(s.backward.quantiles[2, 0]),
                "q25": float(s.backward.quantiles[1, 0]),
                "q75": float(s.backward.quantiles[3, 0]),
            }
            entry["backward"] = back
        schemes[s.scheme] = entry
    meta = {"config": dataclasses.asdict(result.config), "seconds": result.seconds}
    if result.marks:
        meta["marks"] = list(result.marks)
    if len(schemes) == 1:
        return next(iter(schemes.values())) | meta
    return {"schemes": schemes} | meta


def _overflow_text(profile: NormProfile) -> str:
    layer = profile.overflow_layer
    return f"overflow at layer {layer}" if layer is not None else ""


def cmd_forward_norm(args: argparse.Namespace) -> int:
    """``forward-norm``: run a norm sweep and print its per-layer summary."""
    from compute.generators import drain
    from compute.initlab import NormSweepConfig, norm_sweep, preset

    fields = {"width": "width", "depth": "depth", "activation": "activation"}
    fields |= {"matrices": "matrices", "trials": "trials", "seed": "seed", "input": "input"}
    fields |= {"gain": "gain", "normalize": "normalize"}
    overrides = _given(args, fields)
    if args.scheme is not None:
        overrides["schemes"] = tuple(s.strip() for s in args.scheme.split(","))
    if args.backward:
        overrides["backward"] = True
    marks: tuple[int, ...] = ()
    if args.preset is not None:
        chosen = preset(args.preset)
        config = dataclasses.replace(chosen.config, **overrides)
        marks = tuple(m for m in chosen.marks if m <= config.depth)
    else:
        config = NormSweepConfig(**({"schemes": ("xavier",)} | overrides))
    result = drain(norm_sweep(config, marks))
    if args.json:
        print(json.dumps(_sweep_json(result)))
        return 0
    print(f"{'scheme':8s} {'median ‖y‖/‖x‖':>15s} {'q25':>11s} {'q75':>11s}")
    for s in result.schemes:
        f = s.forward.final_ratio
        print(
            f"{s.scheme:8s} {f.median:15.4g} {f.q25:11.4g} {f.q75:11.4g} "
            f"{_overflow_text(s.forward)}"
        )
        if marks:
            at = ", ".join(f"{s.forward.median[m]:.3g}" for m in marks)
            print(f"{'':8s} median at layers {', '.join(map(str, marks))}: {at}")
        if s.backward is not None:
            g = s.backward.quantiles[:, 0]
            print(
                f"{'':8s} ‖∂ℓ/∂x‖ / ‖∂ℓ/∂y‖: median {g[2]:.4g} (q25 {g[1]:.4g}, q75 {g[3]:.4g}) "
                f"{_overflow_text(s.backward)}"
            )
    print(
        f"{config.trials} trials, width {config.width}, depth {config.depth}: "
        f"{result.seconds:.2f} s"
    )
    return 0


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


def cmd_near_identity(args: argparse.Namespace) -> int:
    """``near-identity``: train one net per depth and print the largest layer size per depth."""
    from compute.generators import drain
    from compute.near_identity import depth_sweep, preset

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
    overrides = _given(
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
