"""The contract for long computations: generators that yield progress and return a result."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any, TypeVar

R = TypeVar("R")
A = TypeVar("A")
B = TypeVar("B")


def drain(gen: Generator[Any, None, R]) -> R:
    """Run a progress generator to its end and return its result (for headless callers)."""
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value


def mapped(gen: Generator[A, None, R], fn: Callable[[A], B]) -> Generator[B, None, R]:
    """Re-yield ``fn(item)`` for each item of ``gen`` and return its result: a computation's
    own progress translated into its caller's (``yield from mapped(...)``). Closing the
    mapped generator closes ``gen``."""
    while True:
        try:
            item = next(gen)
        except StopIteration as stop:
            return stop.value
        yield fn(item)
