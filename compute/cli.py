"""The headless command line: ``landscape-explorer scenarios|grid|critical|descend|train|slice``.

A thin layer over ``compute``: parse, run, print JSON. Every user error ends as one line on
stderr and exit status 2; nothing a user types produces a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import numpy as np

from compute import cli_networks
from compute.cli_args import parse_floats, parse_sets
from compute.critical import critical_points
from compute.errors import LandscapeError
from compute.generators import drain
from compute.grid import Window, evaluate_grid
from compute.modes import Modes, parse_constraint
from compute.network_registry import NETWORKS
from compute.objective import Objective
from compute.optimizers import OPTIMIZERS, STATUS_NAMES, OptimizerConfig, trajectory
from compute.registry import SCENARIOS, ScenarioSpec, scenario

PROG = "landscape-explorer"
GuiLauncher = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line (and exit 2) instead of usage + error."""

    def error(self, message: str) -> NoReturn:
        if "expected one argument" in message:
            message += " (negative numbers need the = form: --start=-1,2, --window=-3,3,-3,3)"
        raise LandscapeError(message)


def _landscape_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="scenario id (see `scenarios`)")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a scenario parameter (repeatable)",
    )
    p.add_argument(
        "--l2", type=float, default=0.0, metavar="LAMBDA", help="add (LAMBDA/2)·‖θ‖² to the loss"
    )
    p.add_argument(
        "--constraint",
        default=None,
        metavar="ball:R|box:R",
        help="restrict θ to ‖θ‖₂ ≤ R (ball) or |θ_i| ≤ R (box)",
    )
    p.add_argument(
        "--window",
        default=None,
        metavar="XMIN,XMAX[,YMIN,YMAX]",
        help="axis ranges (default: the scenario's); use --window=-3,3,-3,3",
    )


def build_parser(gui: GuiLauncher | None = None) -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Explore the loss landscapes of residual-net theory.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("scenarios", help="list the scenarios")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("grid", help="evaluate F, ‖∇F‖ and Hessian eigenvalues on a grid")
    _landscape_options(p)
    p.add_argument("--resolution", type=int, default=256, metavar="N")
    p.add_argument("--out", required=True, help="output .npz file")
    p = sub.add_parser("critical", help="find and classify the critical points in the window")
    _landscape_options(p)
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("descend", help="run an optimizer from a start point")
    _landscape_options(p)
    p.add_argument("--start", required=True, metavar="X[,Y]", help="use --start=-1.5,-1")
    p.add_argument("--optimizer", choices=OPTIMIZERS, default="gd")
    p.add_argument("--lr", type=float, default=None, help="step size (default per optimizer)")
    p.add_argument("--momentum", type=float, default=None, metavar="BETA")
    p.add_argument("--steps", type=int, default=None, metavar="N")
    p.add_argument("--json", action="store_true")
    cli_networks.add_commands(sub)
    if gui is not None:
        p = sub.add_parser("gui", help="open the explorer window")
        p.add_argument("session", nargs="?", default=None, help="a session .json to open")
        p.set_defaults(gui=gui)
    return parser


def _landscape(args: argparse.Namespace) -> tuple[ScenarioSpec, Objective, Modes, Window]:
    spec = scenario(args.scenario)
    objective = spec.objective(parse_sets(args.set))
    modes = Modes(l2=args.l2, constraint=parse_constraint(args.constraint))
    bounds = parse_floats(args.window, "--window") if args.window else spec.window
    window = Window(bounds)
    if window.dim != spec.dim:
        raise LandscapeError(
            f"{spec.id} needs a window of {2 * spec.dim} numbers, got {len(bounds)}"
        )
    return spec, objective, modes, window


def _metadata(
    args: argparse.Namespace, spec: ScenarioSpec, modes: Modes, window: Window
) -> dict[str, Any]:
    return {
        "scenario": spec.id,
        "params": spec.resolve(parse_sets(args.set)),
        "modes": modes.describe(),
        "window": list(window.bounds),
    }


def _cmd_scenarios(args: argparse.Namespace) -> int:
    if args.json:
        toys = [s.to_json() for s in SCENARIOS.values()]
        nets = [s.to_json() for s in NETWORKS.values()]
        print(json.dumps({"scenarios": toys + nets}, indent=2))
    else:
        for spec in SCENARIOS.values():
            print(f"{spec.id:20s} {spec.formula}")
        for net in NETWORKS.values():
            print(f"{net.id:20s} [network] {net.formula}")
    return 0


def _cmd_grid(args: argparse.Namespace) -> int:
    spec, objective, modes, window = _landscape(args)
    grid = drain(evaluate_grid(modes.apply(objective), window, args.resolution))
    meta = _metadata(args, spec, modes, window) | {"resolution": args.resolution}
    arrays: dict[str, Any] = dict(zip(("x", "y"), grid.axes, strict=False))
    arrays |= grid.values | {"metadata": json.dumps(meta)}
    try:
        np.savez_compressed(args.out, **arrays)
    except OSError as exc:
        raise LandscapeError(f"cannot write {args.out}: {exc.strerror}") from None
    return 0


def _cmd_critical(args: argparse.Namespace) -> int:
    spec, objective, modes, window = _landscape(args)
    points = drain(critical_points(objective, modes, window))
    if args.json:
        print(
            json.dumps(
                {
                    "scenario": spec.id,
                    **_metadata(args, spec, modes, window),
                    "points": [p.to_json() for p in points],
                },
                indent=2,
            )
        )
    else:
        for p in points:
            where = " (boundary)" if p.on_boundary else ""
            extra = f" [{len(p.members)}-point {p.nature} set]" if len(p.members) > 1 else ""
            print(
                f"{p.kind:10s} θ={np.round(p.point, 6).tolist()} F={p.loss:.6g} "
                f"eig={np.round(p.hessian_eigenvalues, 6).tolist()}{where}{extra}"
            )
    return 0


def _cmd_descend(args: argparse.Namespace) -> int:
    spec, objective, modes, _ = _landscape(args)
    start = parse_floats(args.start, "--start")
    if len(start) != spec.dim:
        raise LandscapeError(f"{spec.id} has {spec.dim} parameters; --start has {len(start)}")
    config = OptimizerConfig.for_optimizer(
        args.optimizer, lr=args.lr, momentum=args.momentum, steps=args.steps
    )
    final, path = trajectory(objective, modes, np.array(start), config)
    status = STATUS_NAMES[int(final.status[0])]
    result = {
        "final_point": final.theta[0].tolist(),
        "final_loss": float(final.loss[0]),
        "grad_norm": float(final.grad_norm[0]),
        "steps": int(final.stopped_at[0]),
        "status": status,
        "trajectory": path.tolist(),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{status} after {result['steps']} steps at θ={result['final_point']} "
            f"F={result['final_loss']:.6g} ‖∇F‖={result['grad_norm']:.3g}"
        )
    return 0


COMMANDS = {
    "scenarios": _cmd_scenarios,
    "grid": _cmd_grid,
    "critical": _cmd_critical,
    "descend": _cmd_descend,
    "train": cli_networks.cmd_train,
    "slice": cli_networks.cmd_slice,
}


def main(argv: Sequence[str] | None = None, gui: GuiLauncher | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 2 user error, 1 unexpected failure)."""
    try:
        args = build_parser(gui).parse_args(argv)
        if args.command == "gui":
            return int(args.gui(args))
        return COMMANDS[args.command](args)
    except LandscapeError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: one readable line, never a traceback
        print(f"{PROG}: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
