"""From a command line to what a command works on: the problem (``--set``, ``--seed``,
``--device``), its modes, the run settings, the plane of a slice and the landscape."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Generator
from typing import Any

import numpy as np
import torch

from compute.cli.options import one_line, parse_floats, parse_sets
from compute.cli.progress import drain_progress, run_with_progress
from compute.dynamics.descent import descend
from compute.dynamics.optimizers import RunConfig
from compute.dynamics.run_records import RunHistory
from compute.errors import LandscapeError
from compute.geometry.planes import random_plane, three_point_plane
from compute.landscapes.landscape import Landscape, bind_modes, build_landscape
from compute.landscapes.plane_choice import PlaneSpec, derive_plane, eigen_plane, plane_spec
from compute.networks.sliced import SlicedProblem, network_of
from compute.objectives.modes import Modes, parse_constraint
from compute.objectives.problem import Problem
from compute.scenarios import scenario, scenario_warnings
from compute.vocabulary import THIN_POINTS

PLANE_TRAIN_STEPS = 500
CENTRED = ("random", "hessian", "hessian-random")
"""Planes with a centre (``--center``)."""


def problem_from(args: argparse.Namespace) -> Problem:
    """The problem ``args.scenario`` (or ``--model``'s) with ``--set`` values (and ``--seed``),
    on ``--device``."""
    spec = scenario(scenario_id(args))
    sets: dict[str, object] = dict(parse_sets(args.set))
    if args.seed is not None:
        if not spec.capabilities.sliced:
            raise LandscapeError(f"{spec.id} is exact: it has no seed")
        if "seed" in sets and str(sets["seed"]) != str(args.seed):
            raise LandscapeError("give the seed once: --seed S or --set seed=S")
        sets["seed"] = args.seed
    if not spec.capabilities.sliced and args.device != "cpu":
        raise LandscapeError(f"{spec.id} is an exact toy: it is evaluated on the CPU")
    stream: Generator[str, None, Problem] = spec.problem_stream(sets, args.device)
    problem = drain_progress(stream, f"building {spec.id}")
    for line in caveats(problem):
        print(f"landscape-explorer: warning: {one_line(line)}", file=sys.stderr)
    return problem


def scenario_id(args: argparse.Namespace) -> str:
    """The scenario a command names: its positional id, or the user's model of ``--model``
    (registered, i.e. its file imported, here)."""
    model = getattr(args, "model", None)
    if (args.scenario is None) == (model is None):
        raise LandscapeError("name a scenario id or --model FILE.py:FUNC (one of the two)")
    if model is None:
        return str(args.scenario)
    from compute.scenarios.own_model import register_model

    return register_model(model).id


def caveats(problem: Problem) -> list[str]:
    """The scenario's warnings for these values (``registry.scenario_warnings``): the
    ``"warnings"`` field of every JSON output, printed once on stderr by ``problem_from``."""
    return list(scenario_warnings(problem.id, problem.params))


def modes_from(args: argparse.Namespace, problem: Problem | None = None) -> Modes:
    """``--l2`` and ``--constraint``; a block constraint (``ball:R@w,v``) is bound to
    ``problem``'s parameter blocks (unbound without a problem: it cannot project then)."""
    modes = Modes(l2=args.l2, constraint=parse_constraint(args.constraint))
    return modes if problem is None else bind_modes(problem, modes)


def config_from(args: argparse.Namespace, problem: Problem, steps: int | None) -> RunConfig:
    """The run settings of ``--optimizer``/``--lr``/... with the scenario's defaults."""
    spec = scenario(problem.id)
    name = args.optimizer or ("adam" if spec.capabilities.sliced else "gd")
    seed = int(problem.params.get("seed", 0)) if spec.capabilities.sliced else 0
    return RunConfig.for_optimizer(
        name,
        spec.default_lr,
        lr=args.lr,
        momentum=args.momentum,
        steps=steps,
        batch_size=args.batch_size or None,
        seed=seed,
    )


def train_run(problem: SlicedProblem, config: RunConfig, modes: Modes, what: str) -> RunHistory:
    """Train from θ₀ in full space (a run the plane or the summary needs), with progress."""
    start = problem.init[None, :]
    run = descend(problem.objective(), modes, start, config, yield_seconds=0.1)
    return run_with_progress(run, config, what)


def named_point(problem: SlicedProblem, name: str, final: torch.Tensor | None) -> torch.Tensor:
    if name == "final" and final is not None:
        return final
    return problem.reference(name).to("cpu", problem.dtype)


def plane_from(
    args: argparse.Namespace, problem: SlicedProblem, modes: Modes
) -> tuple[PlaneSpec, tuple[float, ...], RunHistory | None]:
    """The slice's plane (``--plane``, ``--points``, ``--center``, ``--seed``), the window it
    frames, and the training run it needed (PCA, a point named ``final``), if any."""
    kind, seed = args.plane or "random", int(problem.params.get("seed", 0))
    center, points = args.center or "init", args.points or "init,final,teacher"
    names = [n.strip() for n in points.split(",")] if kind == "points" else []
    if kind == "points" and len(names) != 3:
        raise LandscapeError(f"--points needs three names, got {points!r}")
    centred = kind in CENTRED
    used = names if kind == "points" else [center] if centred else []
    own_final = "final" in problem.references  # a user's checkpoint: no training needed
    for n in used:
        if n != "final" or own_final:
            problem.reference(n)  # refuse unknown names before training
    given = problem.trajectory if kind == "pca" and not args.train_steps else None
    history = None
    own = args.steps if args.command != "descend" else None  # descend's --steps are its own
    steps = next((s for s in (args.train_steps, own) if s is not None), PLANE_TRAIN_STEPS)
    if (kind == "pca" and given is None) or ("final" in used and not own_final):
        history = train_run(problem, config_from(args, problem, steps), modes, "training")
    trajectory = None if history is None else history.thetas[:, 0, :]
    final = None if trajectory is None else torch.as_tensor(trajectory[-1], dtype=problem.dtype)
    if kind == "pca" and given is not None:
        where = f"the model's trajectory of {len(given)} checkpoints"
        spec, window = derive_plane(problem, "pca", given.cpu().numpy(), where)
        return spec, window, None
    if kind == "pca":
        assert trajectory is not None
        spec, window = derive_plane(problem, "pca", trajectory, f"a run of {steps} steps")
        return spec, window, history
    if kind == "points":
        plane = three_point_plane({n: named_point(problem, n, final) for n in names})
        return plane_spec(plane, ", ".join(names)), plane.window, history
    if kind in ("hessian", "hessian-random"):
        centre = named_point(problem, center, final)
        spec, window = drain_progress(
            eigen_plane(problem, centre, kind, seed, center, modes.l2), "eigenvectors"
        )
        return spec, window, history
    if kind == "random" and center != "init":
        centre = named_point(problem, center, final)
        plane = random_plane(problem.layout, centre, seed)
        where = f"random filter-normalised directions around {center} (seed {seed})"
        return plane_spec(plane, where), plane.window, history
    return PlaneSpec(kind, seed), (-1.0, 1.0, -1.0, 1.0), history


def landscape_from(
    args: argparse.Namespace,
) -> tuple[Landscape, tuple[float, ...], dict[str, Any], RunHistory | None]:
    """The landscape a command works on (toys: θ; networks: the slice of ``--plane``), its
    window (``--window`` or the default) and the metadata every output carries."""
    problem = problem_from(args)
    modes = modes_from(args, problem)
    spec = scenario(problem.id)
    history, plane, window = None, None, tuple(spec.window)
    if problem.capabilities.sliced:
        plane, window, history = plane_from(args, network_of(problem), modes)
    landscape = build_landscape(problem, modes, plane)
    if args.window:
        window = parse_floats(args.window, "--window")
    if len(window) != 2 * spec.map_dim:
        raise LandscapeError(f"{spec.id} needs a window of {2 * spec.map_dim} numbers")
    meta: dict[str, Any] = {
        "scenario": problem.id,
        "params": dict(problem.params),
        "modes": modes.describe(),
        "window": list(window),
        "warnings": caveats(problem),
    }
    if problem.notes:
        meta["evaluation"] = list(problem.notes)
    if plane is not None:
        meta["plane"] = {"kind": plane.kind, "seed": plane.seed, "description": plane.describe()}
        meta["marks"] = landscape.marks()
        if landscape.constraint_note:
            meta["note"] = landscape.constraint_note
    return landscape, window, meta, history


def require_finite_at(objective: Any, point: Any, what: str) -> None:
    """Refuse a point where F overflows (or is NaN): no descent or spectrum means anything
    there. ``objective`` is an Objective, ``point`` its θ (n,)."""
    theta = objective.as_tensor(np.asarray(point, dtype=float)[None, :])
    with torch.no_grad():
        value = float(objective.loss(theta).reshape(-1)[0])
    if not math.isfinite(value):
        raise LandscapeError(f"F is not finite at {what} (it overflows): choose a point nearer 0")


def finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def require_finite(loss: np.ndarray) -> None:
    """Refuse to write a map on which F is finite nowhere (it overflowed everywhere)."""
    if not np.isfinite(loss).any():
        raise LandscapeError(
            "F is not finite anywhere in the window (it overflows): choose a smaller --window"
        )


def thin(points: np.ndarray, mode: str) -> list[Any] | None:
    """A path (T, …) for JSON: ``none`` → None, ``thin`` → ≤ THIN_POINTS rows (first and last
    kept), ``full`` → every row."""
    if mode == "none":
        return None
    if mode == "thin" and len(points) > THIN_POINTS:
        index = np.unique(np.linspace(0, len(points) - 1, THIN_POINTS).round().astype(int))
        points = points[index]
    return np.asarray(points).tolist()


def plane_array(t: torch.Tensor) -> np.ndarray:
    return t.detach().to("cpu").numpy()
