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
import math
from pathlib import Path
from typing import IO, Any

import numpy as np

from compute.dynamics.optimizers import RunConfig
from compute.errors import LandscapeError, short
from compute.geometry.bounds import check_window
from compute.landscapes.plane_choice import PlaneSpec, from_text, to_text
from compute.outputs import write_with
from compute.scenarios import SCENARIOS, scenario
from compute.scenarios.own_model import PREFIX, ModelReference, is_model_id, register_model
from compute.sessions.kept_paths import MAX_PATHS, path_from_json, path_to_json
from compute.sessions.reading import MAX_BYTES, read_capped
from compute.sessions.session import MAX_RUNS, OVERLAYS, RunSettings, Session
from compute.vocabulary import PLANE_KINDS, RECIPES

FORMAT = "landscape-explorer-session"
VERSION = 2
TOP = {"format", "version", "scenario", "params", "l2", "constraint", "window", "resolution"}
TOP |= {"view", "optimizer", "runs", "plane", "in_plane", "batch_size", "model", "paths"}
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


class ModelNotLoaded(LandscapeError):
    """A session names a user's model file that is not loaded yet. Loading it runs its code:
    the caller decides (the window asks first), registers it (``register_model``) and loads
    the session again. ``changed``: the file differs from the one the session was saved with."""

    def __init__(self, scenario_id: str, saved_sha256: str) -> None:
        self.scenario_id, self.saved_sha256 = scenario_id, saved_sha256
        self.reference = ModelReference.parse(scenario_id[len(PREFIX) :])
        current = self.reference.digest()
        self.changed = bool(saved_sha256) and current != saved_sha256
        super().__init__(f"the session uses your model {self.reference.name}: load it first")


def model_digest(scenario_id: str) -> str:
    """SHA-256 of a user model's file ("" for other scenarios or a file that is gone)."""
    if not is_model_id(scenario_id):
        return ""
    try:
        return ModelReference.parse(scenario_id[len(PREFIX) :]).digest()
    except (LandscapeError, OSError):
        return ""


def _theta(data: bytes, what: str) -> bytes:
    _floats(data, f"{what}'s θ start")
    return data


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
        "constraint": s.constraint,
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
        constraint=None if constraint is None else _text(constraint, "constraint", 200),
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
