"""Many small generators (optimizer runs) stepped round-robin by ONE worker thread.

Runs are Python-bound (a few small torch calls per step). One thread per run would make N
threads compete with the GUI thread for the GIL, and the window would stall for hundreds of ms
while four runs compute; one shared thread leaves the GUI thread most of its share.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject
from superqt.utils import create_worker

from explorer.jobs import IDLE, Gate, JobFailed

Item = tuple[Any, int, str, Any]  # (key, request, "item" | "done" | "error", payload)
IDLE_YIELD_S = 0.1


@dataclass
class _Stream:
    request: int
    make: Callable[[], Generator[Any, None, Any]]
    gate: Gate
    on_items: Callable[[list[Any]], None]
    on_done: Callable[[Any], None]
    on_error: Callable[[Exception], None]
    done: bool = False
    gen: Generator[Any, None, Any] | None = None
    due: float = 0.0
    pending: list[Any] = field(default_factory=list)


class StreamPool(QObject):
    """``add(key, make, ...)`` a generator; its items come back in batches on the GUI thread."""

    def __init__(self, parent: QObject | None = None, batch_seconds: float = 1 / 30) -> None:
        super().__init__(parent)
        self.batch_seconds = batch_seconds
        self._streams: dict[Any, _Stream] = {}  # GUI-thread view
        self._lock = threading.Lock()
        self._inbox: list[tuple[Any, _Stream | None]] = []  # (key, stream or None = cancel)
        self._request = 0
        self._worker: Any = None  # a superqt GeneratorWorker while streams exist
        self._wake = threading.Event()  # set when there is news for the worker

    def add(
        self,
        key: Any,
        make: Callable[[], Generator[Any, None, Any]],
        on_items: Callable[[list[Any]], None],
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None],
        paused: bool = False,
        delay: float = 0.0,
    ) -> Gate:
        """Start (or restart) stream ``key``; returns its pause/step gate."""
        self._request += 1
        gate = Gate(delay)
        if paused:
            gate.pause()
        stream = _Stream(self._request, make, gate, on_items, on_done, on_error)
        self._streams[key] = stream
        with self._lock:
            self._inbox.append((key, stream))
        self._wake.set()
        self._ensure_worker()
        return gate

    def cancel(self, key: Any) -> None:
        if self._streams.pop(key, None) is not None:
            with self._lock:
                self._inbox.append((key, None))
            self._wake.set()

    def gate(self, key: Any) -> Gate | None:
        stream = self._streams.get(key)
        return stream.gate if stream is not None else None

    def busy(self, key: Any) -> bool:
        stream = self._streams.get(key)
        return stream is not None and not stream.done

    def any_busy(self) -> bool:
        return any(not s.done for s in self._streams.values())

    def shutdown(self) -> None:
        self._streams.clear()
        if self._worker is not None:
            self._worker.quit()
            self._wake.set()
            self._worker = None

    # GUI thread ---------------------------------------------------------------------------
    def _ensure_worker(self) -> None:
        if self._worker is not None:
            return
        worker = create_worker(self._loop, _start_thread=False)
        worker.yielded.connect(self._deliver)
        worker.errored.connect(lambda exc: self._fail_all(exc))
        self._worker = worker
        worker.start()

    def _deliver(self, items: list[Item] | None) -> None:
        if items is IDLE:
            return
        grouped: dict[Any, list[Any]] = {}
        for key, request, kind, payload in items:
            stream = self._streams.get(key)
            if stream is None or stream.request != request:
                continue  # cancelled or restarted since
            if kind == "item":
                grouped.setdefault(key, []).append(payload)
                continue
            if key in grouped:
                stream.on_items(grouped.pop(key))
            stream.done = True
            (stream.on_done if kind == "done" else stream.on_error)(payload)
        for key, batch in grouped.items():
            self._streams[key].on_items(batch)

    def _fail_all(self, exc: Exception) -> None:
        self._worker = None
        for stream in self._streams.values():
            if not stream.done:
                stream.done = True
                stream.on_error(exc)

    # worker thread ------------------------------------------------------------------------
    def _loop(self) -> Generator[list[Item] | None, None, None]:
        active: dict[Any, _Stream] = {}
        out: list[Item] = []
        flushed = idled = time.monotonic()
        while True:
            with self._lock:
                inbox, self._inbox = self._inbox, []
            for key, stream in inbox:
                old = active.pop(key, None)
                if old is not None and old.gen is not None:
                    old.gen.close()
                if stream is not None:
                    active[key] = stream
            produced, single = self._step_all(active, out)
            now = time.monotonic()
            if out and (single or now - flushed >= self.batch_seconds):
                yield out
                out, flushed = [], now
            elif not produced:  # all paused, slowed down, or nothing to run
                if (
                    now - idled >= IDLE_YIELD_S
                ):  # let superqt check quit(), rarely: each is a signal
                    yield IDLE
                    idled = now
                self._wake.wait(0.002 if active else IDLE_YIELD_S)
                self._wake.clear()

    def _step_all(self, active: dict[Any, _Stream], out: list[Item]) -> tuple[bool, bool]:
        """One item from every stream whose gate and delay allow it.

        Returns (whether any stream produced, whether one of them was a single step)."""
        single = produced = False
        now = time.monotonic()
        for key, stream in list(active.items()):
            if now < stream.due:
                continue
            go, one = stream.gate.take()
            if not go:
                continue
            try:
                if stream.gen is None:
                    stream.gen = stream.make()
                out.append((key, stream.request, "item", next(stream.gen)))
            except StopIteration as stop:
                out.append((key, stream.request, "done", stop.value))
                del active[key]
            except Exception as exc:  # reported to the GUI, which says what failed
                err = JobFailed(f"{type(exc).__name__}: {exc}")
                out.append((key, stream.request, "error", err))
                del active[key]
            stream.due = now + stream.gate.delay
            single |= one
            produced = True
        return produced, single
