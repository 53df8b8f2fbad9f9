"""A 41×41 slice in this process vs on a Dask LocalCluster of 2 worker processes, same 2 cores.

Baseline: ``evaluate_slice`` in this process (torch on ``--threads`` threads). Ours: the same
call with ``executor=`` a ``DaskExecutor`` on ``connect("local:2")`` (2 single-threaded worker
processes on 127.0.0.1; the problem rebuilt on each worker from its description, the plane
shipped once). Both are warmed up first (a 9×9 slice: first calls are slow; the workers build
the problem). The grids must be equal bit for bit. Also measured: the scheduler's throughput
for empty tasks and for tasks of our size, and the per-point cost (the README's sizing table).

The model is the own-model BatchNorm CNN example (``--model``, default
``resources/examples/digits_bn_cnn.py:make``: its file uploaded to the workers, which rebuild the
problem from it), at a random plane through its start point; ``--scenario ID`` (with ``--set
NAME=VALUE``) takes a built-in scenario instead, after ``--train-steps`` Adam steps. Ends with
``ratio: X`` = in-process time / cluster time (target ≥ 0.8: at most 20 % overhead).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # idle OpenMP threads sleep (see grid_bench)

import numpy as np
import torch
from machine_load import busy_seconds, other_load

from compute import RunConfig, drain, random_plane, register_model, run_from_init
from compute.cluster import connect
from compute.networks.slices import evaluate_slice
from compute.scenarios import build_problem


def timed_slice(problem, plane, resolution: int, executor=None) -> tuple[dict, float, float]:
    """(values, seconds, seconds to the first image) of one slice."""
    t0 = time.perf_counter()
    gen = evaluate_slice(problem, plane, resolution=resolution, executor=executor)
    first = None
    while True:
        try:
            next(gen)
            first = first if first is not None else time.perf_counter() - t0
        except StopIteration as stop:
            return stop.value.values, time.perf_counter() - t0, float(first or 0.0)


def _noop(x: int) -> int:
    return x


def _busy(seconds: float) -> float:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass
    return seconds


def throughput(client, tasks: int, seconds: float = 0.0) -> float:
    """Tasks per second through the scheduler (submit, run, gather) for tasks of ``seconds``."""
    t0 = time.perf_counter()
    if seconds:
        futures = [client.submit(_busy, seconds, pure=False) for _ in range(tasks)]
    else:
        futures = [client.submit(_noop, i, pure=False) for i in range(tasks)]
    client.gather(futures)
    return tasks / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="resources/examples/digits_bn_cnn.py:make")
    parser.add_argument("--scenario", default=None, help="a built-in scenario instead")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--resolution", type=int, default=41)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2, help="torch threads in-process")
    parser.add_argument("--train-steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=2, help="best of N timings each")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    sets = dict(item.split("=", 1) for item in args.set)
    name = args.scenario or register_model(args.model).id
    problem = build_problem(name, sets)
    if args.scenario:
        trained = run_from_init(problem, RunConfig("adam", lr=0.01, steps=args.train_steps))
        plane = random_plane(problem.layout, problem.as_theta(trained.final.theta[0]), seed=0)
    else:
        plane = random_plane(problem.layout, problem.init, seed=0)
    drain(evaluate_slice(problem, plane, resolution=9))
    n = args.resolution
    with connect(f"local:{args.workers}") as connection:
        client = connection.client
        client.wait_for_workers(args.workers)
        executor = connection.executor()
        drain(evaluate_slice(problem, plane, resolution=9, executor=executor))  # warm workers
        before, t_start = busy_seconds(), time.perf_counter()
        runs_local = [timed_slice(problem, plane, n) for _ in range(args.repeats)]
        runs_cluster = [timed_slice(problem, plane, n, executor) for _ in range(args.repeats)]
        load = other_load(before, time.perf_counter() - t_start)
        empty = throughput(client, 500)
        sized = throughput(client, 20, executor.task_seconds)
    local, t_local, first_local = min(runs_local, key=lambda r: r[1])
    remote, t_cluster, first_cluster = min(runs_cluster, key=lambda r: r[1])
    same = all(np.array_equal(local[f], remote[f], equal_nan=True) for f in local)
    data = getattr(problem, "data", None)
    samples = len(data.x_train if data is not None else problem.train[0])
    flops = 2.0 * problem.dim * samples  # one forward pass: ~2 FLOPs per weight per sample
    per_point = t_local / n**2
    print(
        f"cluster: {name} {n}x{n}, {problem.dim} parameters, {samples} training "
        f"samples, float32; in-process {args.threads} torch threads vs LocalCluster "
        f"{args.workers} worker processes × 1 thread (127.0.0.1)"
    )
    print(
        f"in-process: {t_local:.3f} s ({1e3 * per_point:.3f} ms/point), "
        f"first image {first_local:.3f} s"
    )
    print(
        f"cluster:    {t_cluster:.3f} s ({1e3 * t_cluster / n**2:.3f} ms/point), first image "
        f"{first_cluster:.3f} s"
    )
    print(f"bit-identical: {same} ({', '.join(local)})")
    print(
        f"scheduler throughput: {empty:.0f} empty tasks/s; {sized:.1f} tasks/s of "
        f"{executor.task_seconds:.2f} s on {args.workers} workers "
        f"(ideal {args.workers / executor.task_seconds:.1f})"
    )
    print(
        f"per-point cost ≈ {flops / 1e6:.1f} MFLOP (2·params·samples): "
        f"{flops / per_point / 1e9:.0f} GFLOP/s effective in-process; "
        f"points in 10 min on this machine: {600 / per_point:.0f}"
    )
    print(load)
    assert same, "the cluster's slice differs from the in-process slice"
    print(f"ratio: {t_local / t_cluster:.2f}")


if __name__ == "__main__":
    main()
