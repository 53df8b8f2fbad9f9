"""Your own model: a 41×41 slice of the BatchNorm CNN example against the rule of the
`loss-landscapes` package on the same model, plane and data.

The baseline is that package's ``planar_interpolation`` walk (version 3.0.6): the model's own
parameter tensors are the start point, the grid is walked column by column in a snake moving
the weights in place (``add_(dir_two)`` / ``sub_`` within a column, ``add_(dir_one)`` between
columns) and every point runs its ``metrics.Loss``: one forward pass over all the data,
``loss_fn(model(x), y)``, with gradients off on the parameters (the package calls
``requires_grad_(False)``). Two departures, both in the baseline's favour of agreeing: the module
is put in eval mode (the package never calls ``eval()``: with BatchNorm in train mode and dropout
on its values are not the landscape), and the walk starts at our grid's first point.
Ours is ``compute.networks.slices.evaluate_slice`` on the ``ModuleProblem`` of the example
(the model rewritten for values, its chunks of points stacked in one pass, each where timing
finds that faster). Values must agree to float32 round-off.

Also printed: ms per point of the built-in ``digits-resnet`` through the generic adapter
(its network rebuilt as an ``nn.Module``) against its own fast path (the cost of generality);
top-5 Hessian eigenvalues of the CNN by Lanczos against ``scipy.sparse.linalg.eigsh`` to
1e-10 (relative error, products used); building the example's problem (the window's first map
waits on it). Ends with ``ratio: X`` (the package's rule / ours, slice time).
"""

from __future__ import annotations

import argparse
import copy
import os
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import torch
import torch.nn.functional as F
from machine_load import add_allocator_option, busy_seconds, other_load, set_allocator
from slice_bench import ResidualMLP, module_tensors

from compute import build_problem, drain, random_plane, register_model
from compute.curvature.lanczos import eigsh, lanczos
from compute.landscapes.point_spectrum import curvature_of
from compute.networks.module_builder import ModuleOptions, module_problem
from compute.networks.slices import evaluate_slice

EXAMPLE = Path(__file__).resolve().parents[1] / "resources/examples/digits_bn_cnn.py"


def package_slice(problem, plane, axes) -> tuple[np.ndarray, float]:
    """The package's snake over ``axes`` (square), in place on a copy of the user's module."""
    model = copy.deepcopy(problem.parts.evaluator).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    params = list(model.parameters())
    torch.nn.utils.vector_to_parameters(plane.origin.clone(), params)
    a_axis, b_axis = axes
    step_a, step_b = float(a_axis[1] - a_axis[0]), float(b_axis[1] - b_axis[0])

    def tensors(v: torch.Tensor) -> list[torch.Tensor]:
        out, i = [], 0
        for p in params:
            out.append(v[i : i + p.numel()].reshape(p.shape))
            i += p.numel()
        return out

    dir_one, dir_two = tensors(step_a * plane.d1), tensors(step_b * plane.d2)
    corner = float(a_axis[0]) * plane.d1 + float(b_axis[0] - step_b) * plane.d2
    for p, d in zip(params, tensors(corner), strict=True):
        p += d
    x, y = problem.train
    steps = len(a_axis)
    t0 = time.perf_counter()
    matrix = []
    for i in range(steps):
        column: list[float] = []
        for _ in range(steps):
            if i % 2 == 0:
                for p, d in zip(params, dir_two, strict=True):
                    p += d
                column.append(float(F.cross_entropy(model(x), y)))
            else:
                for p, d in zip(params, dir_two, strict=True):
                    p -= d
                column.insert(0, float(F.cross_entropy(model(x), y)))
        matrix.append(column)
        for p, d in zip(params, dir_one, strict=True):
            p += d
    return np.array(matrix).T, time.perf_counter() - t0


def generality(resolution: int = 21) -> tuple[float, float]:
    """ms per point of digits-resnet: its fast path vs the generic ModuleProblem of the same
    network as an nn.Module (same θ₀, plane, data)."""
    problem = build_problem("digits-resnet")
    plane = random_plane(problem.layout, problem.init, seed=0)
    module = ResidualMLP(int(problem.params["width"]), int(problem.params["blocks"]))
    with torch.no_grad():
        for p, v in zip(
            module.parameters(), module_tensors(problem.init, problem, module), strict=True
        ):
            p.copy_(v)
    given = dict(
        model=module,
        train=(problem.data.x_train, problem.data.y_train),
        loss=torch.nn.CrossEntropyLoss(),
    )
    generic = drain(module_problem("generic", {}, given, ModuleOptions()))
    generic_plane = random_plane(generic.layout, generic.init, seed=0)
    times = []
    for prob, pl in ((problem, plane), (generic, generic_plane)):
        drain(evaluate_slice(prob, pl, None, 3))
        t0 = time.perf_counter()
        drain(evaluate_slice(prob, pl, None, resolution))
        times.append(1000 * (time.perf_counter() - t0) / resolution**2)
    return times[0], times[1]


def spectrum(problem) -> tuple[float, int]:
    """Top-5 by our Lanczos at tol 1e-5 against ARPACK to 1e-10, float64: (max relative
    error, products)."""
    op = curvature_of(problem, problem.init, dtype="float64")
    ours = drain(lanczos(op, top=5, tol=1e-5))
    ref = drain(eigsh(curvature_of(problem, problem.init, dtype="float64"), top=5, tol=1e-10))
    a, b = np.sort(ours.eigenvalues)[::-1], np.sort(ref.eigenvalues)[::-1]
    return float(np.max(np.abs(a - b) / np.abs(b))), int(ours.hvp_count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--resolution", type=int, default=41)
    add_allocator_option(parser)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    set_allocator(args)
    t0 = time.perf_counter()
    spec = register_model(f"{EXAMPLE}:make")
    problem = build_problem(spec.id)
    t_build = time.perf_counter() - t0
    plane = random_plane(problem.layout, problem.init, seed=0)
    axes = (np.linspace(-1, 1, args.resolution),) * 2
    drain(evaluate_slice(problem, plane, None, 5))  # warm-up
    package_slice(problem, plane, (axes[0][:3], axes[1][:3]))
    before, start = busy_seconds(), time.perf_counter()
    t0 = time.perf_counter()
    result = drain(evaluate_slice(problem, plane, (-1, 1, -1, 1), args.resolution))
    t_ours = time.perf_counter() - t0
    ref, t_ref = package_slice(problem, plane, axes)
    load = other_load(before, time.perf_counter() - start)
    even = np.arange(0, args.resolution, 2)
    ours = result.values["loss"][:, even]
    rel = float(np.max(np.abs(ours - ref[:, even]) / (1 + np.abs(ref[:, even]))))
    n = args.resolution**2
    fast, generic = generality()
    err, products = spectrum(problem)
    print(
        f"BatchNorm CNN example: {problem.dim} parameters, {problem.capabilities.samples} samples"
    )
    print(f"building the problem (import, factory, checks): {t_build:.2f} s")
    print(f"loss-landscapes rule: {t_ref:.2f} s ({1000 * t_ref / n:.2f} ms/point)")
    print(f"ours:                 {t_ours:.2f} s ({1000 * t_ours / n:.2f} ms/point)")
    print(f"agreement (even columns): max |Δ|/(1+|F|) = {rel:.2e}")
    print(f"digits-resnet: fast path {fast:.3f} ms/point, generic adapter {generic:.3f} ms/point")
    print(f"top-5 Hessian eigenvalues: max relative error {err:.1e} in {products} products")
    print(f"other processes' load during the slices: {load}")
    print(f"chosen by timing (see ModuleProblem.measured_choices): {problem.measured_choices()}")
    assert rel < 1e-4, "the two slices disagree"
    print(f"ratio: {t_ref / t_ours:.2f}")


if __name__ == "__main__":
    main()
