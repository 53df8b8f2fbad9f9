"""The contract for long computations: generators that yield progress and return a result."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, TypeVar

R = TypeVar("R")


def drain(gen: Generator[Any, None, R]) -> R:
    """Run a progress generator to its end and return its result (for headless callers)."""
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value
