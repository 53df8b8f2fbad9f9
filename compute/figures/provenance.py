"""Provenance of a figure: which sessions, scenario, parameters, modes, seeds and program made it.

Records are plain JSON data. They go into the file's own metadata where the format has a place
for it (PDF ``Subject``, PNG text ``Description``, SVG ``<dc:description>``) and always into a
sidecar ``<file>.json``. Files carry no time stamp (the same input gives the same bytes); the
sidecar says when it was written.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import platform
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

if TYPE_CHECKING:
    from compute.landscapes.landscape import Landscape
    from compute.sessions.session import Session

GENERATOR = "landscape-explorer"
HEAVY_KEYS = ("vectors", "theta")
"""Session fields holding base64 weights (a plane's vectors, a run's θ start): replaced by their
SHA-256 and size in provenance records (the session file itself is named and hashed)."""


def program_version() -> str:
    """The installed version of landscape-explorer (``importlib.metadata``), or "unknown"."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("landscape-explorer")
    except PackageNotFoundError:
        return "unknown"


def library_versions() -> dict[str, str]:
    """Python, numpy, torch and matplotlib versions (what the numbers and pixels depend on)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("numpy", "torch", "matplotlib"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "unknown"
    return out


def jsonable(obj: object) -> object:
    """Plain JSON data: numpy → lists / numbers, dataclasses → dicts, inf / nan → strings."""
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray | np.generic):
        return jsonable(obj.tolist())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return jsonable(dataclasses.asdict(obj))
    if isinstance(obj, float) and not math.isfinite(obj):
        return str(obj)
    return obj if obj is None or isinstance(obj, str | int | float) else str(obj)


def light(data: object) -> object:
    """``data`` with every HEAVY_KEYS string replaced by {"sha256": ..., "chars": ...}."""
    if isinstance(data, Mapping):
        out: dict[str, object] = {}
        for k, v in data.items():
            if k in HEAVY_KEYS and isinstance(v, str) and v:
                digest = hashlib.sha256(v.encode("ascii", "replace")).hexdigest()
                out[str(k)] = {"sha256": digest, "chars": len(v)}
            else:
                out[str(k)] = light(v)
        return out
    if isinstance(data, list):
        return [light(v) for v in data]
    return data


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's bytes (hex)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def figure_record(
    panels: Sequence[Mapping[str, Any]], kind: str, extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The figure's provenance: its panels' records (sessions, scenario, parameters, modes,
    seeds, plane), what was drawn (``kind``), program and library versions; no time stamp."""
    record: dict[str, Any] = {
        "generator": GENERATOR,
        "version": program_version(),
        "libraries": library_versions(),
        "kind": kind,
        "panels": [jsonable(p) for p in panels],
    }
    if extra:
        data = jsonable(extra)
        assert isinstance(data, dict)
        record |= data
    return record


def embedded(record: Mapping[str, Any], fmt: str, title: str) -> dict[str, Any]:
    """matplotlib ``savefig(metadata=...)`` for ``fmt`` (pdf, png, svg): the record as JSON in
    the format's description field, a title, no creation date (reproducible bytes). The JSON
    keeps its Unicode (no ``\\u00bd`` escapes: a PDF reader shows the Subject as written)."""
    text = json.dumps(record, ensure_ascii=False, sort_keys=True)
    if fmt == "pdf":
        return {
            "Title": title,
            "Subject": text,
            "Creator": GENERATOR,
            "Producer": GENERATOR,
            "CreationDate": None,
        }
    if fmt == "png":
        return {"Title": title, "Description": text, "Software": GENERATOR}
    if fmt == "svg":
        return {"Title": title, "Description": text, "Creator": GENERATOR, "Date": None}
    return {}


def sidecar_text(record: Mapping[str, Any], file: Path, stamped: bool = True) -> str:
    """The sidecar's JSON: the record plus the file's name and (``stamped``) the time it was
    written; unstamped, the same figure always has the same sidecar, byte for byte (the
    committed gallery)."""
    data: dict[str, Any] = {"file": file.name}
    if stamped:
        data["created"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    data.update(cast(dict[str, Any], jsonable(record)))
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def provenance_of(
    session: Session, source: str | Path | None, landscape: Landscape | None, max_steps: int | None
) -> dict[str, Any]:
    """A scene's provenance: source file (name, SHA-256), the session (weights replaced by
    their hashes), scenario, title, formula, parameters, modes, seeds, plane, run step cap."""
    from compute.figures.words import mode_words
    from compute.scenarios import scenario
    from compute.sessions.file import to_json

    spec = scenario(session.scenario)
    src: dict[str, Any] = {"kind": "window"}
    if source is not None:
        path = Path(source)
        src = {"kind": "file", "file": path.name, "sha256": file_digest(path)}
    plane = None
    if landscape is not None and landscape.plane_spec is not None:
        plane = {
            "kind": landscape.plane_spec.kind,
            "seed": landscape.plane_spec.seed,
            "description": landscape.plane_spec.describe(),
        }
    return {
        "source": src,
        "session": light(to_json(session)),
        "scenario": session.scenario,
        "title": spec.title,
        "formula": spec.formula,
        "params": dict(session.params),
        "modes": {
            "l2": session.l2,
            "constraint": None if session.constraint is None else session.constraint.spec(),
            "words": mode_words(session.modes()).text,
        },
        "seeds": {
            "scenario": session.params.get("seed"),
            "plane": plane["seed"] if plane else None,
            "runs": [r.optimizer.seed for r in session.runs if r.visible],
        },
        "plane": plane,
        "max_steps": max_steps,
    }
