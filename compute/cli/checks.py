"""Every option checked before any heavy import: a typo answers in well under a second.

``check_early(args)`` runs in ``main`` after parsing and before a command's ``run`` imports
torch. It reads only the torch-free scenario catalogue and refuses, with one actionable line,
what can be judged from the command line alone: unknown scenarios and parameter values, devices,
windows (inverted, too wide, narrower than floating point resolves), starts, step counts,
step sizes, tolerances, output names. What needs the built problem (block names, reference
points) is checked later, still before the long work starts.
"""

from __future__ import annotations

import argparse
import math
import re
from typing import Any

from compute.cli.options import parse_floats, parse_sets
from compute.errors import LandscapeError, short
from compute.geometry.bounds import check_window

MAX_RESOLUTION = 4096
MAX_RUN_STEPS = 1_000_000
MAX_L2 = 1e12
MIN_RADIUS, MAX_RADIUS = 1e-12, 1e12
_DEVICE = re.compile(r"^(cpu|cuda(:\d{1,2})?)$")
_CONSTRAINT = re.compile(
    r"^\s*(ball|box)\s*:\s*([^@]+?)\s*(@\s*[A-Za-z_][A-Za-z0-9_]*(\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*)?\s*$",
    re.IGNORECASE,
)


def check_device(name: str) -> None:
    if not _DEVICE.match(name):
        raise LandscapeError(f"unknown device {short(name)} (use cpu or cuda)")


def check_constraint(text: str | None) -> None:
    """The syntax and radius of ``--constraint`` (block names are checked on the problem)."""
    if text is None or text.strip().lower() in ("", "none"):
        return
    match = _CONSTRAINT.match(text)
    if match is None:
        return  # the full parser words the error (it knows the forms)
    try:
        radius = float(match[2])
    except ValueError:
        return
    if math.isfinite(radius) and 0 < radius < MIN_RADIUS:
        raise LandscapeError(
            f"constraint radius must be at least {MIN_RADIUS:g}, got {radius:g} "
            "(below it R² and the projection lose all precision)"
        )


def _number(args: argparse.Namespace, name: str) -> float | None:
    value = getattr(args, name, None)
    return None if value is None else float(value)


def _range(value: float | None, what: str, lo: float, hi: float, closed_lo: bool = True) -> None:
    if value is None:
        return
    ok = math.isfinite(value) and (lo <= value if closed_lo else lo < value) and value <= hi
    if not ok:
        left = "[" if closed_lo else "("
        raise LandscapeError(f"{what} must be a number in {left}{lo:g}, {hi:g}], got {value:g}")


def _scenario(args: argparse.Namespace) -> Any:
    from compute.scenarios import scenario

    spec = scenario(args.scenario)
    sets: dict[str, object] = dict(parse_sets(getattr(args, "set", []) or []))
    seed = getattr(args, "seed", None)
    if seed is not None:
        if not spec.capabilities.sliced:
            raise LandscapeError(f"{spec.id} is exact: it has no seed")
        if "seed" in sets and str(sets["seed"]) != str(seed):
            raise LandscapeError("give the seed once: --seed S or --set seed=S")
        sets["seed"] = seed
    spec.resolve(sets)
    device = getattr(args, "device", "cpu")
    if device is not None:
        check_device(device)
        if not spec.capabilities.sliced and device != "cpu":
            raise LandscapeError(f"{spec.id} is an exact toy: it is evaluated on the CPU")
    return spec


def check_early(args: argparse.Namespace) -> None:
    """Refuse, before torch loads, every option value that is wrong whatever the problem."""
    spec = _scenario(args) if isinstance(getattr(args, "scenario", None), str) else None
    if getattr(args, "device", None) is not None and spec is None:
        check_device(args.device)
    if getattr(args, "window", None):
        bounds = parse_floats(args.window, "--window")
        if spec is not None and len(bounds) != 2 * spec.map_dim:
            raise LandscapeError(f"{spec.id} needs a window of {2 * spec.map_dim} numbers")
        if len(bounds) not in (2, 4):
            raise LandscapeError("--window is XMIN,XMAX or XMIN,XMAX,YMIN,YMAX")
        check_window(bounds)
    if getattr(args, "start", None) is not None:
        start = parse_floats(args.start, "--start")
        if spec is not None and len(start) != spec.map_dim:
            names = ", ".join(spec.axis_names)
            raise LandscapeError(
                f"--start needs {spec.map_dim} numbers ({names}), got {len(start)}"
            )
    resolution = getattr(args, "resolution", None)
    if resolution is not None and not 2 <= resolution <= MAX_RESOLUTION:
        raise LandscapeError(f"resolution must be between 2 and {MAX_RESOLUTION}, got {resolution}")
    _run_options(args)
    plane_given = getattr(args, "curvature_map", "") is not None  # hessian: only for its map
    if spec is not None and hasattr(args, "center") and plane_given:
        _plane_options(args, spec)
    check_constraint(getattr(args, "constraint", None))
    l2 = _number(args, "l2")
    if l2 is not None and not (math.isfinite(l2) and l2 >= 0):
        raise LandscapeError(f"L2 strength λ must be a finite number ≥ 0, got {l2:g}")
    if l2 is not None and l2 > MAX_L2:
        raise LandscapeError(f"L2 strength λ must be at most {MAX_L2:g}, got {l2:g}")


def _run_options(args: argparse.Namespace) -> None:
    steps = getattr(args, "steps", None)
    if steps is not None and not 1 <= steps <= MAX_RUN_STEPS:
        raise LandscapeError(f"steps must be between 1 and {MAX_RUN_STEPS}, got {steps}")
    train = getattr(args, "train_steps", None)
    if train is not None and not 0 <= train <= MAX_RUN_STEPS:
        raise LandscapeError(f"--train-steps must be between 0 and {MAX_RUN_STEPS}, got {train}")
    if train == 0 and getattr(args, "plane", None) == "pca":
        raise LandscapeError("--plane pca needs a run to analyse: --train-steps N with N ≥ 1")
    if train == 0 and getattr(args, "center", "init") == "final":
        raise LandscapeError("--center final needs a run: --train-steps N with N ≥ 1")
    lr = _number(args, "lr")
    if lr is not None and not (math.isfinite(lr) and 0 < lr <= 1e6):
        raise LandscapeError(f"learning rate must be in (0, 1e6], got {lr:g}")
    _range(_number(args, "momentum"), "--momentum (β)", 0.0, 1.0 - 1e-12)
    batch = getattr(args, "batch_size", None)
    if isinstance(batch, int) and batch < 0:
        raise LandscapeError(f"batch size must be ≥ 0 (0: full batch), got {batch}")


def _plane_options(args: argparse.Namespace, spec: Any) -> None:
    """``--plane``, ``--center``, ``--points``, ``--train-steps``: each acts or is refused."""
    given = [
        f"--{name.replace('_', '-')}"
        for name in ("plane", "center", "points", "train_steps")
        if getattr(args, name, None) is not None
    ]
    if not spec.capabilities.sliced:
        if given:
            raise LandscapeError(f"{spec.id} is a toy: {given[0]} is for network slices")
        return
    kind = args.plane or "random"
    if args.center is not None and kind not in ("random", "hessian", "hessian-random"):
        raise LandscapeError(f"--center is for random and hessian planes, not --plane {kind}")
    if args.points is not None and kind != "points":
        raise LandscapeError(f"--points is for --plane points, not --plane {kind}")
    names = [n.strip() for n in (args.points or "init,final,teacher").split(",")]
    needs_run = (
        kind == "pca"
        or (kind == "points" and "final" in names)
        or (kind != "points" and args.center == "final")
    )
    # a basin map's runs take --optimizer, --lr and --momentum too (its steps are budgeted)
    basins = ("optimizer", "lr", "momentum") if getattr(args, "basins", None) else ()
    if args.command != "descend" and not needs_run:
        for name in ("steps", "optimizer", "lr", "momentum"):
            if name not in basins and getattr(args, name, None) is not None:
                raise LandscapeError(
                    f"--{name} sets the run a plane needs; --plane {kind} needs none"
                )
    if args.train_steps is not None and not needs_run:
        raise LandscapeError(
            "--train-steps is for planes that need a run (--plane pca, a point or --center "
            "named final)"
        )
