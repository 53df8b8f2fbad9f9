"""``landscape-explorer hessian``: eigenvalues at both ends, trace and density at one point.

The parser part imports nothing heavy (``--help`` answers at once); ``cmd_hessian`` imports
torch and the curvature tools when it runs.
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from compute.cli.grid_maps import add_curvature_map_options, check_curvature_map
from compute.cli.options import parse_floats, scenario_options
from compute.errors import LandscapeError
from compute.vocabulary import ALIASES, OPTIMIZERS

TRAIN_STEPS = 500
"""Full-batch steps to the trained point of a network when ``--train-steps`` is not given."""


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``hessian`` command to ``sub`` (the parser's subparsers action)."""
    p: argparse.ArgumentParser = sub.add_parser(
        "hessian", help="Hessian / GGN eigenvalues, trace and density at one point"
    )
    scenario_options(p)
    where = p.add_mutually_exclusive_group()
    where.add_argument("--at", metavar="X[,Y]", help="a toy's θ (--at=0,-2 for negatives)")
    where.add_argument("--at-file", metavar="THETA.npy", help="θ (n,) from a .npy file")
    p.add_argument(
        "--train-steps",
        type=int,
        default=None,
        metavar="N",
        help=f"networks: the point after N full-batch steps from θ₀ (default {TRAIN_STEPS}; 0: θ₀)",
    )
    p.add_argument("--optimizer", choices=[*OPTIMIZERS, *ALIASES], default=None)
    p.add_argument("--lr", type=float, default=None, help="step size of that training")
    p.add_argument("--top", type=int, default=5, metavar="K", help="largest eigenvalues (5)")
    p.add_argument(
        "--bottom",
        type=int,
        default=None,
        metavar="K",
        help="smallest eigenvalues (default 5 for toys, 0 for networks: near 0 they crowd by "
        "the thousand and need --atol 0 to resolve)",
    )
    p.add_argument("--matrix", choices=("hessian", "ggn"), default="hessian")
    p.add_argument("--block", default=None, metavar="NAME,...", help="a block of parameters")
    p.add_argument("--method", choices=("lanczos", "eigsh", "power", "dense"), default="lanczos")
    p.add_argument("--density", action="store_true", help="the SLQ eigenvalue density")
    p.add_argument("--trace", action="store_true", help="the trace (Hutch++) with its error")
    p.add_argument("--tol", type=float, default=1e-3, help="residual ‖Hv − λv‖ ≤ tol·|λ|")
    p.add_argument(
        "--atol",
        type=float,
        default=None,
        help="… or ≤ ATOL (default tol·‖H‖ for bottom eigenvalues of networks)",
    )
    p.add_argument("--samples", type=int, default=None, metavar="N", help="the first N samples")
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument("--sopsp", type=float, default=None, metavar="EPS", help="seed 001's test")
    p.add_argument("--mu2", type=float, default=None, help="μ₂ of --sopsp (default: estimated)")
    p.add_argument("--json", action="store_true")
    add_curvature_map_options(p)
    return p


MAX_EIGENVALUES = 1000


def check(args: argparse.Namespace) -> None:
    """Every option of ``hessian`` that can be judged before torch loads."""
    check_curvature_map(args)
    for name, value in (("--top", args.top), ("--bottom", args.bottom or 0)):
        if not 0 <= value <= MAX_EIGENVALUES:
            raise LandscapeError(f"{name} must be between 0 and {MAX_EIGENVALUES}, got {value}")
    if args.top + (5 if args.bottom is None else args.bottom) == 0:
        raise LandscapeError("ask for at least one eigenvalue (--top ≥ 1 or --bottom ≥ 1)")
    if not (math.isfinite(args.tol) and 0 < args.tol < 1):
        raise LandscapeError(f"--tol is a relative residual in (0, 1), got {args.tol:g}")
    if args.atol is not None and not (math.isfinite(args.atol) and args.atol >= 0):
        raise LandscapeError(f"--atol must be a finite number ≥ 0, got {args.atol:g}")
    if args.sopsp is not None and not (math.isfinite(args.sopsp) and args.sopsp > 0):
        raise LandscapeError(f"--sopsp ε must be a finite number > 0, got {args.sopsp:g}")
    if args.mu2 is not None and not (math.isfinite(args.mu2) and args.mu2 > 0):
        raise LandscapeError(f"--mu2 must be a finite number > 0, got {args.mu2:g}")
    if args.mu2 is not None and args.sopsp is None:
        raise LandscapeError("--mu2 belongs to the ε-SOPSP test: give --sopsp EPS too")
    if args.samples is not None and args.samples < 1:
        raise LandscapeError("--samples needs at least 1 sample")
    if args.at is not None:
        parse_floats(args.at, "--at")
    if args.at_file is not None:
        from pathlib import Path

        source = Path(args.at_file)
        if not source.is_file():
            raise LandscapeError(f"cannot read θ from {args.at_file!r}: not a regular file")


def _theta_file(path: str, dim: int) -> Any:
    import numpy as np

    try:  # the header first (memory-mapped): a header claiming terabytes reads nothing
        mapped = np.load(path, allow_pickle=False, mmap_mode="r")
        if not isinstance(mapped, np.ndarray):
            raise ValueError("it is an .npz archive, not one array")
        shape, dtype = mapped.shape, mapped.dtype
        if int(np.prod(shape)) != dim or not np.issubdtype(dtype, np.number):
            raise LandscapeError(f"{path} must hold θ: {dim} numbers, got shape {shape}")
        theta = np.array(mapped, dtype=float).reshape(-1)
    except LandscapeError:
        raise
    except (OSError, ValueError, EOFError, TypeError, MemoryError) as exc:
        reason = str(exc).splitlines()[0][:100] if str(exc) else type(exc).__name__
        raise LandscapeError(f"cannot read θ from {path!r}: {reason}") from None
    if not np.isfinite(theta).all():
        raise LandscapeError(f"{path} holds non-finite numbers")
    return theta


def _point(args: argparse.Namespace, problem: Any, modes: Any) -> tuple[Any, dict[str, Any]]:
    """θ (n,) where the spectrum is asked for, and how it was chosen (for the output)."""
    import numpy as np

    from compute.cli.building import config_from, train_run
    from compute.vocabulary import STATUS_NAMES

    if args.at_file:
        return _theta_file(args.at_file, problem.dim), {"where": f"θ from {args.at_file}"}
    if not problem.capabilities.sliced:
        if args.train_steps is not None:
            raise LandscapeError(f"{problem.id} is a toy: give its θ with --at (no training)")
        if args.at is None:
            raise LandscapeError(f"give the point of {problem.id} with --at, e.g. --at=0,-2")
        theta = np.array(parse_floats(args.at, "--at"))
        if len(theta) != problem.dim:
            raise LandscapeError(f"{problem.id} has {problem.dim} parameters: --at needs as many")
        return theta, {"where": f"θ = ({', '.join(f'{v:g}' for v in theta)})"}
    if args.at is not None:
        raise LandscapeError("--at is a toy's θ; a network takes --train-steps N or --at-file")
    steps = TRAIN_STEPS if args.train_steps is None else args.train_steps
    if steps < 0:
        raise LandscapeError("--train-steps must be ≥ 0")
    if steps == 0:
        return problem.init.detach().cpu().numpy(), {"where": "θ₀", "train_steps": 0}
    run_args = argparse.Namespace(optimizer=args.optimizer, lr=args.lr, momentum=None)
    config = config_from(argparse.Namespace(**vars(run_args), batch_size=0), problem, steps)
    history = train_run(problem, config, modes, "training")
    status = STATUS_NAMES[int(history.final.status[0])]
    done = int(history.final.stopped_at[0])
    where = f"θ after {done} {config.optimizer} steps ({status})"
    info = {"where": where, "train_steps": done, "optimizer": config.optimizer, "status": status}
    return history.thetas[-1, 0], info


def _finite(value: Any) -> Any:
    """JSON without NaN / inf (null instead)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def run(args: argparse.Namespace) -> int:
    if args.curvature_map is not None:
        from compute.cli.grid_maps import curvature_map_command

        return curvature_map_command(args)
    from compute.cli.building import modes_from, problem_from, require_finite_at
    from compute.cli.progress import drain_progress
    from compute.landscapes.point_spectrum import spectrum_of
    from compute.landscapes.spectrum_types import SpectrumRequest

    blocks = tuple(b.strip() for b in args.block.split(",") if b.strip()) if args.block else ()
    if args.block is not None and not blocks:
        raise LandscapeError("--block needs parameter block names, e.g. --block w,V")
    from compute.scenarios import scenario

    bottom = args.bottom
    if bottom is None:
        bottom = 0 if scenario(args.scenario).capabilities.sliced else 5
    request = SpectrumRequest(
        args.matrix,
        args.samples,
        blocks,
        args.top,
        bottom,
        args.method,
        args.tol,
        args.atol,
        args.trace,
        args.density,
        sopsp_eps=args.sopsp,
        mu2=args.mu2,
        dtype=args.dtype,
    )
    request.check()
    if args.mu2 is not None and args.sopsp is None:
        raise LandscapeError("--mu2 belongs to the ε-SOPSP test: give --sopsp EPS too")
    problem = problem_from(args)
    modes = modes_from(args, problem)
    theta, info = _point(args, problem, modes)
    require_finite_at(modes.apply(problem.objective()), theta, info["where"])
    result = drain_progress(
        spectrum_of(problem, modes, theta, request, info["where"]),
        "spectrum",
        lambda s: (int(1000 * s.fraction), 1000),
    )
    if args.json:
        data = result.to_json()
        point = data["point"] | info
        if problem.dim <= 16:
            point["theta"] = result.theta.tolist()
        data |= {"scenario": problem.id, "params": dict(problem.params), "point": point}
        print(json.dumps(_finite(data)))
        return 0
    print(_listing(result))
    return 0


def _listing(result: Any) -> str:
    """A short readable summary of a PointSpectrum."""
    eig = result.report.eigen
    lines = [result.label(), f"  F = {result.loss:.6g}, ‖∇F‖ = {result.grad_norm:.3g}"]
    resolved = eig.is_resolved
    for name, values, res, ok, sure in (
        ("top", eig.top, eig.top_residuals, eig.converged[: eig.n_top], resolved[: eig.n_top]),
        (
            "bottom",
            eig.bottom,
            eig.bottom_residuals,
            eig.converged[eig.n_top :],
            resolved[eig.n_top :],
        ),
    ):
        for i, (v, r, c, u) in enumerate(zip(values, res, ok, sure, strict=True)):
            mark = (
                "  (not converged)"
                if not c
                else "  (not resolved: other eigenvalues lie within the residual; lower --atol)"
                if not u
                else ""
            )
            lines.append(f"  {name} {i + 1}: λ = {v: .8g}   ‖Hv − λv‖ = {r:.2g}{mark}")
    if result.atol and len(eig.bottom):
        lines.append(f"  (to ‖Hv − λv‖ ≤ {result.atol:.2g} = tol·‖H‖ near 0; --atol 0: relative)")
    trace = result.report.trace
    if trace is not None:
        lines.append(
            f"  trace ≈ {trace.estimate:.6g} ± {trace.stderr:.2g} (1 standard error, "
            f"{trace.hvp_count} products)"
        )
    density = result.report.density
    if density is not None:
        lo, hi = density.grid[0], density.grid[-1]
        lines.append(f"  density: SLQ on [{lo:.4g}, {hi:.4g}] (σ = {density.sigma:.2g})")
    if result.sopsp is not None:
        s = result.sopsp
        verdict = "is" if s.is_sopsp else "is not"
        lines.append(
            f"  ε-SOPSP: ‖∇_(w,V)F‖ = {s.grad_norm:.3g} (ε = {s.eps:g}), λ_min = "
            f"{s.lambda_min:.4g} vs −√(μ₂ε) = {s.threshold:.4g}: the point {verdict} an ε-SOPSP"
        )
    state = "converged" if result.report.converged else "NOT converged"
    lines.append(f"  {result.hvp_count} products, {result.seconds:.2f} s, {state}")
    return "\n".join(lines)
