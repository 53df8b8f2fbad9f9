"""The network commands of the CLI: ``train`` and ``slice`` (registered by ``compute.cli``)."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

import numpy as np
import torch

from compute.cli_args import parse_floats, parse_sets
from compute.errors import LandscapeError
from compute.generators import drain
from compute.modes import Modes, parse_constraint
from compute.network import NetworkProblem, resolve_device
from compute.network_registry import network
from compute.planes import Plane, pca_plane, random_plane, three_point_plane
from compute.slices import evaluate_slice
from compute.training import TRAIN_OPTIMIZERS, TrainConfig, TrainResult, train

PLANES = ("random", "pca", "points")


def _network_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="network scenario id (see `scenarios`)")
    p.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="scenario parameter"
    )
    p.add_argument("--seed", type=int, default=None, help="= --set seed=S; also the batch order")
    p.add_argument("--optimizer", choices=TRAIN_OPTIMIZERS, default="adam")
    p.add_argument("--lr", type=float, default=None, help="step size (default per optimizer)")
    p.add_argument("--momentum", type=float, default=None, metavar="BETA")
    p.add_argument("--batch-size", type=int, default=0, metavar="B", help="0: full batch")
    p.add_argument("--l2", type=float, default=0.0, metavar="LAMBDA")
    p.add_argument("--constraint", default=None, metavar="ball:R|box:R")
    p.add_argument("--device", default="cpu", help="cpu or cuda")


def add_commands(sub: Any) -> None:
    """Add ``train`` and ``slice`` to the CLI's subparsers."""
    p = sub.add_parser("train", help="train a network scenario")
    _network_options(p)
    p.add_argument("--steps", type=int, default=1000, metavar="N")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("slice", help="evaluate a network's loss on a 2-D plane")
    _network_options(p)
    p.add_argument("--plane", choices=PLANES, required=True)
    p.add_argument(
        "--points",
        default="init,final,teacher",
        metavar="A,B,C",
        help="three point names for --plane points (init, final, teacher, …)",
    )
    p.add_argument("--center", default="init", help="centre of a random plane (a point name)")
    p.add_argument(
        "--steps",
        type=int,
        default=500,
        metavar="N",
        help="training steps when the plane needs the final weights or a trajectory",
    )
    p.add_argument("--resolution", type=int, default=41, metavar="N")
    p.add_argument(
        "--window",
        default=None,
        metavar="AMIN,AMAX,BMIN,BMAX",
        help="(default: the plane's); use --window=-1,1,-1,1",
    )
    p.add_argument("--test", action="store_true", help="also the test loss (and accuracy)")
    p.add_argument("--out", required=True, help="output .npz file")
    p.add_argument("--json", action="store_true", help="print a summary as JSON")


def _problem(args: argparse.Namespace) -> tuple[NetworkProblem, int]:
    spec = network(args.scenario)
    sets = parse_sets(args.set)
    if args.seed is not None:
        if "seed" in sets and float(sets["seed"]) != args.seed:
            raise LandscapeError("give the seed once: --seed S or --set seed=S")
        sets["seed"] = str(args.seed)
    device = resolve_device(args.device)
    problem = spec.problem(sets).to(device)
    return problem, int(problem.params["seed"])


def _config(args: argparse.Namespace, seed: int, steps: int) -> TrainConfig:
    return TrainConfig.for_optimizer(
        args.optimizer,
        lr=args.lr,
        momentum=args.momentum,
        steps=steps,
        batch_size=args.batch_size,
        seed=seed,
    )


def _modes(args: argparse.Namespace) -> Modes:
    return Modes(l2=args.l2, constraint=parse_constraint(args.constraint))


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else value


def train_summary(problem: NetworkProblem, result: TrainResult) -> dict[str, Any]:
    """The ``train --json`` object: final values, metric, status and the loss curve."""
    first, last = result.history[0], result.history[-1]
    metric = None
    if problem.metric is not None:
        metric = {
            "name": problem.metric.name,
            "initial": _finite(first.metric),
            "final": _finite(last.metric),
        }
    return {
        "scenario": problem.id,
        "params": dict(problem.params),
        "final_loss": _finite(last.loss),
        "test_loss": _finite(last.test_loss),
        "accuracy": last.accuracy,
        "test_accuracy": last.test_accuracy,
        "metric": metric,
        "grad_norm": _finite(last.grad_norm),
        "steps": result.steps,
        "status": result.status,
        "curve": [_finite(s.loss) for s in result.history],
        "curve_steps": [s.step for s in result.history],
        "baselines": dict(problem.baselines),
    }


def cmd_train(args: argparse.Namespace) -> int:
    problem, seed = _problem(args)
    result = drain(train(problem, _config(args, seed, args.steps), _modes(args)))
    summary = train_summary(problem, result)
    if args.json:
        print(json.dumps(summary))
    else:
        metric = summary["metric"]
        extra = (
            f", {metric['name']} {metric['initial']:.4g} → {metric['final']:.4g}" if metric else ""
        )
        print(
            f"{result.status} after {result.steps} steps: loss {summary['final_loss']:.6g}{extra}"
        )
    return 0


def _point(problem: NetworkProblem, name: str, final: torch.Tensor | None) -> torch.Tensor:
    if name == "final":
        assert final is not None
        return final
    return problem.reference(name)


def _plane(
    args: argparse.Namespace, problem: NetworkProblem, seed: int
) -> tuple[Plane, TrainResult | None]:
    names = [n.strip() for n in args.points.split(",")] if args.plane == "points" else []
    if args.plane == "points" and len(names) != 3:
        raise LandscapeError(f"--points needs three names, got {args.points!r}")
    used = names if args.plane == "points" else [args.center] if args.plane == "random" else []
    for n in used:
        if n != "final":
            problem.reference(n)  # refuse unknown names before training
    needs_run = args.plane == "pca" or "final" in used
    result = None
    if needs_run:
        result = drain(train(problem, _config(args, seed, args.steps), _modes(args)))
    final = None if result is None else problem.as_theta(result.theta)
    if args.plane == "random":
        return random_plane(problem.model.layout, _point(problem, args.center, final), seed), result
    if args.plane == "pca":
        assert result is not None
        return pca_plane(torch.as_tensor(result.trajectory)), result
    return three_point_plane({n: _point(problem, n, final) for n in names}), result


def cmd_slice(args: argparse.Namespace) -> int:
    problem, seed = _problem(args)
    plane, result = _plane(args, problem, seed)
    window = parse_floats(args.window, "--window") if args.window else plane.window
    if len(window) != 4:
        raise LandscapeError(f"--window needs 4 numbers AMIN,AMAX,BMIN,BMAX, got {len(window)}")
    sliced = drain(evaluate_slice(problem, plane, window, args.resolution, include_test=args.test))
    meta: dict[str, Any] = {
        "scenario": problem.id,
        "params": dict(problem.params),
        "plane": plane.kind,
        "orthonormal": plane.orthonormal,
        "explained_variance": plane.explained_variance,
        "marks": dict(plane.marks),
        "references": sliced.references,
        "window": list(window),
        "resolution": args.resolution,
        "seed": seed,
        "training": None
        if result is None
        else {"status": result.status, "steps": result.steps, "optimizer": args.optimizer},
    }
    arrays: dict[str, Any] = {"a": sliced.axes[0], "b": sliced.axes[1], **sliced.values}
    arrays |= {
        "origin": plane.origin.cpu().numpy(),
        "d1": plane.d1.cpu().numpy(),
        "d2": plane.d2.cpu().numpy(),
        "metadata": json.dumps(meta),
    }
    if result is not None:
        proj = plane.project(result.trajectory)
        arrays |= {"trajectory_coords": proj.coords, "trajectory_distance": proj.distance}
    try:
        np.savez_compressed(args.out, **arrays)
    except OSError as exc:
        raise LandscapeError(f"cannot write {args.out}: {exc.strerror}") from None
    loss = sliced.values["loss"]
    finite = loss[np.isfinite(loss)]
    summary = {
        "out": args.out,
        "shape": list(loss.shape),
        "loss_min": float(finite.min()) if finite.size else None,
        "loss_max": float(finite.max()) if finite.size else None,
        "non_finite": int((~np.isfinite(loss)).sum()),
        "seconds": sliced.seconds,
        **{k: meta[k] for k in ("plane", "explained_variance", "marks", "references")},
    }
    if args.json:
        print(json.dumps(summary))
    return 0
