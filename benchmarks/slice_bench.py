"""A 41×41 slice of `digits-resnet`: the reference tool's per-point loop vs our batched slice.

The baseline is tomgoldstein/loss-landscape's method: for each grid point, copy θ₀ + a·d₁ + b·d₂
into an ``nn.Module``'s parameters (``p.data.copy_``, as its ``set_weights``), then loop over
the training data in minibatches of 128 accumulating the loss and the correct count (its
``evaluation.eval_loss``), with the data as pre-sliced tensors (its DataLoader would only add
to its time). Ours is ``compute.networks.slices.evaluate_slice`` (progressive, batched over grid
points,
first layer precomputed, the residual MLP's plane head). Both use the same plane
(filter-normalised random directions around briefly trained weights) and the same float32
data; the loss grids must agree to float32 round-off. Prints both times, the time to the first
(coarse) image, the largest difference, the other processes' load, and ends with ``ratio: X``
(baseline time / ours).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # idle OpenMP threads sleep (see grid_bench)

import numpy as np
import torch
from machine_load import busy_seconds, other_load
from torch import nn

from compute import (
    NetworkProblem,
    Plane,
    RunConfig,
    drain,
    random_plane,
    resolve_device,
    run_from_init,
)
from compute.networks.slices import evaluate_slice
from compute.scenarios import build_problem


class ResidualMLP(nn.Module):
    """The `digits-resnet` model as an ordinary module (what the reference tool evaluates)."""

    def __init__(self, width: int, blocks: int) -> None:
        super().__init__()
        self.inp = nn.Linear(64, width)
        self.blocks = nn.ModuleList(
            nn.ModuleList([nn.Linear(width, width), nn.Linear(width, width)]) for _ in range(blocks)
        )
        self.out = nn.Linear(width, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.inp(x))
        for first, second in self.blocks:
            h = h + second(torch.relu(first(h)))
        return self.out(h)


def module_tensors(theta: torch.Tensor, problem, module: nn.Module) -> list[torch.Tensor]:
    """θ's blocks in the module's parameter order (the layout follows nn.Linear's)."""
    p = problem.model.layout.unflatten(theta)
    names = ["W_in", "b_in"]
    for k in range(1, len(module.blocks) + 1):
        names += [f"W{k}1", f"b{k}1", f"W{k}2", f"b{k}2"]
    names += ["W_out", "b_out"]
    return [p[n] for n in names]


def reference_slice(problem, plane, axes, device) -> tuple[np.ndarray, float]:
    width, blocks = int(problem.params["width"]), int(problem.params["blocks"])
    net = ResidualMLP(width, blocks).to(device)
    net.eval()
    params = list(net.parameters())
    x, y = problem.data.x_train, problem.data.y_train
    criterion = nn.CrossEntropyLoss()
    a_axis, b_axis = axes
    out = np.empty((len(b_axis), len(a_axis)))
    t0 = time.perf_counter()
    for i, b in enumerate(b_axis):
        for j, a in enumerate(a_axis):
            theta = plane.origin + float(a) * plane.d1 + float(b) * plane.d2
            for p, value in zip(params, module_tensors(theta, problem, net), strict=True):
                p.data.copy_(value)
            total, correct, seen = 0.0, 0, 0
            with torch.no_grad():
                for k in range(0, len(x), 128):
                    inputs, targets = x[k : k + 128], y[k : k + 128]
                    outputs = net(inputs)
                    loss = criterion(outputs, targets)
                    total += loss.item() * len(inputs)
                    correct += outputs.argmax(1).eq(targets).sum().item()
                    seen += len(inputs)
            out[i, j] = total / seen
    return out, time.perf_counter() - t0


def ours(problem, plane, resolution: int) -> tuple[np.ndarray, float, float]:
    t0 = time.perf_counter()
    gen = evaluate_slice(problem, plane, resolution=resolution)
    first = None
    while True:
        try:
            next(gen)
            if problem.device.type == "cuda":
                torch.cuda.synchronize()
            first = first if first is not None else time.perf_counter() - t0
        except StopIteration as stop:
            return stop.value.values["loss"], time.perf_counter() - t0, float(first)


def trained_plane(
    train_steps: int, device: torch.device, params: dict | None = None
) -> tuple[NetworkProblem, Plane]:
    """digits-resnet (with ``params``) after ``train_steps`` Adam steps (η = 0.01) on
    ``device``, and a random plane (seed 0) through the trained point, evaluated once at 9 × 9
    (first calls are slow): the input every slice benchmark compares methods on."""
    problem = build_problem("digits-resnet", params or {})
    result = run_from_init(problem, RunConfig("adam", lr=0.01, steps=train_steps))
    problem = problem.to(device)
    plane = random_plane(problem.model.layout, problem.as_theta(result.final.theta[0]), seed=0)
    drain(evaluate_slice(problem, plane, resolution=9))
    return problem, plane


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=2, help="torch threads for ours")
    parser.add_argument(
        "--baseline-threads",
        type=int,
        default=None,
        help="torch threads for the baseline (default: --threads; with OMP_WAIT_POLICY=PASSIVE "
        "the per-point loop is fastest on 1, its small operations gain nothing from a second)",
    )
    parser.add_argument("--resolution", type=int, default=41)
    parser.add_argument("--train-steps", type=int, default=200)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    problem, plane = trained_plane(args.train_steps, device)
    before, t_start = busy_seconds(), time.perf_counter()
    grid, t_ours, t_first = ours(problem, plane, args.resolution)
    a_axis = np.linspace(-1, 1, args.resolution)
    baseline_threads = args.baseline_threads or args.threads
    torch.set_num_threads(baseline_threads)
    ref, t_ref = reference_slice(problem, plane, (a_axis, a_axis), device)
    load = other_load(before, time.perf_counter() - t_start)
    diff = float(np.max(np.abs(grid - ref)))
    rel = float(np.max(np.abs(grid - ref) / (1 + np.abs(ref))))
    print(
        f"slice: digits-resnet {args.resolution}x{args.resolution}, {problem.dim} parameters, "
        f"{len(problem.data.x_train)} training images, float32, device {device}, "
        f"threads: ours {args.threads}, baseline {baseline_threads}"
    )
    print(
        f"reference per-point loop (copy weights, minibatches of 128): {t_ref:.3f} s "
        f"({1e3 * t_ref / args.resolution**2:.2f} ms/point)"
    )
    print(
        f"ours (batched, progressive): {t_ours:.3f} s ({1e3 * t_ours / args.resolution**2:.2f} "
        f"ms/point), first coarse image after {t_first:.3f} s"
    )
    print(load)
    print(
        f"loss range [{ref.min():.4g}, {ref.max():.4g}], max |difference| {diff:.2e} "
        f"(relative to 1 + |loss|: {rel:.1e})"
    )
    # float32 sums of ~1400 per-sample losses: relative round-off ~1e-6, far below 1e-5
    assert rel < 1e-5, f"loss grids disagree beyond float32 round-off ({rel:.2e})"
    print(f"ratio: {t_ref / t_ours:.1f}")


if __name__ == "__main__":
    main()
