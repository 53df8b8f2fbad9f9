"""Users' models on a plane with the first affine layer precomputed (Z₀ + a·Z₁ + b·Z₂) or not:
ms per point of one evaluator chunk, both ways interleaved (best and median of the repeats),
under ``vmap`` and the loop over points, and what the problem's own timing chooses. Both ways'
values must agree to float32 round-off. Ends with ``ratio: X``: on the ``wide`` model, plain /
precomputed, each in its faster mode (vmap or loop).

Models: the two examples (resources/examples/digits_mlp.py, digits_bn_cnn.py) and a model whose
first layer is most of the work (784 → 128 → 10 on 2000 random inputs, ``wide``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch
import torch.nn.functional as F
from torch import nn

from compute import build_problem, random_plane, register_model

EXAMPLES = Path(__file__).resolve().parents[1] / "resources/examples"


def wide(seed: int = 0):
    """784 → 128 → 10 with ReLU on 2000 random inputs (the first Linear: 99 % of the
    multiply-adds)."""
    torch.manual_seed(seed)
    x, y = torch.rand(2000, 784), torch.randint(0, 10, (2000,))
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    return dict(model=model, train=(x, y), loss=F.cross_entropy)


def measure(target: str, repeats: int) -> float:
    """Prints ms/point both ways; returns plain / precomputed, each in its faster mode."""
    problem = build_problem(register_model(target).id)
    plane = random_plane(problem.layout, problem.init, seed=0)
    name = target.rsplit("/", 1)[-1]
    best: dict[str, float] = {}
    for mode in ("loop", "vmap"):
        evaluators = {}
        for choice in ("plain", "precomputed"):
            problem.repeat_choices({"mode": mode, "first_layer": choice})
            evaluators[choice] = problem.plane_evaluator(plane)
        coords = torch.rand(evaluators["plain"].chunk, 2) * 2 - 1
        times: dict[str, list[float]] = {k: [] for k in evaluators}
        values: dict[str, torch.Tensor] = {}
        for _ in range(repeats):
            for choice, evaluator in evaluators.items():
                problem.repeat_choices({"first_layer": choice})
                t0 = time.perf_counter()
                values[choice] = evaluator(coords)["loss"]
                times[choice].append(1000 * (time.perf_counter() - t0) / len(coords))
        gap = float(
            ((values["plain"] - values["precomputed"]).abs() / (1 + values["plain"].abs())).max()
        )
        assert gap < 1e-5, f"{name} {mode}: the two ways disagree by {gap:.1e}"
        best = {k: min(best.get(k, float("inf")), min(v)) for k, v in times.items()}
        text = "  ".join(
            f"{k} {min(v):.3f} (median {statistics.median(v[1:]):.3f})" for k, v in times.items()
        )
        print(f"{name} {mode} ({len(coords)} points per chunk), ms/point: {text}")
    problem.choices.clear()
    print(f"{name}: the problem's own timing chooses {problem.measured_choices()}")
    return best["plain"] / best["precomputed"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for target in (f"{EXAMPLES / 'digits_mlp.py'}:make", f"{EXAMPLES / 'digits_bn_cnn.py'}:make"):
        measure(target, args.repeats)
    ratio = measure(f"{Path(__file__).resolve()}:wide", args.repeats)
    print("ratio = plain / precomputed first layer on the wide MLP, each in its faster mode")
    print(f"ratio: {ratio:.2f}")


if __name__ == "__main__":
    main()
