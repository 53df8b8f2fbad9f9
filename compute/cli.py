"""The headless command line: ``landscape-explorer SUBCOMMAND``.

A thin layer over ``compute``: parse, run, print JSON. The parser imports nothing heavy, so
``--help`` and argument errors answer at once; each command imports what it needs. Every user
error ends as one line on stderr and exit status 2; nothing a user types produces a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import NoReturn

from compute.errors import LandscapeError
from compute.vocabulary import ALIASES, OPTIMIZERS, PLANE_KINDS, TRAJECTORY_MODES

PROG = "landscape-explorer"
GuiLauncher = Callable[[argparse.Namespace], int]
COMMANDS = {
    "scenarios": "compute.cli_landscape:cmd_scenarios",
    "hessian": "compute.cli_hessian:cmd_hessian",
    "forward-norm": "compute.cli_initlab:cmd_forward_norm",
    "near-identity": "compute.cli_initlab:cmd_near_identity",
    "grid": "compute.cli_landscape:cmd_grid",
    "critical": "compute.cli_landscape:cmd_critical",
    "descend": "compute.cli_landscape:cmd_descend",
    "train": "compute.cli_train:cmd_train",
    "slice": "compute.cli_networks:cmd_slice",
    "render": "compute.cli_figures:cmd_render",
    "gallery": "compute.cli_figures:cmd_gallery",
}
"""Command → "module:function" of its handler, imported only when the command runs."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line (and exit 2) instead of usage + error."""

    def error(self, message: str) -> NoReturn:
        if "expected one argument" in message:
            message += " (negative numbers need the = form: --start=-1,2, --window=-3,3,-3,3)"
        if message.endswith("required: command"):  # also when only an unknown option was given
            commands = [
                name
                for action in self._actions
                if isinstance(action, argparse._SubParsersAction)
                for name in action.choices
            ]
            message = f"choose a command first, one of: {', '.join(commands)} (see --help)"
        raise LandscapeError(message)


def scenario_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="scenario id (see `scenarios`)")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a scenario parameter (repeatable)",
    )
    p.add_argument(
        "--seed", type=int, default=None, help="networks: = --set seed=S; also the minibatch order"
    )
    p.add_argument(
        "--l2", type=float, default=0.0, metavar="LAMBDA", help="add (LAMBDA/2)·‖θ‖² to the loss"
    )
    p.add_argument(
        "--constraint",
        default=None,
        metavar="ball:R|box:R|ball:R@BLOCKS",
        help="restrict θ to ‖θ‖₂ ≤ R (ball) or |θ_i| ≤ R (box); networks: @w,v restricts "
        "only those parameter blocks (Shamir's Theorem 4: ball:1@w,v), and F_lin with them",
    )
    p.add_argument("--device", default="cpu", help="networks: cpu or cuda")


def _optimizer_options(p: argparse.ArgumentParser, steps_help: str) -> None:
    p.add_argument(
        "--optimizer",
        choices=[*OPTIMIZERS, *ALIASES],
        default=None,
        help="default: gd for toys, adam for networks",
    )
    p.add_argument("--lr", type=float, default=None, help="step size (default per optimizer)")
    p.add_argument("--momentum", type=float, default=None, metavar="BETA")
    p.add_argument(
        "--batch-size",
        type=int,
        default=0,
        metavar="B",
        help="networks: minibatch size (0: full batch)",
    )
    p.add_argument("--steps", type=int, default=None, metavar="N", help=steps_help)


def _plane_options(p: argparse.ArgumentParser, required: bool = False) -> None:
    p.add_argument(
        "--plane",
        choices=PLANE_KINDS,
        default=None if required else "random",
        required=required,
        help="networks: the slice's plane",
    )
    p.add_argument(
        "--points",
        default="init,final,teacher",
        metavar="A,B,C",
        help="three points for --plane points (init, final, teacher, …)",
    )
    p.add_argument(
        "--center",
        default="init",
        help="centre of a random or eigenvector plane: init, final, teacher",
    )
    p.add_argument(
        "--train-steps",
        type=int,
        default=None,
        metavar="N",
        help="steps of the run a plane needs (pca, final; default 500)",
    )


def _window_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--window",
        default=None,
        metavar="XMIN,XMAX[,YMIN,YMAX]",
        help="axis ranges (default: the scenario's or plane's); --window=-3,3,-3,3",
    )


def build_parser(gui: GuiLauncher | None = None) -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Explore the loss landscapes of residual-net theory.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("scenarios", help="list the scenarios")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("grid", help="F, ‖∇F‖ and Hessian eigenvalues on a grid (of a slice)")
    scenario_options(p)
    _window_option(p)
    _plane_options(p)
    _optimizer_options(p, "= --train-steps (training for the plane)")
    p.add_argument(
        "--resolution",
        type=int,
        default=None,
        metavar="N",
        help="samples per axis (default 256 for toys, 41 for networks)",
    )
    p.add_argument("--out", required=True, help="output .npz file")
    p = sub.add_parser("critical", help="critical points in the window (in the slice's plane)")
    scenario_options(p)
    _window_option(p)
    _plane_options(p)
    _optimizer_options(p, "= --train-steps (training for the plane)")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("descend", help="run an optimizer from a start point (in a slice's plane)")
    scenario_options(p)
    _window_option(p)
    _plane_options(p)
    _optimizer_options(p, "steps of the descent")
    p.add_argument(
        "--start",
        required=True,
        metavar="X[,Y]",
        help="θ (toys) or (a, b) on the plane (networks); --start=-1.5,-1",
    )
    _trajectory_option(p)
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("train", help="train a network scenario in its full parameter space")
    scenario_options(p)
    _optimizer_options(p, "training steps (default 1000)")
    _trajectory_option(p, "none")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("slice", help="a network's loss (and accuracy) on a 2-D plane")
    scenario_options(p)
    _window_option(p)
    _plane_options(p, required=True)
    _optimizer_options(p, "= --train-steps (training for the plane)")
    p.add_argument("--resolution", type=int, default=41, metavar="N")
    p.add_argument("--test", action="store_true", help="also the test loss (and accuracy)")
    p.add_argument("--out", required=True, help="output .npz file")
    p.add_argument("--json", action="store_true", help="print a summary as JSON")
    from compute import cli_figures, cli_hessian, cli_initlab  # parsers only (no heavy imports)

    cli_hessian.add_hessian_parser(sub)
    cli_initlab.add_commands(sub)
    cli_figures.add_commands(sub)
    if gui is not None:
        p = sub.add_parser("gui", help="open the explorer window")
        p.add_argument("session", nargs="?", default=None, help="a session .json to open")
        p.set_defaults(gui=gui)
    return parser


def _trajectory_option(p: argparse.ArgumentParser, default: str = "thin") -> None:
    p.add_argument(
        "--trajectory",
        choices=TRAJECTORY_MODES,
        default=default,
        help="path in the JSON output: none, thin (≤ 1000 points) or full",
    )


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("landscape-explorer")
    except PackageNotFoundError:
        return "unknown"


def _handler(command: str) -> Callable[[argparse.Namespace], int]:
    module, _, name = COMMANDS[command].partition(":")
    handler: Callable[[argparse.Namespace], int] = getattr(importlib.import_module(module), name)
    return handler


def one_line(text: str, limit: int = 500) -> str:
    """``text`` as one printable line: control characters and line breaks a user typed (a
    form feed in an argument) shown escaped (``\\x0c``), at most ``limit`` characters."""
    shown = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def main(argv: Sequence[str] | None = None, gui: GuiLauncher | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 2 user error, 1 unexpected failure)."""
    try:
        args = build_parser(gui).parse_args(argv)
        if args.command == "gui":
            return int(args.gui(args))
        with warnings.catch_warnings():
            # overflow in a far corner of a window is reported in the output (NaN, inf,
            # "diverged"), not as numpy's multi-line RuntimeWarning on stderr
            warnings.simplefilter("ignore", RuntimeWarning)
            return _handler(args.command)(args)
    except LandscapeError as exc:
        print(f"{PROG}: error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (… | head): nothing more to say
        sys.stderr.close()
        return 0
    except Exception as exc:  # the last line of defence: one readable line, never a traceback
        print(
            f"{PROG}: internal error: {type(exc).__name__}: {one_line(str(exc))}", file=sys.stderr
        )
        return 1
