"""The headless command line: ``landscape-explorer SUBCOMMAND``.

A thin layer over ``compute``: parse, run, print JSON. The parser imports nothing heavy, so
``--help`` and argument errors answer at once; each command imports what it needs. Every user
error ends as one line on stderr and exit status 2; nothing a user types produces a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import warnings
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any, NoReturn

from compute.cli.checks import check_early
from compute.cli.confirm import Answers
from compute.cli.options import one_line
from compute.errors import LandscapeError
from compute.outputs import remove_temporaries

PROG = "landscape-explorer"
GuiLauncher = Callable[[argparse.Namespace], int]
COMMANDS = {
    "scenarios": "scenarios",
    "grid": "grid",
    "critical": "critical",
    "descend": "descend",
    "train": "train",
    "slice": "slice",
    "import-surface": "import_surface",
    "hessian": "hessian",
    "connect": "connect",
    "forward-norm": "forward_norm",
    "near-identity": "near_identity",
    "render": "render",
    "gallery": "gallery",
    "new-model": "new_model",
}
"""Command → its module in ``compute.cli``: ``add_parser(sub)`` (cheap: nothing heavy is
imported) and ``run(args) -> exit status`` (imports what the command needs)."""


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


def build_parser(gui: GuiLauncher | None = None) -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Explore the loss landscapes of residual-net theory.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument(
        "--verbose", action="store_true", help="print the traceback of your own model's code"
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for module in COMMANDS.values():
        _command(module).add_parser(sub)
    for command in sub.choices.values():
        command.add_argument(
            "--yes",
            action="store_true",
            help="go on with long work without asking (a terminal is asked when the time left "
            "after the first seconds exceeds a minute)",
        )
    if gui is not None:
        p = sub.add_parser("gui", help="open the explorer window")
        p.add_argument("session", nargs="?", default=None, help="a session .json to open")
        p.add_argument(
            "--model",
            default=None,
            metavar="FILE.py:FUNC",
            help="open your own model (a function returning dict(model=, train=, loss=))",
        )
        p.set_defaults(gui=gui)
    return parser


def _command(module: str) -> Any:
    return importlib.import_module(f"compute.cli.{module}")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("landscape-explorer")
    except PackageNotFoundError:
        return "unknown"


def argv_verbose(argv: Sequence[str] | None) -> bool:
    """Whether ``--verbose`` was given (before the command)."""
    words = sys.argv[1:] if argv is None else list(argv)
    return "--verbose" in words[: next((i for i, w in enumerate(words) if w in COMMANDS), None)]


class Terminated(BaseException):
    """SIGTERM (``timeout``, a batch system's kill): unwinds like Ctrl+C, so every temporary
    file is removed on the way out (not an Exception: nothing catches it by accident)."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def _on_sigterm() -> Any:
    """Install the SIGTERM handler (main thread only); returns the previous one."""
    try:
        return signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread (an embedding application): leave it alone
        return None


def main(argv: Sequence[str] | None = None, gui: GuiLauncher | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 2 user error, 1 unexpected failure,
    130 Ctrl+C, 143 SIGTERM: both leave no temporary or partial file)."""
    previous = _on_sigterm()
    try:
        return _main(argv, gui)
    finally:
        remove_temporaries()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main(argv: Sequence[str] | None, gui: GuiLauncher | None) -> int:
    try:
        args = build_parser(gui).parse_args(argv)
        if args.command == "gui":
            return int(args.gui(args))
        module = _command(COMMANDS[args.command])
        Answers.yes = bool(args.yes)
        check_early(args)  # torch-free: a typo answers before any heavy import
        if hasattr(module, "check"):
            module.check(args)
        with warnings.catch_warnings():
            # overflow in a far corner of a window is reported in the output (NaN, inf,
            # "diverged"), not as numpy's multi-line RuntimeWarning on stderr
            warnings.simplefilter("ignore", RuntimeWarning)
            return int(module.run(args))
    except LandscapeError as exc:
        print(f"{PROG}: error: {one_line(str(exc))}", file=sys.stderr)
        details = getattr(exc, "details", "")
        if details and argv_verbose(argv):
            print(details, file=sys.stderr, end="")
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print(f"{PROG}: terminated", file=sys.stderr)
        return 143
    except BrokenPipeError:  # the reader went away (… | head): nothing more to say
        sys.stderr.close()
        return 0
    except Exception as exc:  # the last line of defence: one readable line, never a traceback
        print(
            f"{PROG}: internal error: {type(exc).__name__}: {one_line(str(exc))}", file=sys.stderr
        )
        return 1
