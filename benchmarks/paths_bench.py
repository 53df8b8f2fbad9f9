"""Paths between two digits-resnet minima (seeds 0 and 1): our band and Bezier curve against
a faithful re-implementation of dnn-mode-connectivity's curve training loop.

Two minima: digits-resnet's θ₀ for seed 0 and for seed 1, each trained by 400 full-batch
Adam steps (lr 0.01) on seed 0's data. Then, on the same ends:

- the straight line and the line after weight matching (``aligned``): barrier only;
- our 9-image nudged elastic band with climbing image (minibatches of 128, Adam): time to
  convergence (target < 30 s) and its barrier;
- our quadratic Bezier curve (600 steps, 4 stratified t per step batched into one
  evaluation, minibatches of 128, Adam with Garipov's schedule): time (target < 60 s);
- the baseline: dnn-mode-connectivity's loop (Garipov et al. 2018, ``train.py`` with
  ``curves.Bezier``): an nn.Module whose every layer holds the three control points, one
  t ~ U(0, 1) per minibatch, the layer weights combined at t, SGD with momentum 0.9 and the
  same learning-rate schedule (lr 0.05, no weight decay), minibatches of 128, for as many
  (t, sample) evaluations as ours: 4 × 600 steps, since ours draws 4 values of t per step.

Both curves' barriers are measured by the same profile code on the full training set (33
points); they must both lie far below the straight line's. Ends with ``ratio: X`` =
baseline curve seconds / our curve seconds for the same number of (t, sample) evaluations.

Run: ``.venv/bin/python benchmarks/paths_bench.py`` (a few minutes on 2 cores).
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch
import torch.nn.functional as F
from machine_load import busy_seconds, other_load

from compute import Modes, RunConfig, descend, run_to_end
from compute.generators import drain
from compute.paths.bezier import T_PER_STEP, garipov_schedule
from compute.paths.connect import connect
from compute.paths.result import Barrier, PathRequest, PathResult, evaluate_profile
from compute.scenarios import build_problem

STEPS, BATCH = 600, 128
BAND_TARGET, CURVE_TARGET = 30.0, 60.0


def minimum(seed: int) -> torch.Tensor:
    problem = build_problem("digits-resnet")  # seed 0's data for both ends
    start = build_problem("digits-resnet", {"seed": seed}).init
    config = RunConfig("adam", lr=0.01, steps=400, tol=0)
    run = run_to_end(descend(problem.objective(), Modes(), start[None, :], config))
    return torch.as_tensor(run.final.theta[0], dtype=torch.float32)


def timed(gen: object) -> tuple[PathResult, float, float]:
    """(result, seconds until the band or curve was done, total seconds)."""
    t0 = time.perf_counter()
    moved = None
    while True:
        try:
            step = next(gen)  # type: ignore[call-overload]
        except StopIteration as stop:
            return stop.value, moved or time.perf_counter() - t0, time.perf_counter() - t0
        if step.phase == "profile" and moved is None:
            moved = time.perf_counter() - t0


class CurveResidualMLP(torch.nn.Module):
    """dnn-mode-connectivity's curve model for the residual MLP: every parameter as three
    control points (ends fixed, ``requires_grad`` only on the bend), combined at t by the
    Bezier basis ``[(1 − t)², 2t(1 − t), t²]`` in each forward pass."""

    def __init__(self, layout: object, a: torch.Tensor, b: torch.Tensor, blocks: int) -> None:
        super().__init__()
        pa, pb = layout.unflatten(a), layout.unflatten(b)  # type: ignore[attr-defined]
        self.names, self.blocks = list(pa), blocks
        for name in self.names:
            self.register_buffer(f"{name}_0", pa[name].clone())
            self.register_buffer(f"{name}_2", pb[name].clone())
            mid = torch.nn.Parameter(0.5 * (pa[name] + pb[name]))
            self.register_parameter(f"{name}_1", mid)

    def weights(self, t: float) -> dict[str, torch.Tensor]:
        c = ((1 - t) ** 2, 2 * t * (1 - t), t**2)
        return {
            n: sum(ci * getattr(self, f"{n}_{i}") for i, ci in enumerate(c)) for n in self.names
        }

    def forward(self, x: torch.Tensor, t: float) -> torch.Tensor:
        w = self.weights(t)
        h = F.relu(F.linear(x, w["W_in"], w["b_in"]))
        for k in range(1, self.blocks + 1):
            u = F.relu(F.linear(h, w[f"W{k}1"], w[f"b{k}1"]))
            h = h + F.linear(u, w[f"W{k}2"], w[f"b{k}2"])
        return F.linear(h, w["W_out"], w["b_out"])


def baseline_curve(problem: object, a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, float]:
    model = CurveResidualMLP(problem.layout, a, b, int(problem.params["blocks"]))  # type: ignore[attr-defined]
    x, y = problem.data.x_train, problem.data.y_train  # type: ignore[attr-defined]
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.05, momentum=0.9)
    gen = torch.Generator().manual_seed(0)
    t0 = time.perf_counter()
    steps = T_PER_STEP * STEPS  # as many (t, sample) evaluations as ours
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: garipov_schedule(i / steps))
    for _ in range(steps):
        index = torch.randperm(len(x), generator=gen)[:BATCH]
        t = float(torch.rand(1, generator=gen))
        loss = F.cross_entropy(model(x[index], t), y[index])
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    seconds = time.perf_counter() - t0
    bend = problem.layout.flatten({n: getattr(model, f"{n}_1").detach() for n in model.names})  # type: ignore[attr-defined]
    return bend, seconds


def main() -> None:
    torch.set_num_threads(2)
    torch.manual_seed(0)
    problem = build_problem("digits-resnet")
    t0 = time.perf_counter()
    a, b = minimum(0), minimum(1)
    with torch.no_grad():
        ends = problem.loss(torch.stack([a, b]))
    took = time.perf_counter() - t0
    print(f"two minima (seeds 0, 1): F = {ends[0]:.2e}, {ends[1]:.2e} in {took:.1f} s")
    before, start = busy_seconds(), time.perf_counter()
    modes = Modes()
    results = {}
    for method in ("line", "aligned"):
        results[method] = drain(connect(problem, modes, a, b, PathRequest(method)))
    band, band_s, band_total = timed(connect(problem, modes, a, b, PathRequest("neb", images=9)))
    curve, curve_s, curve_total = timed(
        connect(problem, modes, a, b, PathRequest("bezier", steps=STEPS, batch_size=BATCH))
    )
    bend, base_s = baseline_curve(problem, a, b)
    tt = torch.linspace(0, 1, 33, dtype=torch.float64)[:, None].float()
    base_nodes = (1 - tt) ** 2 * a + 2 * tt * (1 - tt) * bend + tt**2 * b
    base_profile, _ = evaluate_profile(problem.objective(), base_nodes)
    base_barrier = Barrier.of(base_profile["loss"])
    wall = time.perf_counter() - start
    for name, r in (*results.items(), ("neb", band), ("bezier", curve)):
        acc = r.profile.get("test_accuracy")
        top = "" if acc is None else f", test accuracy at the top {acc[r.saddle.node]:.3f}"
        print(
            f"{name:8s} barrier {r.barrier.max_end:.4f} (mean-of-ends {r.barrier.mean_end:.4f}),"
            f" index {r.saddle.index}{'' if r.saddle.index_exact else '+'}{top}"
        )
    print(
        f"aligned distance {results['aligned'].provenance['aligned_distance']:.2f} "
        f"(raw {results['aligned'].provenance['raw_distance']:.2f})"
    )
    print(
        f"band: {band.steps} steps, converged {band.converged}, {band_s:.1f} s "
        f"(+ profile and index: {band_total:.1f} s); target < {BAND_TARGET:.0f} s: "
        f"{'met' if band_s < BAND_TARGET else 'missed'}"
    )
    print(
        f"curve (ours): {curve_s:.1f} s for {STEPS} steps (+ profile and index: "
        f"{curve_total:.1f} s); target < {CURVE_TARGET:.0f} s: "
        f"{'met' if curve_s < CURVE_TARGET else 'missed'}"
    )
    print(
        f"curve (dnn-mode-connectivity's loop): {base_s:.1f} s, barrier {base_barrier.max_end:.4f}"
    )
    line = results["line"].barrier.max_end
    agree = max(curve.barrier.max_end, base_barrier.max_end) < 0.25 * line
    print(f"both curves far below the line's barrier {line:.3f}: {agree}")
    print(other_load(before, wall))
    print(f"ratio: {base_s / curve_s:.2f}")


if __name__ == "__main__":
    main()
