"""The session: everything needed to reopen an exploration (what is saved, undone, restored).

A ``Session`` is validated on construction with the same rules as the CLI and the GUI, so a
session that exists is a state the explorer can show; anything else is a LandscapeError with a
one-line reason. The file format (JSON, versioned) lives in ``compute.sessions.file``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Any

from compute.dynamics.optimizers import RunConfig
from compute.errors import LandscapeError
from compute.geometry.grid import Window, check_resolution
from compute.landscapes.plane_choice import PlaneSpec
from compute.objectives.constraint_sets import Constraint
from compute.objectives.modes import Modes, parse_constraint
from compute.scenarios import ParamValue, scenario
from compute.sessions.kept_paths import PathRecord, check_paths

OVERLAYS = ("isolines", "critical", "gradient", "curvature", "basins", "hessian")
HESSIAN_FIELDS = ("ratio", "lambda_min", "lambda_max")
"""What the full-space curvature overlay ("hessian") shows: |λ_min/λ_max|, λ_min or λ_max."""
START_KINDS = ("point", "init")
MAX_RUNS = 500
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class RunSettings:
    """A run as the user set it up.

    Attributes
    ----------
    start : map coordinates of the start: θ for a toy, (a, b) on ``plane`` for a network
    optimizer : its settings
    color, visible : how it is drawn
    in_plane : networks: descend within ``plane`` (the objective F(a, b)) instead of in θ
    at : ``point`` (the start above) or ``init`` (θ₀ of the scenario, whatever its parameters:
        "Train from θ₀")
    theta : networks: the start in θ (float32 bytes, exact). Kept when parameters change
        while θ keeps its size, so runs restart from the same weights; empty until resolved
    plane : networks: the plane ``start`` was given on (in-plane runs descend in it)
    note : why the start was re-expressed (e.g. after a change of the network's size)
    """

    start: tuple[float, ...]
    optimizer: RunConfig
    color: str = "#E69F00"
    visible: bool = True
    in_plane: bool = False
    at: str = "point"
    theta: bytes = b""
    plane: PlaneSpec | None = None
    note: str = ""


@dataclass(frozen=True)
class Session:
    """The whole explorer state worth saving (computed results are recomputed)."""

    scenario: str = "shamir"
    params: dict[str, ParamValue] = field(default_factory=dict)
    l2: float = 0.0
    constraint: Constraint | None = None
    """Parsed once when it enters the session (a ``ball:R``-style text is accepted there)."""
    window: tuple[float, ...] = ()
    resolution: int = 256
    log_scale: bool = True
    overlays: tuple[str, ...] = ("isolines", "critical")
    equal_axes: bool = False
    hessian_field: str = "ratio"
    optimizer: RunConfig = field(default_factory=RunConfig)
    runs: tuple[RunSettings, ...] = ()
    plane: PlaneSpec = field(default_factory=PlaneSpec)
    in_plane: bool = False
    paths: tuple[PathRecord, ...] = ()

    def __post_init__(self) -> None:
        validate(self)

    @property
    def sliced(self) -> bool:
        return scenario(self.scenario).capabilities.sliced

    def modes(self) -> Modes:
        return Modes(self.l2, self.constraint)

    @property
    def equal_axes_forced(self) -> bool:
        """Whether the map must have equal axis scales whatever the user's choice: a toy with a
        ball constraint, so that the ball looks round on screen and in figures."""
        return not self.sliced and self.constraint is not None and self.constraint.kind == "ball"

    @property
    def drawn_equal_axes(self) -> bool:
        """Whether the map is drawn with equal axis scales: the user's choice (``equal_axes``),
        or forced (``equal_axes_forced``)."""
        return self.equal_axes or self.equal_axes_forced

    def with_changes(self, **changes: Any) -> Session:
        """A validated copy; raises LandscapeError (and changes nothing) if invalid."""
        return replace(self, **changes)


def default_session(scenario_id: str = "shamir") -> Session:
    """A fresh session of ``scenario_id``: its defaults, default window and optimizer (toys:
    gradient descent on a 256² map; networks: Adam on a 41² slice of a random plane)."""
    spec = scenario(scenario_id)
    if spec.capabilities.sliced:
        return Session(
            scenario=spec.id,
            params=spec.defaults(),
            window=spec.window,
            resolution=41,
            overlays=("isolines",),
            optimizer=RunConfig.for_optimizer("adam", spec.default_lr),
        )
    return Session(scenario=spec.id, params=spec.defaults(), window=spec.window)


def validate(s: Session) -> None:
    """Refuse a state the explorer could not show (unknown names, impossible numbers).

    Also normalises in place: ``params`` becomes the full resolved set (defaults filled in)
    and an empty ``window`` the scenario's default.
    """
    spec = scenario(s.scenario)
    object.__setattr__(s, "params", spec.resolve(s.params))
    if isinstance(s.constraint, str):  # text from a file, the window or the command line
        object.__setattr__(s, "constraint", parse_constraint(s.constraint))
    modes = s.modes()
    if not spec.capabilities.sliced:
        modes.bind(None, spec.id)  # a block constraint (ball:R@w,v) needs a network's blocks
    if not s.window:
        object.__setattr__(s, "window", tuple(spec.window))
    if Window(tuple(float(b) for b in s.window)).dim != spec.map_dim:
        raise LandscapeError(f"{spec.id} needs a window of {2 * spec.map_dim} numbers")
    check_resolution(s.resolution)
    if s.hessian_field not in HESSIAN_FIELDS:
        raise LandscapeError(f"the curvature map shows one of {', '.join(HESSIAN_FIELDS)}")
    unknown = set(s.overlays) - set(OVERLAYS)
    if unknown:
        raise LandscapeError(f"unknown overlay(s) {sorted(unknown)} (known: {', '.join(OVERLAYS)})")
    network = spec.capabilities.sliced
    if not network and s.optimizer.batch_size:
        raise LandscapeError(f"{spec.id} has no data samples: the batch size must be 0")
    if len(s.runs) > MAX_RUNS:
        raise LandscapeError(f"a session holds at most {MAX_RUNS} runs, got {len(s.runs)}")
    for run in s.runs:
        _validate_run(run, spec.map_dim, network)
    check_paths(s.paths, spec.map_dim)


def _validate_run(run: RunSettings, dim: int, network: bool) -> None:
    if len(run.start) != dim or not all(math.isfinite(v) for v in run.start):
        raise LandscapeError(f"a run start must be {dim} finite numbers, got {run.start}")
    if not _COLOR.match(run.color):
        raise LandscapeError(f"run colour {run.color[:20]!r} is not #rrggbb")
    if run.at not in START_KINDS:
        raise LandscapeError(f"a run starts at {' or '.join(START_KINDS)}, not {run.at[:20]!r}")
    if len(run.theta) % 4:
        raise LandscapeError("a run's θ start must be float32 values")
    if not network and (run.theta or run.plane is not None or run.in_plane):
        raise LandscapeError("toy runs start at θ = their start point (no plane, no θ bytes)")
    if not network and run.optimizer.batch_size:
        raise LandscapeError("toy runs have no data samples: the batch size must be 0")
