"""A 41×41 slice of `digits-resnet`: the `loss-landscapes` package's method vs our batched slice.

The baseline re-implements the rule of `loss-landscapes` (pip package, version 3.0.6)
``planar_interpolation`` / ``random_plane``: the start point is a list of *views of the
model's own parameters* (its ``TorchModelWrapper.get_parameters`` returns ``state_dict``
tensors), the grid is walked column by column in a snake, moving the weights in place by one
step (``start_point.add_(dir_two)`` / ``sub_`` within a column, ``add_(dir_one)`` between
columns), and every point evaluates its ``metrics.Loss``: one full-batch forward pass,
``loss_fn(model(inputs), target).clone().detach().numpy()``, with the parameters'
``requires_grad`` off (the package's ``wrap_model`` calls ``requires_grad_(False)``, so no
graph is built; it never enters ``torch.no_grad``). The start and steps are chosen so that the
points it evaluates are our grid's, except that the package's snake puts every odd column one
step lower (its odd columns run from ``sub_`` to ``insert(0, …)`` starting at the top row,
so they evaluate b₋₁ … b₃₉ rather than b₀ … b₄₀: a quirk of the package, kept). Ours is
``compute.networks.slices.evaluate_slice``. Both use the same plane and float32 data and must agree
to
float32 round-off: even columns against our grid, odd ones against our evaluator at the
package's points (the snake's in-place steps also accumulate rounding in the weights; the
bound below allows for it). Prints both times (the fastest of ``--repeat`` interleaved runs
each), the peak memory of each above the start (RSS), the other processes' load, and ends
with ``ratio: X`` (the package's method / ours).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # idle OpenMP threads sleep (see grid_bench)

import numpy as np
import torch
from machine_load import (
    add_allocator_option,
    busy_seconds,
    other_load,
    peak_memory_mib,
    set_allocator,
)
from slice_bench import ResidualMLP, module_tensors, ours, trained_plane
from torch import nn

from compute import resolve_device
from compute.networks.plane_evaluator import PlaneEvaluator


def package_slice(problem, plane, axes, device) -> tuple[np.ndarray, float]:
    """``planar_interpolation``'s loop on the plane's grid: out (nb, na) and seconds."""
    width, blocks = int(problem.params["width"]), int(problem.params["blocks"])
    model = ResidualMLP(width, blocks).to(device).requires_grad_(False)  # as wrap_model does
    with torch.no_grad():
        origin = module_tensors(plane.origin, problem, model)
        for p, value in zip(model.parameters(), origin, strict=True):
            p.copy_(value)
    state = model.state_dict()
    start_point = [state[name] for name, _ in model.named_parameters()]  # views of the weights
    a_axis, b_axis = axes
    step_a, step_b = a_axis[1] - a_axis[0], b_axis[1] - b_axis[0]
    dir_one = module_tensors(float(step_a) * plane.d1, problem, model)
    dir_two = module_tensors(float(step_b) * plane.d2, problem, model)
    corner = float(a_axis[0]) * plane.d1 + float(b_axis[0] - step_b) * plane.d2
    for p, d in zip(start_point, module_tensors(corner, problem, model), strict=True):
        p += d  # the first point is start + dir_two, as in the package
    criterion = nn.CrossEntropyLoss()
    x, y = problem.data.x_train, problem.data.y_train

    def metric() -> np.ndarray:  # metrics.Loss.__call__
        return criterion(model(x), y).clone().detach().numpy()

    steps = len(a_axis)
    assert len(b_axis) == steps, "the package's grid is square"
    t0 = time.perf_counter()
    data_matrix = []
    for i in range(steps):
        data_column: list[np.ndarray] = []
        for _ in range(steps):
            if i % 2 == 0:
                for p, d in zip(start_point, dir_two, strict=True):
                    p += d
                data_column.append(metric())
            else:
                for p, d in zip(start_point, dir_two, strict=True):
                    p -= d
                data_column.insert(0, metric())
        data_matrix.append(data_column)
        for p, d in zip(start_point, dir_one, strict=True):
            p += d
    seconds = time.perf_counter() - t0
    return np.array(data_matrix, dtype=np.float64).T, seconds  # [i: a][j: b] → (nb, na)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--resolution", type=int, default=41)
    parser.add_argument("--train-steps", type=int, default=200)
    parser.add_argument(
        "--width", type=int, default=None, help="the residual MLP's width (512: 1M parameters)"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="interleaved runs of each; the fastest counts"
    )
    add_allocator_option(parser)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    set_allocator(args)
    device = resolve_device(args.device)
    params = {} if args.width is None else {"width": args.width}
    problem, plane = trained_plane(args.train_steps, device, params)
    axes = (np.linspace(-1, 1, args.resolution),) * 2
    package_slice(problem, plane, (axes[0][:3], axes[1][:3]), device)
    before = busy_seconds()
    t_start = time.perf_counter()
    runs = []
    for _ in range(max(1, args.repeat)):  # interleaved, so that both see the same load
        grid, t_ours, t_first = ours(problem, plane, args.resolution)
        ref, t_ref = package_slice(problem, plane, axes, device)
        runs.append((t_ours, t_first, t_ref))
    t_ours, t_first, t_ref = (min(r[i] for r in runs) for i in range(3))
    _, mib_ours = peak_memory_mib(lambda: ours(problem, plane, args.resolution))
    _, mib_ref = peak_memory_mib(lambda: package_slice(problem, plane, axes, device))
    load = other_load(before, time.perf_counter() - t_start)
    ours_at_package_points = grid.copy()
    a_axis, b_axis = axes
    odd = np.arange(1, len(a_axis), 2)
    aa, bb = np.meshgrid(a_axis[odd], b_axis - (b_axis[1] - b_axis[0]))  # (nb, odd columns)
    coords = torch.tensor(np.stack([aa.ravel(), bb.ravel()], 1), dtype=problem.dtype)
    values = PlaneEvaluator(problem, plane)(coords.to(device))["loss"]
    ours_at_package_points[:, odd] = values.cpu().double().numpy().reshape(aa.shape)
    rel = float(np.max(np.abs(ours_at_package_points - ref) / (1 + np.abs(ref))))
    n = args.resolution**2
    print(
        f"slice: digits-resnet {args.resolution}x{args.resolution}, {problem.dim} parameters, "
        f"{len(problem.data.x_train)} training images, float32, device {device}, "
        f"{args.threads} threads"
    )
    print(
        f"loss-landscapes' planar_interpolation rule (weights moved in place, one full-batch "
        f"forward per point, requires_grad off): {t_ref:.3f} s ({1e3 * t_ref / n:.2f} ms/point)"
    )
    print(
        f"ours (batched, progressive): {t_ours:.3f} s ({1e3 * t_ours / n:.2f} ms/point), "
        f"first coarse image after {t_first:.3f} s (fastest of {len(runs)} runs each)"
    )
    print(
        f"peak memory above the start (RSS): ours {mib_ours:.0f} MiB, the package's rule "
        f"{mib_ref:.0f} MiB ({mib_ours / max(mib_ref, 1e-9):.2f}x)"
    )
    print(f"max |difference| relative to 1 + |loss|: {rel:.1e}; {load}")
    # float32 round-off: ~1e-6 from the sums over 1,438 samples, plus the snake's in-place
    # steps, which leave each weight within ~40 ulps of its grid value
    assert rel < 1e-4, f"loss grids disagree beyond float32 round-off ({rel:.2e})"
    print(f"ratio: {t_ref / t_ours:.1f}")


if __name__ == "__main__":
    main()
