"""Slices on a real Dask LocalCluster (2 worker processes on loopback, one per module): the same
bits as in-process, a worker killed mid-slice, Cancel, resume from a partial grid."""

import os
import signal
import time

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

import dask  # noqa: E402

from compute import (  # noqa: E402
    LandscapeError,
    Modes,
    PlaneSpec,
    RunConfig,
    Window,
    basin_map,
    build_landscape,
    drain,
    hessian_map,
    random_plane,
)
from compute.cluster import connect  # noqa: E402
from compute.cluster.resume import (  # noqa: E402
    load_partial,
    partial_of,
    save_partial,
    slice_identity,
)
from compute.geometry.executors import InProcess, stream_tasks  # noqa: E402
from compute.networks.slices import PartialSlice, evaluate_slice  # noqa: E402
from compute.scenarios import build_problem  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster():
    # one death per task is retried, a second gives up (the default, 3, restarts 4 workers)
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        connection = connect("local:2")
    connection.client.wait_for_workers(2, timeout=120)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def digits():
    problem = build_problem("digits-resnet", {"width": 16, "blocks": 2})
    return problem, random_plane(problem.model.layout, problem.init, seed=3)


def scheduler_tasks(client):
    return client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))


def test_cluster_slice_is_bit_identical_to_in_process_with_test_split(cluster, digits):
    problem, plane = digits
    local = drain(evaluate_slice(problem, plane, (-1, 1, -0.5, 1.5), (23, 17), True))
    executor = cluster.executor()
    remote = drain(
        evaluate_slice(problem, plane, (-1, 1, -0.5, 1.5), (23, 17), True, executor=executor)
    )
    assert set(remote.values) == {"loss", "accuracy", "test_loss", "test_accuracy"}
    for field, values in local.values.items():
        assert np.array_equal(values, remote.values[field]), field
    assert cluster.address.loopback and cluster.workers == 2


def test_killing_a_worker_mid_slice_still_completes_the_grid(cluster, digits):
    problem, plane = digits
    client = cluster.client
    pids = client.run(os.getpid)
    executor = cluster.executor()
    executor.task_seconds = 0.0  # many small tasks: some are running when the worker dies
    gen = evaluate_slice(problem, plane, resolution=41, executor=executor)
    block = next(gen)
    os.kill(next(iter(pids.values())), signal.SIGKILL)
    result = drain(gen)
    assert block.done < block.total
    local = drain(evaluate_slice(problem, plane, resolution=41))
    assert np.array_equal(result.values["loss"], local.values["loss"])
    client.wait_for_workers(2, timeout=120)
    drain(evaluate_slice(problem, plane, resolution=9, executor=executor))  # warm again


def test_closing_the_slice_cancels_every_task(cluster, digits):
    problem, plane = digits
    executor = cluster.executor()
    executor.task_seconds = 0.0
    gen = evaluate_slice(problem, plane, resolution=201, executor=executor)
    block = next(gen)
    gen.close()
    deadline = time.monotonic() + 20
    while scheduler_tasks(cluster.client) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = cluster.client.run_on_scheduler(
        lambda dask_scheduler: {k: v.state for k, v in dask_scheduler.tasks.items()}
    )
    assert left == {}
    assert block.done < block.total


class Counting(InProcess):
    def __init__(self):
        self.points = 0

    def submit(self, fn, /, *args):
        self.points += len(args[1])
        return super().submit(fn, *args)


def test_resume_computes_only_the_missing_cells_locally_and_on_the_cluster(
    cluster, digits, tmp_path
):
    problem, plane = digits
    window = (-1.0, 1.0, -1.0, 1.0)
    full = drain(evaluate_slice(problem, plane, window, 21))
    gen = evaluate_slice(problem, plane, window, 21)
    block = next(gen)
    gen.close()
    identity = slice_identity(problem, plane, window, (21, 21), ("loss", "accuracy"))
    path = tmp_path / "s.partial.npz"
    save_partial(path, identity, partial_of(block.values, block.evaluated))
    known = load_partial(path, identity)
    missing = int((~known.evaluated).sum())
    assert 0 < missing < 21 * 21
    counting = Counting()
    resumed = drain(evaluate_slice(problem, plane, window, 21, executor=counting, known=known))
    assert counting.points == missing
    remote = drain(
        evaluate_slice(problem, plane, window, 21, executor=cluster.executor(), known=known)
    )
    for values in (resumed.values, remote.values):
        assert np.array_equal(values["loss"], full.values["loss"])


def test_a_partial_grid_of_another_plane_or_window_is_refused(digits, tmp_path):
    problem, plane = digits
    identity = slice_identity(problem, plane, (-1, 1, -1, 1), (5, 5), ("loss", "accuracy"))
    path = tmp_path / "s.partial.npz"
    cells = PartialSlice({"loss": np.ones((5, 5)), "accuracy": np.ones((5, 5))}, np.eye(5) > 0)
    save_partial(path, identity, cells)
    other = random_plane(problem.model.layout, problem.init, seed=4)
    with pytest.raises(LandscapeError, match="plane differ"):
        load_partial(path, slice_identity(problem, other, (-1, 1, -1, 1), (5, 5), identity.fields))
    with pytest.raises(LandscapeError, match="window, shape differ"):
        load_partial(path, slice_identity(problem, plane, (-2, 1, -1, 1), (6, 5), identity.fields))
    back = load_partial(path, identity)
    assert np.array_equal(back.evaluated, np.eye(5) > 0)
    assert np.isnan(back.values["loss"][0, 1]) and back.values["loss"][0, 0] == 1


def test_a_task_that_keeps_killing_workers_is_named(cluster):
    executor = cluster.executor()
    with pytest.raises(LandscapeError, match="given up: the 2 workers that ran it all died"):
        drain(stream_tasks(executor, lambda shared, item: os._exit(1), None, [0]))
    cluster.client.wait_for_workers(2, timeout=120)


def test_a_worker_that_rebuilds_other_data_is_refused(cluster, digits):
    problem, plane = digits
    from dataclasses import replace

    shifted = replace(problem, init=problem.init + 1)  # same id and params, another θ₀
    with pytest.raises(LandscapeError, match="rebuilt scenario 'digits-resnet' with other data"):
        drain(evaluate_slice(shifted, plane, resolution=5, executor=cluster.executor()))


def test_cluster_curvature_map_is_bit_identical_to_in_process(cluster, digits):
    problem, _ = digits
    landscape = build_landscape(problem, Modes(), PlaneSpec("random", seed=3))
    window = Window((-1.0, 1.0, -1.0, 1.0))
    local = drain(hessian_map(landscape, window, (9, 7)))
    remote = drain(hessian_map(landscape, window, (9, 7), executor=cluster.executor()))
    assert np.isfinite(local.lam_max).all() and (local.lam_max > 0).all()
    for name in ("lam_min", "lam_max", "residuals", "converged"):
        assert np.array_equal(getattr(local, name), getattr(remote, name)), name
    assert local.hvp_count == remote.hvp_count


def test_cluster_basin_map_is_bit_identical_to_in_process(cluster, digits):
    problem, _ = digits
    landscape = build_landscape(problem, Modes(), PlaneSpec("random", seed=3))
    obj, modes = landscape.map_objective, landscape.map_modes
    window, config = (
        Window((-1.0, 1.0, -1.0, 1.0)),
        RunConfig.for_optimizer("adam", lr=0.05, steps=8),
    )
    local = drain(basin_map(obj, modes, window, 7, config, []))
    remote = drain(basin_map(obj, modes, window, 7, config, [], executor=cluster.executor()))
    assert (local.steps > 0).all()
    for name in ("labels", "final_points", "steps"):
        assert np.array_equal(getattr(local, name), getattr(remote, name)), name
    assert [a.label for a in local.attractors] == [a.label for a in remote.attractors]


def test_an_own_model_that_trains_while_building_is_rebuilt_bit_for_bit(cluster):
    """The BatchNorm CNN example fits its model for 60 steps when it is built; its weights
    depend on the torch thread count (CPU reductions are split across threads), so workers
    rebuild it on the client's count and the slice is the same bits."""
    from compute import register_model

    problem = build_problem(register_model("resources/examples/digits_bn_cnn.py:make").id)
    plane = random_plane(problem.layout, problem.init, seed=1)
    local = drain(evaluate_slice(problem, plane, (-1, 1, -1, 1), (7, 5)))
    remote = drain(
        evaluate_slice(problem, plane, (-1, 1, -1, 1), (7, 5), executor=cluster.executor())
    )
    for field, values in local.values.items():
        assert np.array_equal(values, remote.values[field]), field


def test_local_workers_keep_glibc_adaptive_malloc(cluster):
    """Dask's default MALLOC_TRIM_THRESHOLD_ (65536) turns off glibc's adaptive mmap threshold,
    so every tensor over 128 KiB is mmapped anew (a CNN's forward 19 ms instead of 9 ms on a
    worker): a local cluster's workers start without it, while the user's config still has it."""
    import dask

    seen = cluster.client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
    assert len(seen) == 2 and set(seen.values()) == {None}, seen
    key = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"
    assert dask.config.get(key) == 65536  # untouched outside the cluster's start
