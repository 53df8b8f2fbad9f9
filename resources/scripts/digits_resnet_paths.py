"""Writes resources/sessions/digits-resnet-paths.json, the session behind the gallery's
``digits-resnet-paths`` figure (Garipov et al.'s and Ainsworth et al.'s picture on our data):
two `digits-resnet` minima (θ₀ of seeds 0 and 1, 400 Adam steps each on seed 0's data, as
``benchmarks/paths_bench.py``), the straight line, the line after aligning the second minimum
by the network's symmetries, and a trained quadratic Bezier curve; the slice is the plane
through the two minima and the curve's bend, the paths drawn projected onto it.

    .venv/bin/python resources/scripts/digits_resnet_paths.py

Deterministic (fixed seeds), about 20 s on a 2-core CPU. The session keeps each path's map
coordinates and loss profile, so the figure renders without recomputing them.
"""

from __future__ import annotations

from pathlib import Path

import torch

from compute import (
    Modes,
    PathRequest,
    RunConfig,
    build_plane,
    build_problem,
    connect_points,
    default_session,
    descend,
    drain,
    path_plane,
    path_record,
    run_to_end,
    save_session,
)

OUT = Path(__file__).resolve().parents[1] / "sessions" / "digits-resnet-paths.json"
COLOURS = {"line": "#D55E00", "aligned": "#0072B2", "bezier": "#009E73"}


def minimum(seed: int) -> torch.Tensor:
    """θ₀ of ``seed`` after 400 Adam steps (rate 0.01) on seed 0's data."""
    problem = build_problem("digits-resnet")
    start = build_problem("digits-resnet", {"seed": seed}).init
    config = RunConfig("adam", lr=0.01, steps=400, tol=0)
    run = run_to_end(descend(problem.objective(), Modes(), start[None, :], config))
    return torch.as_tensor(run.final.theta[0], dtype=torch.float32)


def main() -> None:
    problem = build_problem("digits-resnet")
    a, b = minimum(0), minimum(1)
    ends = ("seed 0 trained", "seed 1 trained")
    requests = {
        "line": PathRequest("line"),
        "aligned": PathRequest("aligned"),
        "bezier": PathRequest("bezier", steps=600),
    }
    results = {
        method: drain(connect_points(problem, Modes(), a, b, request, ends))
        for method, request in requests.items()
    }
    found = path_plane(problem, results["bezier"])
    plane = build_plane(problem, found.spec)  # as saved (float32): where the map is computed
    records = tuple(
        path_record(result, plane.project(result.nodes).coords, COLOURS[method])
        for method, result in results.items()
    )
    amin, amax, bmin, bmax = found.window
    room = 0.15 * (amax - amin)  # the end's label stays inside the map
    window = tuple(float(f"{v:.6g}") for v in (amin, amax + room, bmin, bmax))
    session = default_session("digits-resnet").with_changes(
        plane=found.spec, window=window, paths=records
    )
    save_session(session, OUT)
    for method, result in results.items():
        print(f"{method:8s} barrier {result.barrier.max_end:.4g}")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
