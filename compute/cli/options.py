"""What every command shares on its command line: option groups and the parsing of compound
arguments (cheap to import: ``--help`` and argument errors answer before torch loads)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from typing import Any

from compute.errors import LandscapeError
from compute.vocabulary import ALIASES, OPTIMIZERS, PLANE_KINDS, TRAJECTORY_MODES


def parse_floats(text: str, what: str) -> tuple[float, ...]:
    """``"1.5,-2"`` → (1.5, −2.0); refuses empty items and non-finite values."""
    try:
        values = tuple(float(item) for item in text.split(","))
    except ValueError:
        raise LandscapeError(f"{what} {text!r} must be comma-separated numbers") from None
    if not all(math.isfinite(v) for v in values):
        raise LandscapeError(f"{what} {text!r} must be finite numbers (no NaN or inf)")
    return values


def parse_sets(items: Sequence[str]) -> dict[str, str]:
    """``["a=1", "b=x"]`` (repeated ``--set``) → {"a": "1", "b": "x"}."""
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise LandscapeError(f"--set {item!r} must look like NAME=VALUE")
        out[name.strip()] = value.strip()
    return out


def scenario_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", nargs="?", default=None, help="scenario id (see `scenarios`)")
    p.add_argument(
        "--model",
        default=None,
        metavar="FILE.py:FUNC",
        help="your own model instead of a scenario: a function returning "
        "dict(model=..., train=(x, y), loss=...) (see `new-model`); runs that file's code",
    )
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


def optimizer_options(p: argparse.ArgumentParser, steps_help: str) -> None:
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


def plane_options(
    p: argparse.ArgumentParser | argparse._ArgumentGroup,
    required: bool = False,
    train_steps: bool = True,
) -> None:
    """``--plane``, ``--points``, ``--center`` and (unless the command has its own)
    ``--train-steps``."""
    p.add_argument(
        "--plane",
        choices=PLANE_KINDS,
        default=None,
        required=required,
        help="networks: the slice's plane (default random)",
    )
    p.add_argument(
        "--points",
        default=None,
        metavar="A,B,C",
        help="three points for --plane points (init, final, teacher, …; default "
        "init,final,teacher)",
    )
    p.add_argument(
        "--center",
        default=None,
        help="centre of a random or eigenvector plane: init (default), final, teacher",
    )
    if train_steps:
        p.add_argument(
            "--train-steps",
            type=int,
            default=None,
            metavar="N",
            help="steps of the run a plane needs (pca, final; default 500)",
        )


def window_option(p: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    p.add_argument(
        "--window",
        default=None,
        metavar="XMIN,XMAX[,YMIN,YMAX]",
        help="axis ranges (default: the scenario's or plane's); --window=-3,3,-3,3",
    )


def trajectory_option(p: argparse.ArgumentParser, default: str = "thin") -> None:
    p.add_argument(
        "--trajectory",
        choices=TRAJECTORY_MODES,
        default=default,
        help="path in the JSON output: none, thin (≤ 1000 points) or full",
    )


def one_line(text: str, limit: int = 500) -> str:
    """``text`` as one printable line: control characters and line breaks a user typed (a
    form feed in an argument) shown escaped (``\\x0c``), at most ``limit`` characters."""
    shown = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def given_options(args: argparse.Namespace, names: dict[str, str]) -> dict[str, Any]:
    """The options the user gave (not None), renamed to config fields."""
    return {
        field: getattr(args, opt) for opt, field in names.items() if getattr(args, opt) is not None
    }


def scheduler_options(p: argparse.ArgumentParser, resume: bool = False) -> None:
    """Where grid work runs (``--scheduler``, TLS certificates) and, for commands that write a
    grid, ``--resume`` from the partial grid a stopped run left beside its output."""
    g = p.add_argument_group("where the grid is computed (Dask: pip install '.[cluster]')")
    g.add_argument(
        "--scheduler",
        default=None,
        metavar="local:N|tcp://HOST:PORT|tls://HOST:PORT",
        help="run the grid's tasks on a Dask cluster: N local worker processes (on 127.0.0.1) "
        "or an existing scheduler (default: this process)",
    )
    g.add_argument("--tls-ca-file", default=None, metavar="PEM", help="tls://: the cluster's CA")
    g.add_argument("--tls-cert", default=None, metavar="PEM", help="tls://: this client's cert")
    g.add_argument("--tls-key", default=None, metavar="PEM", help="tls://: its key (if apart)")
    if resume:
        g.add_argument(
            "--resume",
            action="store_true",
            help="continue from OUT.partial.npz (left by a stopped run of the same grid): "
            "compute only the missing cells",
        )
