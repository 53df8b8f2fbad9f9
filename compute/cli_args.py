"""Parsing of the CLI's compound arguments (shared by every command)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from compute.errors import LandscapeError


def parse_floats(text: str, what: str) -> tuple[float, ...]:
    """``"1.5,-2"`` → (1.5, −2.0); refuses empty items and non-finite values."""
    try:
        values = tuple(float(item) for item in text.split(","))
    except ValueError:
        raise LandscapeError(f"{what} {text!r} must be comma-separated numbers") from None
    if not all(math.isfinite(v) for v in values):
        raise LandscapeError(f"{what} {text!r} must be finite numbers (no NaN or inf)")
    return values


def parse_sets(items: Sequence[str]) -> dict[str, str]:
    """``["a=1", "b=x"]`` (repeated ``--set``) → {"a": "1", "b": "x"}."""
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise LandscapeError(f"--set {item!r} must look like NAME=VALUE")
        out[name.strip()] = value.strip()
    return out
