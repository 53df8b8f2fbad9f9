"""Partial grids on disk: the values computed so far, a mask of which, and what they belong to.

A run that stops early (cancelled, a lost cluster) leaves ``NAME.partial.npz``; a later run,
local or on a cluster, resumes from it and computes only the missing cells. The file records
its scenario, parameter values, the problem's fingerprint, the plane's vectors (as a hash),
the window, the grid and the fields; a file that does not match the run asking for it is
refused with what differs, never silently mixed in (no sentinel values, no stale caches).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from compute.cluster.shipping import fingerprint
from compute.errors import LandscapeError, short
from compute.geometry.planes import Plane
from compute.networks.slices import PartialSlice
from compute.outputs import write_with

FORMAT = "landscape-explorer partial grid 1"


@dataclass(frozen=True)
class GridIdentity:
    """What a partial grid belongs to (every field must match to resume from it)."""

    kind: str
    scenario: str
    params: dict[str, Any]
    problem: str
    plane: str
    window: tuple[float, ...]
    shape: tuple[int, int]
    fields: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["window"], out["shape"], out["fields"] = (
            list(self.window),
            list(self.shape),
            list(self.fields),
        )
        return json.loads(json.dumps(out, default=str))


def plane_hash(plane: Plane) -> str:
    h = hashlib.sha256()
    for v in (plane.origin, plane.d1, plane.d2):
        t = v.detach().to("cpu")
        h.update(str(t.dtype).encode() + t.contiguous().numpy().tobytes())
    return h.hexdigest()


def slice_identity(
    problem: Any,
    plane: Plane,
    window: tuple[float, ...],
    shape: tuple[int, int],
    fields: tuple[str, ...],
) -> GridIdentity:
    """The identity of a slice of ``problem`` on ``plane`` (fields as ``SliceWork.fields``)."""
    return GridIdentity(
        "slice",
        str(problem.id),
        dict(problem.params),
        fingerprint(problem),
        plane_hash(plane),
        tuple(float(w) for w in window),
        (int(shape[0]), int(shape[1])),
        tuple(fields),
    )


def partial_path(out: str | Path) -> Path:
    """Where the partial grid of output ``out`` lives: ``out`` with ``.partial.npz``."""
    path = Path(out)
    return path.with_name(path.stem + ".partial.npz")


def save_partial(path: Path, identity: GridIdentity, partial: PartialSlice) -> None:
    """Write ``partial`` (values where evaluated, NaN elsewhere) with its identity, atomically."""
    arrays: dict[str, Any] = {
        f"value_{f}": np.where(partial.evaluated, v, np.nan) for f, v in partial.values.items()
    }
    arrays["evaluated"] = partial.evaluated
    arrays["identity"] = np.array(json.dumps({"format": FORMAT, **identity.as_json()}))
    write_with(path, lambda fh: np.savez_compressed(fh, **arrays))


def load_partial(path: Path, identity: GridIdentity) -> PartialSlice:
    """The partial grid in ``path`` if it belongs to ``identity``; else one LandscapeError
    naming what differs (and how to start afresh)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            stored = json.loads(str(data["identity"]))
            evaluated = np.asarray(data["evaluated"], dtype=bool)
            values = {
                k.removeprefix("value_"): data[k] for k in data.files if k.startswith("value_")
            }
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as exc:
        raise LandscapeError(f"cannot read the partial grid {short(str(path))}: {exc}") from None
    if stored.pop("format", None) != FORMAT:
        raise LandscapeError(f"{short(str(path))} is not a partial grid of this program")
    wanted = identity.as_json()
    differs = [k for k in wanted if stored.get(k) != wanted[k]]
    if differs:
        raise LandscapeError(
            f"{short(str(path))} belongs to another grid (its {', '.join(differs)} differ): "
            "delete it to start afresh, or run with the settings it was made with"
        )
    return PartialSlice(values, evaluated)


def partial_of(values: dict[str, np.ndarray], evaluated: np.ndarray) -> PartialSlice:
    """A PartialSlice from a progress block's values and mask (copies)."""
    return PartialSlice({f: np.array(v) for f, v in values.items()}, np.array(evaluated))


__all__ = [
    "GridIdentity",
    "load_partial",
    "partial_of",
    "partial_path",
    "plane_hash",
    "save_partial",
    "slice_identity",
]
_ = torch  # planes hold torch tensors
