"""Workers for one-off jobs: one slot per kind of job (map, critical points, basins, ...),
stale results dropped. (Optimizer runs share one worker instead: explorer/streams.py.)

Each job wraps a compute generator in superqt's ``GeneratorWorker``. The wrapper batches what
the generator yields (one list about every ``batch_seconds``, so the GUI thread is not flooded
with signals) and stops it between items when the job is cancelled: the generator is then
closed in its own worker thread (its ``finally`` clauses run there and then, not when the
interpreter finalises a forgotten generator at exit, with torch half torn down). Results reach
the GUI thread through queued signals; a result from a job that is no longer its slot's
current one is dropped.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Generator, Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThreadPool
from superqt.utils import create_worker

from compute import LandscapeError

IDLE = None  # yielded while paused so the worker can notice quit()
THREADS = 8
"""Threads of one window's job pool (its slots rarely run more than a few jobs at once)."""
_POOLS: weakref.WeakSet[QThreadPool] = weakref.WeakSet()


def wait_all(timeout_ms: int) -> bool:
    """Wait until every job pool (every window's, the lab's) and Qt's global pool (the run
    streams) are idle; False if one is still busy after ``timeout_ms`` each."""
    done = True
    for pool in [*list(_POOLS), QThreadPool.globalInstance()]:
        try:
            done = pool.waitForDone(timeout_ms) and done
        except RuntimeError:  # deleted with its window: Qt joined its threads then
            continue
    return done


class JobFailed(Exception):
    """A compute error re-raised as a plain Exception: superqt treats a RuntimeError as "the
    worker was deleted" and only warns, so without this the GUI would never hear of it."""


def user_error(exc: BaseException) -> BaseException:
    """What to tell the user of a failed job: the LandscapeError a JobFailed carries (its own
    one line, without the "LandscapeError:" prefix), else the error itself."""
    cause = exc.__cause__
    return cause if isinstance(cause, LandscapeError) else exc


class Gate:
    """Thread-safe pause / single-step / slow-motion control shared with a worker."""

    def __init__(self, delay: float = 0.0) -> None:
        self._lock = threading.Lock()
        self._paused = False
        self._budget = 0
        self._stopped = False
        self.delay = delay

    def stop(self) -> None:
        """End the work at its next item, for good (``batched`` then returns None)."""
        self._stopped = True

    @property
    def stopped(self) -> bool:
        return self._stopped

    def pause(self) -> None:
        with self._lock:
            self._paused, self._budget = True, 0

    def resume(self) -> None:
        with self._lock:
            self._paused, self._budget = False, 0

    def step(self, count: int = 1) -> None:
        """While paused, let ``count`` more items through."""
        with self._lock:
            self._paused = True
            self._budget += count

    @property
    def paused(self) -> bool:
        return self._paused

    def take(self) -> tuple[bool, bool]:
        """(may produce the next item, is this a single step)."""
        with self._lock:
            if not self._paused:
                return True, False
            if self._budget > 0:
                self._budget -= 1
                return True, True
            return False, False


def batched(
    gen: Generator[Any, None, Any], gate: Gate, batch_seconds: float
) -> Generator[list[Any] | None, None, Any]:
    """Re-yield ``gen``'s items as lists, at most every ``batch_seconds``; obey ``gate``.

    Returns ``gen``'s result, or None once ``gate`` is stopped. ``gen`` is closed when this
    ends in any way (finished, stopped, failed, or this generator closed), in the thread that
    runs it."""
    with closing(gen):
        return (yield from _batches(gen, gate, batch_seconds))


def _batches(
    gen: Generator[Any, None, Any], gate: Gate, batch_seconds: float
) -> Generator[list[Any] | None, None, Any]:
    batch: list[Any] = []
    last = time.monotonic()
    while True:
        if gate.stopped:
            return None
        go, single = gate.take()
        if not go:
            if batch:
                yield batch
                batch = []
            yield IDLE
            time.sleep(0.02)
            continue
        try:
            item = next(gen)
        except StopIteration as stop:
            if batch:
                yield batch
            return stop.value
        batch.append(item)
        # Release the GIL between items even without a delay: the GUI thread (and the other
        # workers) then wait at most one item's worth of work for it, not the interpreter's
        # 5 ms switch interval per competing thread.
        time.sleep(gate.delay)
        now = time.monotonic()
        if single or now - last >= batch_seconds:
            yield batch
            batch, last = [], now


@dataclass
class _Job:
    worker: Any  # superqt's GeneratorWorker (create_worker's return type is a union)
    gate: Gate
    done: bool = False

    def stop(self) -> None:
        """End the job at its next item; its generator is closed in the worker thread (not
        superqt's ``quit()``: that leaves the generator suspended, to be finalised whenever
        the garbage collector, or the interpreter at exit, gets to it)."""
        self.gate.stop()


class Jobs(QObject):
    """Slots of background work: ``submit`` replaces the slot's job, ``cancel`` stops it,
    ``cancel_all`` stops every one. The jobs run in this object's own thread pool (Qt's
    global pool is left as it is, and ``shutdown`` waits for these jobs only)."""

    def __init__(self, parent: QObject | None = None, batch_seconds: float = 1 / 30) -> None:
        super().__init__(parent)
        self._jobs: dict[str, _Job] = {}
        self.batch_seconds = batch_seconds
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(THREADS)
        _POOLS.add(self.pool)

    def submit(
        self,
        slot: str,
        make: Callable[[], Generator[Any, None, Any]],
        on_items: Callable[[list[Any]], None],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        """Start ``make()``'s generator in a worker, replacing the slot's job."""
        self.cancel(slot)
        gate = Gate()  # slot jobs run freely; pausing and stepping are for runs (streams.py)

        def body() -> Iterator[Any]:
            try:
                return (yield from batched(make(), gate, self.batch_seconds))
            except RuntimeError as exc:
                raise JobFailed(f"{type(exc).__name__}: {exc}") from exc

        worker = create_worker(body, _start_thread=False, _ignore_errors=True)
        job = _Job(worker, gate)
        self._jobs[slot] = job

        def current() -> bool:
            return self._jobs.get(slot) is job

        def yielded(items: list[Any] | None) -> None:
            if items is not IDLE and current():
                on_items(items)

        def returned(result: Any) -> None:
            if current():
                job.done = True
                if on_done is not None:
                    on_done(result)

        def errored(exc: Exception) -> None:
            if current():
                job.done = True
                if on_error is not None:
                    on_error(exc)

        worker.yielded.connect(yielded)
        worker.returned.connect(returned)
        worker.errored.connect(errored)
        # superqt's start() without its global pool: keep the worker alive while it runs
        worker._worker_set.add(worker)
        worker._finished.connect(worker._set_discard)
        self.pool.start(worker)

    def cancel(self, slot: str) -> None:
        job = self._jobs.pop(slot, None)
        if job is not None:
            job.stop()

    def cancel_all(self) -> list[str]:
        """Stop every job; returns the slots that were busy."""
        busy = self.busy_slots()
        for slot in list(self._jobs):
            self.cancel(slot)
        return busy

    def busy(self, slot: str) -> bool:
        job = self._jobs.get(slot)
        return job is not None and not job.done

    def busy_slots(self) -> list[str]:
        return [s for s, j in self._jobs.items() if not j.done]

    def shutdown(self, timeout_ms: int = 1000) -> bool:
        """Stop every job and wait up to ``timeout_ms``; True if all stopped in time."""
        for job in self._jobs.values():
            job.stop()
        self._jobs.clear()
        return self.pool.waitForDone(timeout_ms)
