"""``DaskExecutor``: the grid executor seam (``compute.geometry.executors``) on a Dask cluster.

The shared part of a grid's work is pickled once by description (``shipping``) and held by
the scheduler as the input of one small task, so a worker that joins late or replaces a dead
one fetches or recomputes it; tasks are submitted with ``retries`` and stream back as they
finish. A task whose runs keep killing workers (``KilledWorker``) is reported by name.
"""

from __future__ import annotations

import hashlib
import time
import uuid
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from compute.cluster.shipping import loads_cached, ship
from compute.errors import LandscapeError

TASK_SECONDS = 0.2
"""Work per task: Dask's scheduler costs ~1 ms per task, so ≥ 0.1 s keeps it below 1 %."""
LOST_SECONDS = 10.0
POLL_SECONDS = 0.01
"""How long the client may be without its scheduler before a grid gives up."""


@dataclass(frozen=True)
class _Shared:
    token: str
    future: Any


def _hold(blob: bytes) -> bytes:
    return blob


def _run_shared(fn: Callable[..., Any], token: str, blob: bytes, *args: Any) -> Any:
    return fn(loads_cached(token, blob), *args)


class DaskExecutor:
    """Grid tasks on the workers of ``client`` (a ``distributed.Client``).

    Parameters
    ----------
    client
        A connected client (``compute.cluster.connect`` makes one).
    retries
        Reruns of a task that raised (a worker's transient failure); a task on a worker that
        died is rescheduled by the scheduler itself, up to its ``allowed-failures``.
    slots_per_worker
        Tasks kept in flight per worker thread: one running, one queued.
    """

    def __init__(self, client: Any, retries: int = 2, slots_per_worker: int = 2) -> None:
        self.client, self.retries, self.per_worker = client, retries, slots_per_worker
        self.task_seconds = TASK_SECONDS
        self.resources: dict[str, float] | None = None
        self._uploaded: set[str] = set()
        self._lost_since: float | None = None

    @property
    def slots(self) -> int:
        threads = sum(self.client.nthreads().values()) if self.client.status == "running" else 1
        return max(1, threads) * self.per_worker

    def share(self, value: Any) -> _Shared:
        shipment = ship(value)
        for path in shipment.files:
            if path not in self._uploaded:
                try:
                    self.client.upload_file(path)
                except Exception as exc:
                    raise LandscapeError(
                        f"cannot upload {path} to the workers: {type(exc).__name__}: {exc}"
                    ) from None
                self._uploaded.add(path)
        self.resources = {"GPU": 1} if "cuda" in shipment.devices else None
        token = hashlib.sha256(shipment.blob).hexdigest()[:32]
        with warnings.catch_warnings():  # a big plane is meant to travel in the graph, once
            warnings.simplefilter("ignore", UserWarning)
            future = self.client.submit(_hold, shipment.blob, key=f"landscape-shared-{token}")
        return _Shared(token, future)

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any:
        if not args or not isinstance(args[0], _Shared):
            raise LandscapeError("grid tasks take the shared handle first: fn(shared, item)")
        shared, rest = args[0], args[1:]
        return self.client.submit(
            _run_shared,
            fn,
            shared.token,
            shared.future,
            *rest,
            key=f"{getattr(fn, '__name__', 'task')}-{shared.token[:8]}-{uuid.uuid4().hex[:8]}",
            retries=self.retries,
            resources=self.resources,
            pure=False,
        )

    def wait(self, futures: Sequence[Any], timeout: float) -> list[Any]:
        """Polls the futures' states every 10 ms (``distributed.wait``'s timeout leaves a
        traceback cycle that keeps the futures, and so their results, alive until gc)."""
        deadline = time.monotonic() + timeout
        while True:
            self._check_connection()
            done = [f for f in futures if f.done()]
            if done or time.monotonic() >= deadline:
                break
            time.sleep(POLL_SECONDS)
        for f in done:
            if f.status == "error":
                _raise_named(f)
        return done

    def _check_connection(self) -> None:
        if self.client.status == "running":
            self._lost_since = None
            return
        now = time.monotonic()
        self._lost_since = self._lost_since or now
        if now - self._lost_since > LOST_SECONDS:
            raise LandscapeError(
                f"lost the connection to the Dask scheduler ({self.client.status}): the map "
                "keeps what had arrived; run again (with --resume) to finish it"
            )

    def cancel(self, futures: Iterable[Any]) -> None:
        pending = list(futures)
        if pending and self.client.status == "running":
            self.client.cancel(pending, force=True)

    def release(self, shared: Any) -> None:
        if isinstance(shared, _Shared) and self.client.status == "running":
            shared.future.release()


def _raise_named(future: Any) -> None:
    """A task's error as one LandscapeError (KilledWorker named), else the error itself."""
    from distributed.scheduler import KilledWorker

    exc = future.exception()
    if isinstance(exc, KilledWorker):
        deaths = exc.args[2] + 1 if len(exc.args) > 2 else "several"
        raise LandscapeError(
            f"task {future.key} was given up: the {deaths} workers that ran it all died "
            "(out of memory on the workers?)"
        ) from None
    if isinstance(exc, LandscapeError):
        raise LandscapeError(str(exc)) from None
