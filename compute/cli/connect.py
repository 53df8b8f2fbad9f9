"""The ``connect`` command: a path between two points (line, aligned line, nudged elastic band,
Bezier curve), its loss profile, barrier and highest point with its Hessian index."""

from __future__ import annotations

import argparse
import json
from typing import IO, TYPE_CHECKING, Any

from compute.cli.options import scenario_options

if TYPE_CHECKING:
    import torch

    from compute.networks.sliced import SlicedProblem
    from compute.objectives.modes import Modes

METHOD_NAMES = ("line", "aligned", "neb", "bezier")
ENDS_HELP = (
    "toys: a point X,Y of the map (--from=-1,2); networks: init, teacher (or another "
    "reference), final (trained from init), init:S / final:S (the scenario's θ₀ with seed S, "
    "and trained from it on this data), or a .npy file holding θ"
)


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "connect", help="a path between two points: line, aligned line, elastic band, Bezier"
    )
    scenario_options(p)
    p.add_argument("--from", dest="from_point", required=True, metavar="A", help=ENDS_HELP)
    p.add_argument("--to", dest="to_point", required=True, metavar="B", help="as --from")
    p.add_argument("--method", choices=METHOD_NAMES, default="line")
    p.add_argument("--images", type=int, default=9, metavar="K", help="movable band images")
    p.add_argument(
        "--steps", type=int, default=None, metavar="N", help="band or curve-training steps"
    )
    p.add_argument("--points", type=int, default=33, help="profile points of a line or curve")
    p.add_argument("--lr", type=float, default=None, help="band or curve step size")
    p.add_argument(
        "--spring",
        type=float,
        default=0.3,
        help="the band's spring constant, in units of the largest initial gradient per spacing",
    )
    p.add_argument("--no-climb", action="store_true", help="band without climbing image")
    p.add_argument("--align", action="store_true", help="align B to A by the symmetries first")
    p.add_argument(
        "--path-batch", type=int, default=128, metavar="B", help="curve minibatch (0: full)"
    )
    p.add_argument(
        "--train-steps", type=int, default=500, metavar="N", help="steps to train a `final` end"
    )
    p.add_argument("--optimizer", default="adam", help="the optimizer that trains `final` ends")
    p.add_argument("--batch-size", type=int, default=0, metavar="B", help="its minibatch")
    p.add_argument("--out", default=None, help="write the path: .npz or .json")
    p.add_argument("--json", action="store_true", help="print the profile and barrier as JSON")


def _trained(
    problem: SlicedProblem, modes: Modes, start: torch.Tensor, args: argparse.Namespace, seed: int
) -> torch.Tensor:
    import torch

    from compute.cli.progress import run_with_progress
    from compute.dynamics.descent import descend
    from compute.dynamics.optimizers import RunConfig
    from compute.scenarios import scenario

    config = RunConfig.for_optimizer(
        args.optimizer,
        scenario(problem.id).default_lr,
        steps=args.train_steps,
        batch_size=args.batch_size or None,
        seed=seed,
    )
    run = descend(problem.objective(), modes, start[None, :], config, yield_seconds=0.1)
    history = run_with_progress(run, config, f"training from seed {seed}")
    return torch.as_tensor(history.thetas[-1, 0, :], dtype=problem.dtype)


def _network_end(
    problem: SlicedProblem, modes: Modes, name: str, args: argparse.Namespace
) -> torch.Tensor:
    """θ of an end's name (see ENDS_HELP)."""
    import numpy as np

    from compute.cli.progress import drain_progress
    from compute.errors import LandscapeError, short
    from compute.scenarios import scenario

    if name.endswith(".npy"):
        try:
            theta = np.load(name, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise LandscapeError(f"cannot read θ from {short(name)}: {exc}") from None
        return problem.as_theta(np.asarray(theta, dtype=float).reshape(-1))
    kind, colon, seed_text = name.partition(":")
    seed = int(problem.params.get("seed", 0))
    if colon:
        if kind not in ("init", "final") or not seed_text.isdigit():
            raise LandscapeError(f"end {short(name)} must be init:S or final:S with a seed S ≥ 0")
        seed = int(seed_text)
        other = dict(problem.params) | {"seed": seed}
        built = drain_progress(
            scenario(problem.id).problem_stream(other, str(problem.device)), "building"
        )
        start = built.init
        assert start is not None
        start = start.to(problem.device, problem.dtype)
    elif kind == "final":
        start = problem.init
    else:
        return problem.reference(name).to(problem.device, problem.dtype)
    return _trained(problem, modes, start, args, seed) if kind == "final" else start


def _write(path: str, result: Any) -> None:
    import numpy as np

    from compute.outputs import output_path, write_with

    target = output_path(path, (".npz", ".json"))
    if target.suffix.lower() == ".json":
        text = json.dumps(result.to_json(with_nodes=True)).encode("utf-8")

        def write_text(fh: IO[bytes]) -> None:
            fh.write(text)

        write_with(target, write_text)
        return
    arrays: dict[str, Any] = {"nodes": result.nodes, "control": result.control, "t": result.t}
    arrays["distance"] = result.distance
    arrays |= {f"profile_{k}": v for k, v in result.profile.items()}
    summary = result.to_json()
    summary.pop("profile")
    arrays["metadata"] = np.array(json.dumps(summary))
    write_with(target, lambda fh: np.savez_compressed(fh, **arrays))


def run(args: argparse.Namespace) -> int:
    from compute.cli.building import modes_from, problem_from
    from compute.cli.options import parse_floats
    from compute.cli.progress import drain_progress
    from compute.errors import LandscapeError
    from compute.networks.sliced import network_of
    from compute.outputs import output_path
    from compute.paths.connect import connect
    from compute.paths.result import PathRequest

    request = PathRequest(
        args.method,
        images=args.images,
        steps=args.steps,
        points=args.points,
        climbing=not args.no_climb,
        align=args.align,
        spring=args.spring,
        lr=args.lr,
        batch_size=args.path_batch,
        seed=args.seed or 0,
    )
    request.check()
    if args.out is not None:
        output_path(args.out, (".npz", ".json"))  # refuse a bad name before any work
    if args.train_steps < 1:
        raise LandscapeError("--train-steps must be at least 1")
    problem = problem_from(args)
    modes = modes_from(args, problem)
    if problem.capabilities.sliced:
        net = network_of(problem)
        a = _network_end(net, modes, args.from_point, args)
        b = _network_end(net, modes, args.to_point, args)
    else:
        a = problem.as_theta(parse_floats(args.from_point, "--from"))
        b = problem.as_theta(parse_floats(args.to_point, "--to"))
    result = drain_progress(
        connect(problem, modes, a, b, request, (args.from_point, args.to_point)),
        f"{args.method} path",
        lambda s: (int(1000 * s.fraction), 1000),
    )
    if args.out is not None:
        _write(args.out, result)
    summary = result.to_json()
    summary["modes"] = modes.describe()
    summary["params"] = dict(problem.params)
    if args.json:
        print(json.dumps(summary))
    else:
        s = result.saddle
        print(
            f"{args.method}: barrier {result.barrier.max_end:.6g} (minus the mean of the ends "
            f"{result.barrier.mean_end:.6g}); highest F {s.loss:.6g} at t = {s.t:.3g}, "
            f"Hessian index {s.index}{'' if s.index_exact else '+'}"
        )
    return 0
