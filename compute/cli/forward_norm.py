"""The ``forward-norm`` command: ‖z_l‖/‖x‖ per layer of random residual stacks (seed 004).

Torch and the numerics are imported inside ``run`` so that ``--help`` stays fast."""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import TYPE_CHECKING, Any

from compute.cli.options import given_options
from compute.vocabulary import INIT_SCHEMES as SCHEME_NAMES

OVERFLOW_RATIO = 1e300
"""As ``compute.initlab.profile.OVERFLOW_RATIO``: a ratio at or above it has overflowed."""

if TYPE_CHECKING:
    from compute.initlab.profile import NormProfile
    from compute.initlab.sweep import NormSweepResult


def add_parser(sub: Any) -> None:
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


def _masked(values: Any, valid: Any) -> list[float | None]:
    """Per-layer values with null where they overflowed (never the cap 1e300 as a number)."""
    return [float(v) if ok else None for v, ok in zip(values, valid, strict=True)]


def _profile_json(profile: NormProfile) -> dict[str, Any]:
    """One scheme's profile; overflowed statistics are null and ``overflowed`` says so."""
    q, valid = profile.quantiles, profile.valid
    out: dict[str, Any] = {
        "per_layer_median": _masked(profile.median, valid[2]),
        "per_layer_q25": _masked(q[1], valid[1]),
        "per_layer_q75": _masked(q[3], valid[3]),
        "per_layer_q05": _masked(q[0], valid[0]),
        "per_layer_q95": _masked(q[4], valid[4]),
    }
    final = dataclasses.asdict(profile.final_ratio)
    out["final_ratio"] = {
        k: (None if isinstance(v, float) and not v < OVERFLOW_RATIO else v)
        for k, v in final.items()
    }
    out["overflowed"] = profile.overflow_layer is not None or not bool(valid[:, -1].all())
    out["overflow_layer"] = profile.overflow_layer
    out["first_overflow"] = profile.first_overflow
    if profile.mean_square_valid[-1]:
        out["mean_square_final"] = float(profile.mean_square[-1])
        out["mean_square_final_sem"] = float(profile.mean_square_sem[-1])
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
    return {"schemes": schemes} | meta  # one shape for one scheme and several


def _overflow_text(profile: NormProfile) -> str:
    layer = profile.overflow_layer
    return f"overflow at layer {layer}" if layer is not None else ""


def run(args: argparse.Namespace) -> int:
    """``forward-norm``: run a norm sweep and print its per-layer summary."""
    from compute.generators import drain
    from compute.initlab.config import NormSweepConfig
    from compute.initlab.sweep import norm_sweep, preset

    fields = {"width": "width", "depth": "depth", "activation": "activation"}
    fields |= {"matrices": "matrices", "trials": "trials", "seed": "seed", "input": "input"}
    fields |= {"gain": "gain", "normalize": "normalize"}
    overrides = given_options(args, fields)
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
