"""The fields of a session file, read strictly one by one (numbers, flags, texts, lists, the
optimizer, planes, runs, float32 vectors) and written back: what ``compute.sessions.file``
assembles into a whole session."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from compute.dynamics.optimizers import RunConfig
from compute.errors import LandscapeError, short
from compute.landscapes.plane_choice import PlaneSpec, from_text, to_text
from compute.sessions.reading import MAX_BYTES
from compute.sessions.session import RunSettings
from compute.vocabulary import PLANE_KINDS, RECIPES

RUN_KEYS = {"start", "optimizer", "color", "visible", "in_plane", "at", "theta", "plane", "note"}
PLANE_KEYS = {"kind", "seed", "vectors", "source", "explained", "marks", "orthonormal"}
OPTIMIZER_KEYS = {"name", "lr", "momentum", "steps", "batch_size", "seed", "tol"}
OPTIMIZER_KEYS |= {"curvature_every"}
MAX_VECTOR = 1e12
"""Largest |entry| of saved plane vectors and θ starts (float32): squares and the symmetry
alignment's costs stay finite."""


def _floats(data: bytes, what: str) -> int:
    """Check float32 bytes (finite, |v| ≤ MAX_VECTOR); returns how many values they hold."""
    if len(data) % 4:
        raise LandscapeError(f"{what} must be float32 values")
    values = np.frombuffer(data, dtype="<f4")
    if not np.isfinite(values).all():
        raise LandscapeError(f"{what} hold NaN or infinite values")
    if values.size and float(np.abs(values).max()) > MAX_VECTOR:
        raise LandscapeError(f"{what} hold values beyond ±{MAX_VECTOR:g}")
    return int(values.size)


def _vectors(data: bytes, what: str) -> bytes:
    """Saved plane vectors [origin; d₁; d₂]: finite, bounded, d₁ and d₂ not zero."""
    if not data:
        return data
    count = _floats(data, what)
    if count % 3:
        raise LandscapeError(f"{what} must hold origin, d₁ and d₂ of equal length")
    rows = np.frombuffer(data, dtype="<f4").reshape(3, -1).astype(np.float64)
    if not (np.linalg.norm(rows[1]) > 0 and np.linalg.norm(rows[2]) > 0):
        raise LandscapeError(f"{what}: a direction is zero (the plane is degenerate)")
    return data


def _theta(data: bytes, what: str) -> bytes:
    _floats(data, f"{what}'s θ start")
    return data


def _fields(d: Any, allowed: set[str], what: str) -> dict[str, Any]:
    if not isinstance(d, dict):
        raise LandscapeError(f"{what} must be a JSON object, got {short(d)}")
    unknown = sorted(str(k) for k in d if k not in allowed)
    if unknown:
        raise LandscapeError(f"unknown field {short(unknown[0])} in {what}")
    return d


def _number(v: Any, what: str) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise LandscapeError(f"{what} must be a number, got {short(v)}")
    try:
        x = float(v)
    except OverflowError:
        raise LandscapeError(f"{what} is too large") from None
    if not math.isfinite(x) or abs(x) > 1e300:
        raise LandscapeError(f"{what} must be a finite number, got {short(v)}")
    return x


def _integer(v: Any, what: str, lo: int = 0, hi: int = 2**63 - 1) -> int:
    """A whole number in [lo, hi]: a JSON integer exactly (seeds above 2⁵³ lose digits
    through float), or a float with no fractional part (2.0)."""
    if isinstance(v, int) and not isinstance(v, bool):
        x: float | int = v
    else:
        x = _number(v, what)
        if x != int(x):
            raise LandscapeError(f"{what} must be a whole number, got {short(v)}")
    if not lo <= x <= hi:
        raise LandscapeError(f"{what} must be between {lo} and {hi}, got {short(v)}")
    return int(x)


def _flag(v: Any, what: str) -> bool:
    if not isinstance(v, bool):
        raise LandscapeError(f"{what} must be true or false, got {short(v)}")
    return v


def _text(v: Any, what: str, limit: int = 200) -> str:
    if not isinstance(v, str) or len(v) > limit:
        raise LandscapeError(f"{what} must be a string of at most {limit} characters")
    return v


def _list(v: Any, what: str, limit: int) -> list[Any]:
    if not isinstance(v, list) or len(v) > limit:
        raise LandscapeError(f"{what} must be a list of at most {limit} items")
    return v


def _optimizer_from(d: Any, what: str) -> RunConfig:
    d = _fields(d, OPTIMIZER_KEYS, what)
    tol = d.get("tol")
    return RunConfig.for_optimizer(
        _text(d.get("name", "gd"), f"{what} name", 20),
        lr=None if "lr" not in d else _number(d["lr"], f"{what} lr"),
        momentum=None if "momentum" not in d else _number(d["momentum"], f"{what} momentum"),
        steps=_integer(d.get("steps", 1000), f"{what} steps", 1, 10**9),
        batch_size=_integer(d.get("batch_size", 0), f"{what} batch size", 0, 10**9),
        seed=_integer(d.get("seed", 0), f"{what} seed"),
        tol=None if tol is None else _number(tol, f"{what} tolerance"),
        curvature_every=_integer(d.get("curvature_every", 0), f"{what} curvature_every", 0, 10**6),
    )


def _optimizer_to(c: RunConfig) -> dict[str, Any]:
    return {
        "name": c.optimizer,
        "lr": c.lr,
        "momentum": c.momentum,
        "steps": c.steps,
        "batch_size": c.batch_size,
        "seed": c.seed,
        "tol": c.tol,
        "curvature_every": c.curvature_every,
    }


def _plane_from(v: Any, what: str) -> PlaneSpec:
    if isinstance(v, str):  # version 1: "kind:seed"; its derived planes had no vectors
        kind, _, seed = v.partition(":")
        if kind not in PLANE_KINDS:
            raise LandscapeError(f"{what} {short(v)} is not one of {', '.join(PLANE_KINDS)}")
        if kind not in RECIPES:  # it would silently become a random plane
            raise LandscapeError(
                f"{what} {short(v)}: a version-1 {kind} plane was saved without its vectors and "
                f"cannot be rebuilt; set it to {' or '.join(RECIPES)} (or remake the plane)"
            )
        if seed and not seed.isdigit():
            raise LandscapeError(f"{what} {short(v)}: the seed after ':' must be a whole number")
        number = _integer(int(seed) if seed.isdigit() else 0, f"{what} seed")
        return PlaneSpec(kind if kind in RECIPES else "random", number)
    d = _fields(v, PLANE_KEYS, what)
    marks = []
    for m in _list(d.get("marks", []), f"{what} marks", 16):
        item = _list(m, f"{what} mark", 3)
        if len(item) != 3:
            raise LandscapeError(f"{what} marks are [name, a, b]")
        marks.append(
            (_text(item[0], "mark name", 40), _number(item[1], "a"), _number(item[2], "b"))
        )
    return PlaneSpec(
        _text(d.get("kind", "random"), f"{what} kind", 20),
        _integer(d.get("seed", 0), f"{what} seed"),
        _vectors(
            from_text(_text(d.get("vectors", ""), f"{what} vectors", MAX_BYTES)), f"{what} vectors"
        ),
        _text(d.get("source", ""), f"{what} source"),
        tuple(_number(e, "explained variance") for e in _list(d.get("explained", []), what, 2)),
        tuple(marks),
        _flag(d.get("orthonormal", False), f"{what} orthonormal"),
    )


def _plane_to(p: PlaneSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": p.kind, "seed": p.seed}
    if p.derived or p.vectors:
        out |= {"vectors": to_text(p.vectors), "source": p.source, "orthonormal": p.orthonormal}
        out |= {"explained": list(p.explained), "marks": [list(m) for m in p.marks]}
    return out


def _run_from(r: Any, i: int, plane: PlaneSpec | None, batch: int, version: int) -> RunSettings:
    what = f"run {i + 1}"
    r = _fields(r, RUN_KEYS, what)
    start = tuple(_number(v, f"{what} start") for v in _list(r.get("start"), f"{what} start", 2))
    config = _optimizer_from(r.get("optimizer", {}), f"{what} optimizer")
    if version == 1 and batch:
        config = RunConfig.for_optimizer(config.optimizer, lr=config.lr, batch_size=batch)
    run_plane = r.get("plane")
    given = plane if run_plane is None and version == 1 else None  # v1: the session's plane
    return RunSettings(
        start,
        config,
        _text(r.get("color", "#E69F00"), f"{what} colour", 7),
        _flag(r.get("visible", True), f"{what} visible"),
        _flag(r.get("in_plane", False), f"{what} in_plane"),
        _text(r.get("at", "point"), f"{what} start kind", 10),
        _theta(from_text(_text(r.get("theta", ""), f"{what} theta", MAX_BYTES)), what),
        given if run_plane is None else _plane_from(run_plane, f"{what} plane"),
        _text(r.get("note", ""), f"{what} note", 400),
    )
