"""Forward-norm sweep: seed 004's loop, one trial at a time, vs our vectorised sweep.

The baseline is the seed's MATLAB loop transcribed to numpy, run once per trial and scheme:
``x = ones(d); for l in 1..L: W = randn(d, d) * std; x = α (x + β W φ(x))``, recording
‖x‖/‖x₀‖ after every layer. Ours is ``compute.initlab.sweep.norm_sweep`` (trials batched as
(T, d, d) weight draws, the schemes stacked as columns of one product, one draw per layer
shared by all schemes). Same schemes, trials, depth and width; different random streams, so
the two must agree within Monte-Carlo error: per scheme, the mean of log(final ratio) within
4 standard errors (and the medians are printed). Prints both times, the other processes'
load, and ends with ``ratio: X`` (baseline time / ours).
"""

from __future__ import annotations

import argparse
import math
import os
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # idle OpenMP threads sleep

import numpy as np
import torch
from machine_load import busy_seconds, other_load  # benchmarks/machine_load.py

from compute.generators import drain
from compute.initlab.config import NormSweepConfig
from compute.initlab.sweep import norm_sweep
from compute.networks.init_schemes import SCHEMES, scheme_scaling


def seed_loop(
    scheme: str, width: int, depth: int, trials: int, relu: bool, seed: int
) -> np.ndarray:
    """(trials, depth + 1) ratios by the seed's loop, one trial at a time."""
    s = scheme_scaling(scheme, width, depth)
    rng = np.random.default_rng(seed)
    out = np.ones((trials, depth + 1))
    for t in range(trials):
        x = np.ones(width)
        norm0 = np.linalg.norm(x)
        for layer in range(1, depth + 1):
            w = rng.standard_normal((width, width)) * s.stds[0]
            x = s.alpha * (x + s.beta * (w @ (np.maximum(x, 0) if relu else x)))
            out[t, layer] = np.linalg.norm(x) / norm0
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=100)
    parser.add_argument("--depth", type=int, default=100)
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--activation", choices=("linear", "relu"), default="linear")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (this CPU: 2)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    relu = args.activation == "relu"
    config = NormSweepConfig(
        SCHEMES, args.width, args.depth, args.trials, activation=args.activation
    )
    print(
        f"{len(SCHEMES)} schemes × {args.trials} trials × depth {args.depth} × width "
        f"{args.width}, {args.activation}, torch threads {args.threads}"
    )

    before, start = busy_seconds(), time.perf_counter()
    ours = drain(norm_sweep(config))
    t_ours = time.perf_counter() - start
    print(f"ours (vectorised sweep): {t_ours:.2f} s; {other_load(before, t_ours)}")

    before, start = busy_seconds(), time.perf_counter()
    baseline = {
        s: seed_loop(s, args.width, args.depth, args.trials, relu, seed=i)
        for i, s in enumerate(SCHEMES)
    }
    t_ref = time.perf_counter() - start
    print(f"baseline (seed's loop per trial): {t_ref:.2f} s; {other_load(before, t_ref)}")

    print(f"{'scheme':8s} {'median (loop)':>14s} {'median (ours)':>14s} {'Δ mean log / SE':>16s}")
    for s in ours.schemes:
        ref = np.log(baseline[s.scheme][:, -1])
        mine = np.log(s.forward.final)
        se = math.sqrt(ref.var(ddof=1) / len(ref) + mine.var(ddof=1) / len(mine))
        z = abs(ref.mean() - mine.mean()) / se if se > 0 else 0.0
        ok = z < 4 if se > 0 else np.allclose(ref, mine)
        print(
            f"{s.scheme:8s} {np.exp(np.median(ref)):14.4g} {s.forward.final_ratio.median:14.4g} "
            f"{z:16.2f}{'' if ok else '  DISAGREE'}"
        )
        assert ok, f"{s.scheme}: the two disagree beyond Monte-Carlo error"
    print(f"ratio: {t_ref / t_ours:.1f}")


if __name__ == "__main__":
    main()
