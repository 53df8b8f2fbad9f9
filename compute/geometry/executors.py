"""Where grid-shaped work runs: the executor seam of slices, basin maps and curvature maps.

Grid work is split into tasks ``fn(shared, item)``: ``shared`` is what every task needs (the
problem and the plane, shipped once), ``item`` one task's grid points. A ``GridExecutor``
runs them: ``InProcess`` (the default) runs each task at once in this process, a
``concurrent.futures.Executor`` is wrapped by ``as_grid_executor``, and
``compute.cluster.DaskExecutor`` ships the shared part once to a Dask cluster. The grid code
(``stream_tasks``) does not know which it has.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Generator, Iterable, Sequence
from typing import Any, Protocol, TypeVar, runtime_checkable

from compute.errors import LandscapeError

S = TypeVar("S")
I = TypeVar("I")  # noqa: E741
R = TypeVar("R")

WAIT_SECONDS = 0.25
"""How long ``stream_tasks`` waits for a result before it yields a heartbeat (None)."""


@runtime_checkable
class TaskFuture(Protocol):
    """What ``concurrent.futures.Future`` and ``distributed.Future`` share."""

    def done(self) -> bool: ...
    def result(self, timeout: float | None = None) -> Any: ...
    def cancel(self) -> Any: ...


@runtime_checkable
class GridExecutor(Protocol):
    """Runs a grid's tasks ``fn(shared, item)``.

    Attributes
    ----------
    slots
        Tasks worth keeping in flight (1 in-process; a few per worker on a cluster).
    task_seconds
        The least work worth one task: 0 where a task costs nothing extra; ~0.1 s where each
        pays a scheduler's overhead (grid code groups its chunks of points to reach it).
    """

    @property
    def slots(self) -> int: ...
    @property
    def task_seconds(self) -> float: ...

    def share(self, value: Any) -> Any:
        """A handle to pass to ``submit`` in place of ``value``: shipped once, not per task."""
        ...

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> TaskFuture: ...

    def wait(self, futures: Sequence[TaskFuture], timeout: float) -> list[TaskFuture]:
        """The futures of ``futures`` that are done after at most ``timeout`` seconds (at
        least one unless the time ran out); raises LandscapeError if they never can be."""
        ...

    def cancel(self, futures: Iterable[TaskFuture]) -> None: ...

    def release(self, shared: Any) -> None:
        """Forget a handle from ``share`` (its tasks are finished or cancelled)."""
        ...


class InProcess:
    """The default: each task runs at once, in this process, when it is submitted."""

    slots = 1
    task_seconds = 0.0

    def share(self, value: Any) -> Any:
        return value

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> TaskFuture:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # delivered by result(), as an executor's future does
            future.set_exception(exc)
        return future

    def wait(self, futures: Sequence[TaskFuture], timeout: float) -> list[TaskFuture]:
        return [f for f in futures if f.done()]

    def cancel(self, futures: Iterable[TaskFuture]) -> None:
        for f in futures:
            f.cancel()

    def release(self, shared: Any) -> None:
        pass


class PoolExecutor:
    """A ``concurrent.futures.Executor`` (a thread or process pool) as a GridExecutor."""

    task_seconds = 0.0

    def __init__(self, pool: concurrent.futures.Executor, slots: int = 2) -> None:
        self.pool, self.slots = pool, max(1, int(getattr(pool, "_max_workers", slots)))

    def share(self, value: Any) -> Any:
        return value

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> TaskFuture:
        return self.pool.submit(fn, *args)

    def wait(self, futures: Sequence[TaskFuture], timeout: float) -> list[TaskFuture]:
        done, _ = concurrent.futures.wait(
            futures,  # type: ignore[arg-type]
            timeout=timeout,
            return_when=concurrent.futures.FIRST_COMPLETED,
        )
        return [f for f in futures if f in done]

    def cancel(self, futures: Iterable[TaskFuture]) -> None:
        for f in futures:
            f.cancel()

    def release(self, shared: Any) -> None:
        pass


_DEFAULT: list[GridExecutor] = []


def use_grid_executor(executor: object | None) -> None:
    """Where grid work runs when a call names no executor: ``executor`` from now on (the
    window's preference: a cluster), or this process again for None."""
    _DEFAULT.clear()
    if executor is not None:
        _DEFAULT.append(as_grid_executor(executor))


def default_grid_executor() -> GridExecutor:
    """The executor of ``use_grid_executor``, else ``InProcess()``."""
    return _DEFAULT[0] if _DEFAULT else InProcess()


def as_grid_executor(executor: object | None) -> GridExecutor:
    """None → ``default_grid_executor()`` (this process unless ``use_grid_executor`` said
    otherwise); a GridExecutor as it is; a ``concurrent.futures.Executor`` wrapped
    (``PoolExecutor``); anything else is refused."""
    if executor is None:
        return default_grid_executor()
    if isinstance(executor, GridExecutor):
        return executor
    if isinstance(executor, concurrent.futures.Executor):
        return PoolExecutor(executor)
    raise LandscapeError(
        f"cannot run grid work on {type(executor).__name__}: give a concurrent.futures "
        "Executor, a compute.cluster.DaskExecutor or None (this process)"
    )


def stream_tasks(
    executor: GridExecutor,
    fn: Callable[[Any, I], R],
    shared: Any,
    items: Iterable[I],
    in_flight: int | None = None,
) -> Generator[tuple[int, R] | None, None, None]:
    """Run ``fn(shared, item)`` for every item; yield ``(index, result)`` as each finishes.

    At most ``in_flight`` (default ``executor.slots``) tasks are submitted ahead, in the
    items' order, so a scheduler that runs earlier tasks first fills a map coarse to fine.
    While nothing finishes it yields None every WAIT_SECONDS (a caller can give up there).
    Closing the generator cancels every task in flight. A task that failed raises its error.
    """
    handle = executor.share(shared)
    pending: dict[int, TaskFuture] = {}  # index → future, in submission order
    source = enumerate(items)
    limit = max(1, in_flight or executor.slots)
    exhausted = False
    try:
        while True:
            while not exhausted and len(pending) < limit:
                nxt = next(source, None)
                if nxt is None:
                    exhausted = True
                    break
                pending[nxt[0]] = executor.submit(fn, handle, nxt[1])
            if not pending:
                return
            done = {id(f) for f in executor.wait(list(pending.values()), WAIT_SECONDS)}
            if not done:
                yield None
                continue
            for index in [i for i, f in pending.items() if id(f) in done]:
                value = pending[index].result()
                del pending[index]  # no reference left here once it is yielded
                yield index, value
    finally:
        if pending:
            executor.cancel(list(pending.values()))
            pending.clear()
        executor.release(handle)
