"""An imported surface as a file of its own: the values as computed elsewhere (the reference
tool's ``.h5``), shown read-only by ``render`` and the explorer.

Layout (JSON, read strictly: unknown fields are refused by name, sizes are bounded)::

    {"format": "landscape-explorer-surface", "version": 1,
     "x": [nx numbers], "y": [ny numbers],
     "fields": {"train_loss": [[nx numbers] × ny rows], ...},   (null where not finite)
     "meta": {"source": "FILE.h5", "sha256": "...", ...}}

Rows are y (row i at y[i]), as the explorer's maps.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import IO, Any, cast

import numpy as np

from compute.errors import LandscapeError, short
from compute.formats.surface import MAX_SIDE, Surface
from compute.outputs import atomic_write, output_path

FORMAT = "landscape-explorer-surface"
VERSION = 1
MAX_BYTES = 256 << 20
MAX_FIELDS = 32
KEYS = {"format", "version", "x", "y", "fields", "meta"}


def _rows(values: np.ndarray) -> list[Any]:
    return [[float(v) if math.isfinite(v) else None for v in row] for row in values.tolist()]


def surface_text(surface: Surface) -> str:
    """The surface file's JSON text."""
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "x": [float(v) for v in surface.x],
        "y": [float(v) for v in surface.y],
        "fields": {k: _rows(np.asarray(v, dtype=float)) for k, v in surface.fields.items()},
        "meta": dict(surface.meta),
    }
    return json.dumps(doc, separators=(",", ":"), allow_nan=False)


def save_surface(path: str | Path, surface: Surface) -> Path:
    """Write ``surface`` as a read-only surface file (atomically)."""
    target = output_path(path, (".json",))
    with atomic_write(target, "w") as fh:
        cast(IO[str], fh).write(surface_text(surface))
    return target


def is_surface_file(path: str | Path) -> bool:
    """Whether ``path`` starts like a surface file (a cheap look at its first bytes)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(200)
    except OSError:
        return False
    return f'"format":"{FORMAT}"'.encode() in head.replace(b" ", b"")


def _numbers(v: Any, what: str, allow_null: bool) -> np.ndarray:
    if not isinstance(v, list) or not 2 <= len(v) <= MAX_SIDE:
        raise LandscapeError(f"{what} must be a list of 2 to {MAX_SIDE} numbers")
    out = np.empty(len(v))
    for i, item in enumerate(v):
        if item is None and allow_null:
            out[i] = np.nan
        elif isinstance(item, int | float) and not isinstance(item, bool) and math.isfinite(item):
            out[i] = float(item)
        else:
            raise LandscapeError(f"{what}[{i}] must be a finite number, got {short(item)}")
    return out


def load_surface(path: str | Path) -> Surface:
    """Read a surface file strictly; a bad file is refused in one line, never half-read."""
    source = Path(path)
    name = short(source.name)
    try:
        if source.stat().st_size > MAX_BYTES:
            raise LandscapeError(f"{name} is larger than {MAX_BYTES >> 20} MB")
        doc = json.loads(source.read_text(encoding="utf-8"))
    except OSError as err:
        raise LandscapeError(f"cannot read {short(str(source))}: {err.strerror}") from None
    except (ValueError, UnicodeDecodeError):
        raise LandscapeError(f"{name} is not JSON") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise LandscapeError(f"{name} is not a surface file (format {FORMAT!r})")
    unknown = sorted(str(k) for k in doc if k not in KEYS)
    if unknown:
        raise LandscapeError(f"unknown field {short(unknown[0])} in {name}")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version > VERSION:
        raise LandscapeError(
            f"{name} has surface format version {short(version)}: "
            f"this explorer reads up to {VERSION}"
        )
    x = _numbers(doc.get("x"), "x", False)
    y = _numbers(doc.get("y"), "y", False)
    fields_doc = doc.get("fields")
    if not isinstance(fields_doc, dict) or not 1 <= len(fields_doc) <= MAX_FIELDS:
        raise LandscapeError(f"fields in {name} must be an object of 1 to {MAX_FIELDS} maps")
    fields = {}
    for key, rows in fields_doc.items():
        if not isinstance(rows, list) or len(rows) != len(y):
            raise LandscapeError(f"field {short(key)} in {name} must have {len(y)} rows")
        parsed = [_numbers(r, f"field {short(key)} row {i}", True) for i, r in enumerate(rows)]
        if any(len(r) != len(x) for r in parsed):
            raise LandscapeError(f"every row of field {short(key)} in {name} needs {len(x)} values")
        fields[str(key)] = np.stack(parsed)
    meta = doc.get("meta", {})
    if not isinstance(meta, dict):
        raise LandscapeError(f"meta in {name} must be an object")
    return Surface(x, y, fields, meta=meta)


def read_surface(path: str | Path) -> Surface:
    """A surface to show, values as computed where it came from: the reference tool's surface
    ``.h5`` or a surface file (``.json``, written by ``import-surface``); anything else is
    refused in one line."""
    from compute.formats.reference import read_reference_surface

    source = Path(path)
    if source.suffix.lower() in (".h5", ".hdf5"):
        return read_reference_surface(source)
    if not source.is_file():
        raise LandscapeError(f"no surface file {short(str(source))}")
    if not is_surface_file(source):
        raise LandscapeError(
            f"{short(source.name)} is neither a surface .h5 of the reference tool nor a "
            "surface file (.json, from import-surface)"
        )
    return load_surface(source)
