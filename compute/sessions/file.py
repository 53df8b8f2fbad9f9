"""The session file: versioned JSON, read strictly (a bad file is refused, never half-read).

Version 2 layout (optional keys marked ?)::

    {"format": "landscape-explorer-session", "version": 2,
     "scenario": "shamir", "params": {"eps": 1.0},
     "l2": 0.0, "constraint": null | "ball:2" | "box:1.5" | "ball:2@w,v" (network blocks),
     "window": [xmin, xmax, ymin, ymax], "resolution": 256,
     "view": {"log_scale": true, "overlays": ["isolines", ...], "equal_axes"?: false,
              "hessian_field"?: "ratio" | "lambda_min" | "lambda_max"},
     "optimizer": {"name": "gd", "lr": 0.1, "momentum": 0.9, "steps": 1000,
                   "batch_size"?: 0, "seed"?: 0, "tol"?: null, "curvature_every"?: 0},
     "plane"?: {"kind": "random", "seed": 0} | {"kind": "pca", "vectors": BASE64, ...},
     "in_plane"?: false,
     "runs": [{"start": [x, y], "optimizer": {...}, "color": "#rrggbb", "visible"?: true,
               "in_plane"?: false, "at"?: "point" | "init", "theta"?: BASE64,
               "plane"?: {...}, "note"?: ""}],
     "paths"?: [{"method": "neb", "ends": [A, B], "coords": [[x, y], ...], "t": [...],
                 "profile": {"loss": [...], ...}, "labels"?: {...}, "barrier": F,
                 "barrier_mean": F, "highest": k, "index": i, "index_exact"?: true,
                 "color"?: "#rrggbb", "visible"?: true}]}

Version 1 files (plane as "kind:seed", a top-level batch size) are read and converted. Every
value is type-checked (numbers are finite JSON numbers, whole numbers are integers, flags are
true/false), sizes are bounded, unknown fields are refused by name, and echoed input is
shortened: a message never carries a megabyte of someone's file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from compute.dynamics.optimizers import RunConfig
from compute.errors import LandscapeError, short
from compute.geometry.bounds import check_window
from compute.landscapes.plane_choice import to_text
from compute.objectives.modes import parse_constraint
from compute.outputs import write_with
from compute.scenarios import SCENARIOS, scenario
from compute.scenarios.own_model import is_model_id, register_model
from compute.sessions.fields import (
    _fields,
    _flag,
    _integer,
    _list,
    _number,
    _optimizer_from,
    _optimizer_to,
    _plane_from,
    _plane_to,
    _run_from,
    _text,
)
from compute.sessions.kept_paths import MAX_PATHS, path_from_json, path_to_json
from compute.sessions.model_reference import ModelNotLoaded, model_digest
from compute.sessions.reading import read_capped
from compute.sessions.session import MAX_RUNS, OVERLAYS, Session

FORMAT = "landscape-explorer-session"
VERSION = 2
TOP = {"format", "version", "scenario", "params", "l2", "constraint", "window", "resolution"}
TOP |= {"view", "optimizer", "runs", "plane", "in_plane", "batch_size", "model", "paths"}


def _sizes(s: Session) -> None:
    """Every saved θ and plane of one session has one size n (that of its problem)."""
    sizes: dict[int, str] = {}
    planes = [("plane", s.plane)] + [(f"run {i + 1} plane", r.plane) for i, r in enumerate(s.runs)]
    for what, plane in planes:
        if plane is not None and plane.vectors:
            sizes.setdefault(plane.dim, what)
    for i, r in enumerate(s.runs):
        if r.theta:
            sizes.setdefault(len(r.theta) // 4, f"run {i + 1}'s θ start")
    if len(sizes) > 1:
        (n1, w1), (n2, w2) = list(sizes.items())[:2]
        raise LandscapeError(f"{w1} has {n1} values but {w2} has {n2}: the file is inconsistent")


def check_fits(s: Session, problem: Any) -> None:
    """Refuse, by field, a loaded session whose saved vectors do not fit the problem its own
    parameters build (a run θ or a plane of another size, a constraint on a block that does
    not exist): what a file alone cannot show."""
    dim = int(problem.dim)
    for i, r in enumerate(s.runs):
        if r.theta and len(r.theta) // 4 != dim:
            raise LandscapeError(
                f"run {i + 1}'s θ start has {len(r.theta) // 4} values; {s.scenario} with the "
                f"session's parameters has {dim}: the file is inconsistent"
            )
    if s.plane.vectors and s.plane.dim != dim:
        raise LandscapeError(
            f"the session's {s.plane.kind} plane has {s.plane.dim} coordinates; {s.scenario} "
            f"with the session's parameters has {dim}"
        )
    layout = getattr(problem, "layout", None)
    constraint = s.modes().constraint
    if layout is not None and constraint is not None and constraint.blocks:
        names = [b.name for b in layout.blocks]
        for name in constraint.blocks:
            if name not in names:
                raise LandscapeError(
                    f"the session's constraint names block {short(name)}; {s.scenario} has "
                    f"{', '.join(names)}"
                )


def to_json(s: Session) -> dict[str, Any]:
    runs = []
    for r in s.runs:
        entry: dict[str, Any] = {
            "start": list(r.start),
            "optimizer": _optimizer_to(r.optimizer),
            "color": r.color,
            "visible": r.visible,
            "in_plane": r.in_plane,
            "at": r.at,
        }
        if r.theta:
            entry["theta"] = to_text(r.theta)
        if r.plane is not None:
            entry["plane"] = _plane_to(r.plane)
        if r.note:
            entry["note"] = r.note
        runs.append(entry)
    data: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "scenario": s.scenario,
        "params": dict(s.params),
        "l2": s.l2,
        "constraint": None if s.constraint is None else s.constraint.spec(),
        "window": list(s.window),
        "resolution": s.resolution,
        "view": {
            "log_scale": s.log_scale,
            "overlays": list(s.overlays),
            "equal_axes": s.equal_axes,
            "hessian_field": s.hessian_field,
        },
        "optimizer": _optimizer_to(s.optimizer),
        "runs": runs,
        # kept for toys too (unused there): what was read is what is written back
        "plane": _plane_to(s.plane),
        "in_plane": s.in_plane,
    }
    digest = model_digest(s.scenario)
    if digest:
        data["model"] = {"sha256": digest}  # the file's hash, never a pickle of the model
    if s.paths:  # only when there are paths: sessions without them read as before
        data["paths"] = [path_to_json(p) for p in s.paths]
    return data


def from_json(data: Any) -> Session:
    """A validated Session from parsed JSON; LandscapeError naming the first problem."""
    # Long by design: one strict reader: every field checked in order, so the first error names the
    # first bad field.
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise LandscapeError("not a Landscape Explorer session file")
    version = data.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
        raise LandscapeError(
            f"session version {version} was written by a newer Landscape Explorer "
            f"(this one reads up to version {VERSION}); please update"
        )
    if version not in (1, 2) or isinstance(version, bool):
        raise LandscapeError(f"session version {short(version)} is not valid")
    d = _fields(data, TOP, "the session")
    view = _fields(
        d.get("view", {}), {"log_scale", "overlays", "equal_axes", "hessian_field"}, "view"
    )
    params = d.get("params", {})
    if not isinstance(params, dict) or len(params) > 64:
        raise LandscapeError("params must be a JSON object of at most 64 parameters")
    for k, v in params.items():
        if not isinstance(v, str):
            _number(v, f"parameter {short(k)}")
    name = _text(d.get("scenario"), "scenario", 2000)
    model = _fields(d.get("model", {}), {"sha256"}, "model")
    saved = _text(model.get("sha256", ""), "model sha256", 64)
    if is_model_id(name) and name not in SCENARIOS:
        raise ModelNotLoaded(name, saved)
    network = scenario(name).capabilities.sliced
    plane = _plane_from(d.get("plane", {"kind": "random"}), "plane")
    batch = _integer(d.get("batch_size", 0), "batch size", 0, 10**9)
    raw_runs = _list(d.get("runs", []), "runs", MAX_RUNS)
    constraint = d.get("constraint")
    optimizer = _optimizer_from(d.get("optimizer", {}), "optimizer")
    if version == 1 and batch:
        optimizer = RunConfig.for_optimizer(optimizer.optimizer, lr=optimizer.lr, batch_size=batch)
    overlays = _list(view.get("overlays", []), "overlays", len(OVERLAYS))
    window = tuple(_number(b, "window") for b in _list(d.get("window", []), "window", 4))
    if window:
        check_window(window, "window")
    session = Session(
        scenario=name,
        params=dict(params),
        l2=_number(d.get("l2", 0.0), "l2"),
        constraint=None
        if constraint is None
        else parse_constraint(_text(constraint, "constraint", 200)),
        window=window,
        resolution=_integer(d.get("resolution", 256), "resolution", 2, 4096),
        log_scale=_flag(view.get("log_scale", True), "log_scale"),
        overlays=tuple(_text(o, "overlay", 20) for o in overlays),
        equal_axes=_flag(view.get("equal_axes", False), "equal_axes"),
        hessian_field=_text(view.get("hessian_field", "ratio"), "hessian_field", 20),
        optimizer=optimizer,
        runs=tuple(
            _run_from(r, i, plane if network else None, batch, version)
            for i, r in enumerate(raw_runs)
        ),
        plane=plane,
        in_plane=_flag(d.get("in_plane", False), "in_plane"),
        paths=tuple(
            path_from_json(p, f"path {i + 1}")
            for i, p in enumerate(_list(d.get("paths", []), "paths", MAX_PATHS))
        ),
    )
    _sizes(session)
    return session


def save(s: Session, path: str | Path) -> Path:
    """Write atomically (temp file + rename, ``compute.outputs.atomic_write``): a crash
    mid-write never corrupts the old file; a failure is one LandscapeError naming the path."""
    target = Path(path)
    if not target.name or target.is_dir():
        raise LandscapeError(f"cannot save the session to {short(str(target))}: not a file name")
    data = json.dumps(to_json(s), indent=1).encode("utf-8")

    def write(fh: IO[bytes]) -> None:
        fh.write(data)

    return write_with(target, write)


def load(path: str | Path, run_models: bool = False) -> Session:
    """Read and validate a session file; LandscapeError for an unreadable, oversized, corrupt,
    malformed or future file (never another exception). A session that names a user's model
    file raises ``ModelNotLoaded`` unless ``run_models`` (the command line: it runs what it is
    told to), which imports the file first."""
    try:
        return _load(path)
    except ModelNotLoaded as missing:
        if not run_models:
            raise
        register_model(missing.scenario_id)
        return _load(path)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise LandscapeError(f"field {short(key)} appears twice in one object")
        out[key] = value
    return out


def _load(path: str | Path) -> Session:
    """``load`` without the model step. Duplicate keys in an object are refused (JSON readers
    disagree on which one wins); files that are no regular file are refused unread."""
    source = Path(path)
    data_bytes = read_capped(source)
    try:
        text = data_bytes.decode("utf-8")
    except UnicodeDecodeError:
        raise LandscapeError(f"{source.name} is not a text session file") from None
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise LandscapeError(
            f"{source.name} is not valid JSON (line {exc.lineno}): the session file is corrupt"
        ) from None
    except LandscapeError as exc:
        raise LandscapeError(f"{source.name}: {exc}") from None
    except (ValueError, RecursionError):
        raise LandscapeError(f"{source.name} has numbers or nesting too large to read") from None
    try:
        return from_json(data)
    except RecursionError:
        raise LandscapeError(f"{source.name} is nested too deeply") from None
