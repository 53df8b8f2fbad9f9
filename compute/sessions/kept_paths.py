"""Paths a session keeps (``compute.paths``): what was connected, how, the path on the map and
its loss profile, validated strictly like every other part of a session."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from compute.errors import LandscapeError, short
from compute.paths.result import MAX_POINTS, METHODS, PathResult

MAX_PATHS = 16
MAX_FIELDS = 8
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_FIELD = re.compile(r"^[a-z_]{1,32}$")


@dataclass(frozen=True)
class PathRecord:
    """A path as a session keeps it.

    method : one of ``compute.paths.METHODS``; ends : the two ends' names
    coords : (K, map_dim) the path's nodes in the map's coordinates (θ for a toy; for a
        network, (a, b) projected onto the session's plane when the path was made)
    t : (K,) positions in [0, 1], non-decreasing; profile : field → (K,) (``loss`` always)
    barrier, barrier_mean : highest F − max of the ends (Draxler), − mean of the ends (Frankle)
    highest : the node of the highest point; index : negative Hessian eigenvalues there
        (``index_exact`` False: at least that many); color, visible : how it is drawn
    """

    method: str
    ends: tuple[str, str]
    coords: tuple[tuple[float, ...], ...]
    t: tuple[float, ...]
    profile: Mapping[str, tuple[float, ...]]
    barrier: float
    barrier_mean: float
    highest: int
    index: int
    index_exact: bool = True
    color: str = "#CC79A7"
    visible: bool = True
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        validate_path(self)

    @property
    def loss(self) -> np.ndarray:
        return np.asarray(self.profile["loss"], dtype=float)

    def describe(self) -> str:
        """``neb a → b: barrier 0.171 (index 1)``."""
        plus = "" if self.index_exact else "+"
        return (
            f"{self.method} {self.ends[0]} → {self.ends[1]}: barrier {self.barrier:.4g} "
            f"(index {self.index}{plus})"
        )


def validate_path(p: PathRecord, map_dim: int | None = None) -> None:
    """Refuse a path the explorer could not draw (LandscapeError with the reason)."""
    if p.method not in METHODS:
        raise LandscapeError(
            f"a path's method is one of {', '.join(METHODS)}, not {short(p.method)}"
        )
    k = len(p.t)
    if not 2 <= k <= MAX_POINTS:
        raise LandscapeError(f"a path has 2 to {MAX_POINTS} points, got {k}")
    if len(p.coords) != k or any(len(c) != len(p.coords[0]) for c in p.coords):
        raise LandscapeError("a path's points and positions differ in number or size")
    if map_dim is not None and len(p.coords[0]) != map_dim:
        raise LandscapeError(f"a path's points need {map_dim} map coordinates")
    values = [v for c in p.coords for v in c] + list(p.t) + [p.barrier, p.barrier_mean]
    if not all(math.isfinite(v) for v in values):
        raise LandscapeError("a path's points, positions and barriers must be finite")
    if any(b < a for a, b in zip(p.t, p.t[1:], strict=False)) or not 0 <= p.t[0] <= p.t[-1] <= 1:
        raise LandscapeError("a path's positions must rise from 0 to 1")
    if "loss" not in p.profile or len(p.profile) > MAX_FIELDS:
        raise LandscapeError(f"a path's profile has a loss and at most {MAX_FIELDS} fields")
    for name, series in p.profile.items():
        if not _FIELD.match(name) or len(series) != k:
            raise LandscapeError(f"path profile field {short(name)} is not a series of {k} values")
        if any(math.isinf(v) for v in series):
            raise LandscapeError(
                f"path profile {short(name)} must be finite (or NaN where unknown)"
            )
    if not 0 <= p.highest < k or p.index < 0:
        raise LandscapeError("a path's highest point and index must be within the path")
    if not _COLOR.match(p.color):
        raise LandscapeError(f"path colour {short(p.color)} is not #rrggbb")
    if any(len(e) > 80 for e in p.ends) or any(len(v) > 80 for v in p.labels.values()):
        raise LandscapeError("a path's end names and labels have at most 80 characters")


def record_of(result: PathResult, coords: np.ndarray, color: str = "#CC79A7") -> PathRecord:
    """The record of a computed path whose nodes are at map coordinates ``coords`` (K, d)."""
    profile = {
        k: tuple(float(x) for x in np.asarray(v, dtype=float)) for k, v in result.profile.items()
    }
    profile = dict(list(profile.items())[:MAX_FIELDS])
    return PathRecord(
        result.method,
        (result.ends[0][:80], result.ends[1][:80]),
        tuple(tuple(float(x) for x in row) for row in np.asarray(coords, dtype=float)),
        tuple(float(x) for x in np.clip(result.t, 0.0, 1.0)),
        profile,
        result.barrier.max_end,
        result.barrier.mean_end,
        result.saddle.node,
        result.saddle.index,
        result.saddle.index_exact,
        color,
        labels={k: v[:80] for k, v in result.labels.items() if k in profile},
    )


def path_to_json(p: PathRecord) -> dict[str, Any]:
    return {
        "method": p.method,
        "ends": list(p.ends),
        "coords": [list(c) for c in p.coords],
        "t": list(p.t),
        "profile": {k: [None if math.isnan(v) else v for v in s] for k, s in p.profile.items()},
        "labels": dict(p.labels),
        "barrier": p.barrier,
        "barrier_mean": p.barrier_mean,
        "highest": p.highest,
        "index": p.index,
        "index_exact": p.index_exact,
        "color": p.color,
        "visible": p.visible,
    }


PATH_KEYS = {"method", "ends", "coords", "t", "profile", "labels", "barrier", "barrier_mean"}
PATH_KEYS |= {"highest", "index", "index_exact", "color", "visible"}


def _floats(v: Any, what: str, nan: bool = False) -> tuple[float, ...]:
    if not isinstance(v, list) or len(v) > MAX_POINTS:
        raise LandscapeError(f"{what} must be a list of at most {MAX_POINTS} numbers")
    out = []
    for x in v:
        if x is None and nan:
            out.append(math.nan)
            continue
        if isinstance(x, bool) or not isinstance(x, int | float):
            raise LandscapeError(f"{what} must hold numbers, got {short(x)}")
        out.append(float(x))
    return tuple(out)


def path_from_json(d: Any, what: str) -> PathRecord:
    """A validated PathRecord from parsed JSON (every field type-checked)."""
    if not isinstance(d, dict):
        raise LandscapeError(f"{what} must be a JSON object")
    unknown = sorted(str(k) for k in d if k not in PATH_KEYS)
    if unknown:
        raise LandscapeError(f"unknown field {short(unknown[0])} in {what}")
    ends = d.get("ends")
    if not (isinstance(ends, list) and len(ends) == 2 and all(isinstance(e, str) for e in ends)):
        raise LandscapeError(f"{what} ends must be two names")
    coords = d.get("coords")
    if not isinstance(coords, list) or len(coords) > MAX_POINTS:
        raise LandscapeError(f"{what} coords must be a list of points")
    profile, labels = d.get("profile"), d.get("labels", {})
    if not isinstance(profile, dict) or not isinstance(labels, dict):
        raise LandscapeError(f"{what} profile and labels must be JSON objects")
    if len(profile) > MAX_FIELDS or len(labels) > MAX_FIELDS:
        raise LandscapeError(f"{what} has at most {MAX_FIELDS} profile fields")
    if not all(isinstance(v, str) for v in labels.values()):
        raise LandscapeError(f"{what} labels must be strings")
    flags = {k: d.get(k, True) for k in ("index_exact", "visible")}
    ints: dict[str, Any] = {k: d.get(k) for k in ("highest", "index")}
    if not all(isinstance(v, bool) for v in flags.values()):
        raise LandscapeError(f"{what} index_exact and visible must be true or false")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in ints.values()):
        raise LandscapeError(f"{what} highest and index must be whole numbers")
    method, color = d.get("method"), d.get("color", "#CC79A7")
    if not isinstance(method, str) or not isinstance(color, str):
        raise LandscapeError(f"{what} method and colour must be strings")
    (barrier,), (mean,) = (_floats([d.get(k)], f"{what} {k}") for k in ("barrier", "barrier_mean"))
    return PathRecord(
        method,
        (ends[0], ends[1]),
        tuple(_floats(c, f"{what} point") for c in coords),
        _floats(d.get("t"), f"{what} t"),
        {str(k): _floats(v, f"{what} profile", nan=True) for k, v in profile.items()},
        barrier,
        mean,
        int(ints["highest"]),
        int(ints["index"]),
        bool(flags["index_exact"]),
        color,
        bool(flags["visible"]),
        {str(k): v for k, v in labels.items()},
    )


def check_paths(paths: Sequence[PathRecord], map_dim: int) -> None:
    if len(paths) > MAX_PATHS:
        raise LandscapeError(f"a session holds at most {MAX_PATHS} paths, got {len(paths)}")
    for p in paths:
        validate_path(p, map_dim)
