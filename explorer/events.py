"""Typed events (Qt-free): the one event bus of the explorer and its lab.

An ``Event[P]`` is a list of callbacks that take a payload of type ``P``; mypy checks that a
subscriber takes what the event carries. Views, panels and controllers ``connect``; only the
state objects (``explorer/state.py``, ``explorer/lab/state.py``) ``emit`` (a test checks it).
Payloads are frozen dataclasses or immutable values, so a subscriber cannot change what the
next one receives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

P = TypeVar("P")


class Event(Generic[P]):
    """Callbacks ``(payload: P) -> None``, called in the order they connected."""

    __slots__ = ("_listeners", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self._listeners: list[Callable[[P], None]] = []

    def connect(self, callback: Callable[[P], None]) -> None:
        self._listeners.append(callback)

    def disconnect(self, callback: Callable[[P], None]) -> None:
        self._listeners.remove(callback)

    def emit(self, payload: P) -> None:
        """Call every listener with ``payload`` (state objects only)."""
        for callback in list(self._listeners):
            callback(payload)

    def __len__(self) -> int:
        return len(self._listeners)

    def __repr__(self) -> str:
        return f"Event({self.name!r}, {len(self._listeners)} listeners)"


@dataclass(frozen=True)
class Message:
    """Something to tell the user: ``kind`` is "info", "warning", "error" or "clear"."""

    text: str
    kind: str = "info"
    details: str = ""
    """More for who asks (the traceback of a user's own code): a click away in the banner."""


@dataclass(frozen=True)
class Progress:
    """``task`` is at ``fraction`` (0 ≤ f < 1 running, ≥ 1 finished, < 0 stopped or failed)."""

    task: str
    fraction: float


__all__ = ["Event", "Message", "Progress"]
