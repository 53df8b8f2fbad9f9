"""The ``train`` command: a network trained in its full parameter space, summarised as JSON
(final values, metrics, block norms, the constraint's norm and the constrained F_lin)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from compute.cli.options import optimizer_options, scenario_options, trajectory_option


def add_parser(sub: Any) -> None:
    p = sub.add_parser("train", help="train a network scenario in its full parameter space")
    scenario_options(p)
    optimizer_options(p, "training steps (default 1000)")
    trajectory_option(p, "none")
    p.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    from compute.cli.building import config_from, modes_from, problem_from, thin, train_run
    from compute.cli.training_summary import (
        block_norms,
        constrained_norms,
        joint_norm,
        train_summary,
    )
    from compute.errors import LandscapeError
    from compute.landscapes.linear_baseline import constrained_problem
    from compute.networks.sliced import network_of

    problem = problem_from(args)
    if not problem.capabilities.sliced:
        raise LandscapeError(f"{problem.id} is a toy: use descend (train is for networks)")
    modes = modes_from(args, problem)
    problem = network_of(constrained_problem(problem, modes))
    config = config_from(args, problem, 1000 if args.steps is None else args.steps)
    history = train_run(problem, config, modes, "training")
    summary = train_summary(problem, config, history)
    summary["modes"] = modes.describe()
    if args.optimizer is not None:  # the name asked for (sgd), with the rule it names (gd)
        summary["optimizer"] = {"name": args.optimizer, "rule": config.optimizer}
        summary["optimizer"] |= {"lr": config.lr, "batch_size": config.batch_size}
    summary["block_norms"] = block_norms(problem, history)
    tested = problem.capabilities.sopsp_blocks
    if tested:  # seed 001's ‖(w, v)‖ (or ‖(w, V)‖), as the README quotes it
        summary["sopsp_blocks_norm"] = joint_norm(problem, history, tested)
    if modes.constraint is not None:
        summary["constrained_norm"] = constrained_norms(modes, history)
    path = thin(history.thetas[:, 0, :], args.trajectory)
    if path is not None:
        summary["trajectory"] = path
    if args.json:
        print(json.dumps(summary))
    else:
        m = summary["metric"]
        extra = f", {m['name']} {m['initial']:.4g} → {m['final']:.4g}" if m else ""
        status, steps, loss = summary["status"], summary["steps"], summary["final_loss"]
        print(f"{status} after {steps} steps: loss {loss:.6g}{extra}")
    return 0
