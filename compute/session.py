"""The versioned session file: everything needed to reopen an exploration, as JSON.

Version 1 layout (all keys required unless marked optional)::

    {"format": "landscape-explorer-session", "version": 1,
     "scenario": "shamir", "params": {"eps": 1.0},
     "l2": 0.0, "constraint": null | "ball:2" | "box:1.5",
     "window": [xmin, xmax, ymin, ymax], "resolution": 256,
     "view": {"log_scale": true, "overlays": ["isolines", ...]},
     "optimizer": {"name": "gd", "lr": 0.1, "momentum": 0.9, "steps": 1000},
     "runs": [{"start": [x, y], "optimizer": {...}, "color": "#rrggbb", "visible": true,
               "in_plane": false}],
     "plane": "random:0", "batch_size": 0}

For a network scenario ``window`` is the (a, b) window of the slice, run starts are (a, b)
points of the plane, and ``plane`` says how the plane is chosen (PLANE_KINDS); ``plane`` and
``batch_size`` are optional (older files read as "random:0", 0).

Reading validates every field with the same rules as the CLI and the GUI, so a file that loads
is a state the explorer can show; anything else is a LandscapeError with a one-line reason.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from compute.errors import LandscapeError
from compute.grid import Window, check_resolution
from compute.modes import Modes, parse_constraint
from compute.network_registry import NETWORKS, NetworkSpec
from compute.optimizers import OptimizerConfig
from compute.registry import ParamValue, ScenarioSpec, scenario

FORMAT = "landscape-explorer-session"
VERSION = 1
OVERLAYS = ("isolines", "gradient", "curvature", "basins", "critical")
PLANE_KINDS = ("random", "pca", "points", "teacher")
"""random:SEED (filter-normalised, around θ₀) · pca (of the latest finished run) · points
(init, that run's end, teacher or its best other reference) · teacher:SEED (towards the
teacher and a random direction)."""
NETWORK_WINDOW = (-1.0, 1.0, -1.0, 1.0)
NETWORK_OPTIMIZERS = {"gd": "sgd", "momentum": "momentum", "adam": "adam"}
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class RunSettings:
    """A run as the user set it up: where it starts and with which optimizer."""

    start: tuple[float, ...]
    optimizer: OptimizerConfig
    color: str = "#1f77b4"
    visible: bool = True
    in_plane: bool = False  # network runs: descend within the slice's plane


@dataclass(frozen=True)
class Session:
    """The whole explorer state that is worth saving (computed results are recomputed)."""

    scenario: str = "shamir"
    params: dict[str, ParamValue] = field(default_factory=dict)
    l2: float = 0.0
    constraint: str | None = None
    window: tuple[float, ...] = ()
    resolution: int = 256
    log_scale: bool = True
    overlays: tuple[str, ...] = ("isolines", "critical")
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    runs: tuple[RunSettings, ...] = ()
    plane: str = "random:0"
    batch_size: int = 0

    @property
    def is_network(self) -> bool:
        return self.scenario in NETWORKS

    def __post_init__(self) -> None:
        validate(self)

    def modes(self) -> Modes:
        return Modes(self.l2, parse_constraint(self.constraint))

    def with_changes(self, **changes: Any) -> Session:
        """A validated copy; raises LandscapeError (and changes nothing) if invalid."""
        return replace(self, **changes)


def default_session(scenario_id: str = "shamir") -> Session:
    if scenario_id in NETWORKS:
        net = NETWORKS[scenario_id]
        return Session(
            scenario=net.id,
            params=net.defaults(),
            window=NETWORK_WINDOW,
            resolution=41,
            overlays=("isolines",),
            optimizer=OptimizerConfig.for_optimizer("adam", lr=0.01),
        )
    spec = scenario(scenario_id)
    return Session(scenario=spec.id, params=spec.defaults(), window=spec.window)


def scenario_spec(scenario_id: str) -> tuple[ScenarioSpec | NetworkSpec, int, tuple[float, ...]]:
    """The scenario's spec, its number of plotted axes and its default window."""
    if scenario_id in NETWORKS:
        return NETWORKS[scenario_id], 2, NETWORK_WINDOW
    spec = scenario(scenario_id)
    return spec, spec.dim, spec.window


def check_plane(text: str) -> None:
    kind, _, seed = text.partition(":")
    if kind not in PLANE_KINDS:
        raise LandscapeError(f"plane {text!r} is not one of {', '.join(PLANE_KINDS)}")
    if seed and not seed.isdigit():
        raise LandscapeError(f"plane seed in {text!r} must be a whole number ≥ 0")


def validate(s: Session) -> None:
    """Refuse a state the explorer could not show (unknown names, impossible numbers).

    Also normalises in place: ``params`` becomes the full resolved set (defaults filled in)
    and an empty ``window`` the scenario's default.
    """
    spec, dim, default_window = scenario_spec(s.scenario)
    object.__setattr__(s, "params", spec.resolve(s.params))
    s.modes()
    if not s.window:
        object.__setattr__(s, "window", default_window)
    if Window(tuple(float(b) for b in s.window)).dim != dim:
        raise LandscapeError(f"{spec.id} needs a window of {2 * dim} numbers")
    check_plane(s.plane)
    if s.batch_size < 0:
        raise LandscapeError(f"batch size must be ≥ 0 (0: full batch), got {s.batch_size}")
    if s.is_network and s.optimizer.name not in NETWORK_OPTIMIZERS:
        raise LandscapeError(
            f"networks train with {', '.join(NETWORK_OPTIMIZERS)}, not {s.optimizer.name}"
        )
    check_resolution(s.resolution)
    unknown = set(s.overlays) - set(OVERLAYS)
    if unknown:
        raise LandscapeError(f"unknown overlay(s) {sorted(unknown)} (known: {', '.join(OVERLAYS)})")
    for run in s.runs:
        if len(run.start) != dim or not all(math.isfinite(v) for v in run.start):
            raise LandscapeError(f"a run start must be {dim} finite numbers, got {run.start}")
        if not _COLOR.match(run.color):
            raise LandscapeError(f"run colour {run.color!r} is not #rrggbb")


def _optimizer_to_json(c: OptimizerConfig) -> dict[str, Any]:
    return {"name": c.name, "lr": c.lr, "momentum": c.momentum, "steps": c.steps}


def _optimizer_from_json(d: Any) -> OptimizerConfig:
    if not isinstance(d, dict):
        raise LandscapeError("optimizer settings must be an object")
    return OptimizerConfig.for_optimizer(
        str(d.get("name", "gd")),
        lr=_num(d.get("lr")),
        momentum=_num(d.get("momentum")),
        steps=int(_num(d.get("steps"), 1000)),
    )


def _num(value: Any, default: float | None = None) -> Any:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LandscapeError(f"expected a number, got {value!r}")
    return value


def to_json(s: Session) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "scenario": s.scenario,
        "params": dict(s.params),
        "l2": s.l2,
        "constraint": s.constraint,
        "window": list(s.window),
        "resolution": s.resolution,
        "view": {"log_scale": s.log_scale, "overlays": list(s.overlays)},
        "optimizer": _optimizer_to_json(s.optimizer),
        "runs": [
            {
                "start": list(r.start),
                "optimizer": _optimizer_to_json(r.optimizer),
                "color": r.color,
                "visible": r.visible,
                "in_plane": r.in_plane,
            }
            for r in s.runs
        ],
        "plane": s.plane,
        "batch_size": s.batch_size,
    }


def from_json(data: Any) -> Session:
    """A validated Session from parsed JSON; LandscapeError naming the first problem."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise LandscapeError("not a Landscape Explorer session file")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise LandscapeError(f"session version {version!r} is not valid")
    if version > VERSION:
        raise LandscapeError(
            f"session version {version} was written by a newer Landscape "
            f"Explorer (this one reads up to version {VERSION}); please update"
        )
    try:
        view = data.get("view", {})
        runs = tuple(
            RunSettings(
                tuple(float(_num(v)) for v in r["start"]),
                _optimizer_from_json(r.get("optimizer", {})),
                str(r.get("color", "#1f77b4")),
                bool(r.get("visible", True)),
                bool(r.get("in_plane", False)),
            )
            for r in data.get("runs", [])
        )
        return Session(
            scenario=str(data["scenario"]),
            params=dict(data.get("params", {})),
            l2=float(_num(data.get("l2"), 0.0)),
            constraint=data.get("constraint"),
            window=tuple(float(_num(b)) for b in data.get("window", [])),
            resolution=int(_num(data.get("resolution"), 256)),
            log_scale=bool(view.get("log_scale", True)),
            overlays=tuple(str(o) for o in view.get("overlays", [])),
            optimizer=_optimizer_from_json(data.get("optimizer", {})),
            runs=runs,
            plane=str(data.get("plane", "random:0")),
            batch_size=int(_num(data.get("batch_size"), 0)),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise LandscapeError(f"session file is incomplete or malformed ({exc})") from None


def save(s: Session, path: str | Path) -> Path:
    """Write atomically (temp file + rename): a crash mid-write never corrupts the old file."""
    target = Path(path)
    text = json.dumps(to_json(s), indent=2)
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except OSError as exc:
        raise LandscapeError(f"cannot save session to {target}: {exc.strerror}") from None
    return target


def load(path: str | Path) -> Session:
    """Read and validate a session file; LandscapeError on unreadable, corrupt or future files."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise LandscapeError(f"cannot open session {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise LandscapeError(f"{path} is not a text session file") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"{path} is not valid JSON (line {exc.lineno}): the session file is corrupt"
        raise LandscapeError(msg) from None
    return from_json(data)
