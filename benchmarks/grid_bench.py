"""Vectorised 512×512 grid of F, ‖∇F‖, λ_min, λ_max for `shamir` vs a per-point Python loop.

The baseline evaluates the same quantities one point at a time (torch.func grad / hessian and
eigvalsh per point). Looping over all 262,144 points takes about 15 minutes on 2 cores, so by
default it is timed on every 64th point (4,096 points, the same code path) and its cost scaled
to the full grid; ``--full-loop`` times every point. Both results are compared on the points the
loop evaluated. Ends with ``ratio: X`` = loop cost / vectorised cost.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as the app does: see explorer/launcher.py

import numpy as np
import torch
from torch.func import grad, hessian

from compute import Window, drain, evaluate_grid, scenario
from compute.scenarios import build_problem

RES = 512


def vectorised(obj, window):
    drain(evaluate_grid(obj, window, 32))  # warm-up: first vmap traces are slow
    t0 = time.perf_counter()
    grid = drain(evaluate_grid(obj, window, RES))
    return grid, time.perf_counter() - t0


def loop(obj, points):
    f = obj.loss
    g, h = grad(f), hessian(f)
    out = np.empty((len(points), 4))
    t0 = time.perf_counter()
    for k, p in enumerate(torch.from_numpy(points)):
        eig = torch.linalg.eigvalsh(h(p))
        out[k] = (float(f(p)), float(torch.linalg.vector_norm(g(p))), float(eig[0]), float(eig[-1]))
    return out, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full-loop", action="store_true")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    spec = scenario("shamir")
    obj, window = build_problem(spec.id).objective(), Window(spec.window)
    grid, t_vec = vectorised(obj, window)
    x, y = grid.axes
    xx, yy = np.meshgrid(x, y)
    stride = 1 if args.full_loop else 64
    flat_idx = np.arange(RES * RES)[::stride]
    pts = np.stack([xx.ravel()[flat_idx], yy.ravel()[flat_idx]], axis=1)
    ref, t_loop_sample = loop(obj, pts)
    t_loop = t_loop_sample * (RES * RES) / len(pts)
    ours = np.stack(
        [grid.values[k].ravel()[flat_idx] for k in ("loss", "grad_norm", "hess_min", "hess_max")],
        axis=1,
    )
    err = float(np.max(np.abs(ours - ref) / (1 + np.abs(ref))))
    assert err < 1e-10, f"vectorised and loop results disagree (max rel err {err:.2e})"
    print(
        f"grid: {RES}x{RES} shamir, fields loss, grad_norm, hess_min, hess_max, float64, "
        f"{args.threads} threads"
    )
    print(f"vectorised (vmap, chunked): {t_vec:.3f} s")
    how = "all points" if args.full_loop else f"{len(pts)} points, scaled x{stride}"
    print(f"per-point loop ({how}): {t_loop:.1f} s  ({1e3 * t_loop_sample / len(pts):.2f} ms/pt)")
    print(f"max relative difference on the looped points: {err:.1e}")
    print(f"ratio: {t_loop / t_vec:.0f}")


if __name__ == "__main__":
    main()
