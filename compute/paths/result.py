"""What a path between two points is: the request, its progress, the loss profile along it,
the barrier heights and the highest point with its Hessian index."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from compute.errors import LandscapeError
from compute.objectives.objective import Objective

METHODS = ("line", "aligned", "neb", "bezier")
"""The straight line; the line after aligning the far end by the network's symmetries; a
nudged elastic band with climbing image; a trained quadratic Bezier curve."""
MAX_IMAGES = 200
MAX_POINTS = 1025
MAX_STEPS = 1_000_000


@dataclass(frozen=True)
class PathRequest:
    """How to connect two points.

    method : one of METHODS
    images : movable images of a band (the two ends are extra and fixed)
    steps : band iterations or curve-training steps (None: the problem's default)
    points : where the line's or the curve's profile is evaluated (t evenly spaced in [0, 1])
    climbing : the band's highest image climbs to the saddle (Henkelman et al. 2000)
    align : align the far end by the problem's symmetry group first (``aligned`` always does)
    spring : the band's spring constant k (force k·(|R_{i+1} − R_i| − |R_i − R_{i−1}|)) in
        units of the largest gradient on the initial straight band per image spacing
    lr : step size (FIRE's initial time step for exact toys; Adam's rate for networks)
    tol : the band's force tolerance (None: the objective's ``tol``)
    batch_size : band and curve on networks: samples per step (0: full batch)
    index_eigenvalues : bottom Hessian eigenvalues computed at the highest point
    seed : of the curve's t and minibatch draws
    """

    method: str = "line"
    images: int = 9
    steps: int | None = None
    points: int = 33
    climbing: bool = True
    align: bool = False
    spring: float = 0.3
    lr: float | None = None
    tol: float | None = None
    batch_size: int = 128
    index_eigenvalues: int = 6
    seed: int = 0

    def check(self) -> None:
        """Raise a LandscapeError for an impossible request (before any work)."""
        if self.method not in METHODS:
            raise LandscapeError(f"method must be one of {', '.join(METHODS)}, not {self.method}")
        if not 1 <= self.images <= MAX_IMAGES:
            raise LandscapeError(f"a band needs 1 to {MAX_IMAGES} images, got {self.images}")
        if self.steps is not None and not 1 <= self.steps <= MAX_STEPS:
            raise LandscapeError(f"steps must be between 1 and {MAX_STEPS}, got {self.steps}")
        if not 3 <= self.points <= MAX_POINTS:
            raise LandscapeError(f"a profile needs 3 to {MAX_POINTS} points, got {self.points}")
        for name, value in (("spring", self.spring), ("lr", self.lr), ("tol", self.tol)):
            if value is not None and not (math.isfinite(value) and value > 0):
                raise LandscapeError(f"{name} must be a positive number, got {value}")
        if self.batch_size < 0 or self.index_eigenvalues < 1:
            raise LandscapeError("batch size must be ≥ 0 and index_eigenvalues ≥ 1")

    @property
    def aligned(self) -> bool:
        return self.align or self.method == "aligned"


@dataclass(frozen=True, eq=False)
class PathStep:
    """Progress: phase (``band``, ``curve``, ``profile``, ``index``), step of steps, a rough
    fraction of the work, the current nodes (K, n) and their losses (K,) where known, and the
    band's largest force (NaN elsewhere)."""

    phase: str
    step: int
    steps: int
    fraction: float
    nodes: np.ndarray | None = None
    losses: np.ndarray | None = None
    force: float = math.nan


@dataclass(frozen=True)
class Barrier:
    """Barrier heights along a path with losses F_k: ``highest`` = max_k F_k, ``max_end``
    = highest − max(F_a, F_b) (Draxler et al. 2018), ``mean_end`` = highest − (F_a + F_b)/2
    (Frankle et al. 2020); ``ends`` = (F_a, F_b)."""

    highest: float
    max_end: float
    mean_end: float
    ends: tuple[float, float]

    @classmethod
    def of(cls, losses: np.ndarray) -> Barrier:
        f = np.asarray(losses, dtype=float)
        top = float(np.nanmax(f))
        a, b = float(f[0]), float(f[-1])
        return cls(top, top - max(a, b), top - 0.5 * (a + b), (a, b))


@dataclass(frozen=True, eq=False)
class Saddle:
    """The highest point of a path and what it is.

    theta : (n,); loss : F there; node : its index in the path's nodes; t : its position
    index : negative Hessian eigenvalues found (below −``threshold``); index_exact : False
        when every computed bottom eigenvalue was negative (then the index is at least this)
    eigenvalues : the bottom Hessian eigenvalues computed there (ascending); top : λ_max
    """

    theta: np.ndarray
    loss: float
    node: int
    t: float
    index: int
    index_exact: bool
    eigenvalues: np.ndarray
    top: float
    threshold: float

    def to_json(self) -> dict[str, Any]:
        return {
            "theta": self.theta.tolist(),
            "loss": self.loss,
            "t": self.t,
            "index": self.index,
            "index_exact": self.index_exact,
            "bottom_eigenvalues": self.eigenvalues.tolist(),
            "top_eigenvalue": self.top,
        }


@dataclass(frozen=True, eq=False)
class PathResult:
    """A path between two points and its loss profile.

    method, scenario, ends : what was connected (the ends' names)
    nodes : (K, n) the path's points in order (a band's images with its ends; points of the
        line or curve at ``t``); t : (K,) their positions in [0, 1] (a band: arc length)
    control : (m, n) what defines the path: the ends (line), the ends and the bend (Bezier,
        [a, bend, b]), the images (band)
    distance : (K,) cumulative Euclidean length along the nodes
    profile : field → (K,): ``loss`` (F with the modes' L2 term) and the objective's metrics
        (test loss, accuracy, ...); labels : field → what to call it
    barrier, saddle : see Barrier, Saddle
    converged, steps, seconds : of the band or curve training (a line: True, 0)
    provenance : method settings, alignment, normalisation statistics, in words and numbers
    """

    method: str
    scenario: str
    ends: tuple[str, str]
    nodes: np.ndarray
    t: np.ndarray
    control: np.ndarray
    distance: np.ndarray
    profile: Mapping[str, np.ndarray]
    labels: Mapping[str, str]
    barrier: Barrier
    saddle: Saddle
    converged: bool
    steps: int
    seconds: float
    provenance: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self, with_nodes: bool = False) -> dict[str, Any]:
        """The CLI's ``--json`` document: profile, ``barrier`` (Draxler's, minus the higher
        end), ``barrier_mean_ends`` (Frankle's), the highest point as ``saddle``."""
        profile: dict[str, Any] = {"t": self.t.tolist(), "distance": self.distance.tolist()}
        profile |= {k: _finite_list(v) for k, v in self.profile.items()}
        out: dict[str, Any] = {
            "scenario": self.scenario,
            "method": self.method,
            "from": self.ends[0],
            "to": self.ends[1],
            "profile": profile,
            "labels": dict(self.labels),
            "barrier": self.barrier.max_end,
            "barrier_mean_ends": self.barrier.mean_end,
            "highest": self.barrier.highest,
            "end_losses": list(self.barrier.ends),
            "saddle": self.saddle.to_json(),
            "converged": self.converged,
            "steps": self.steps,
            "seconds": self.seconds,
            "provenance": dict(self.provenance),
        }
        if with_nodes:
            out["nodes"] = self.nodes.tolist()
        return out


def _finite_list(values: np.ndarray) -> list[float | None]:
    return [float(v) if math.isfinite(v) else None for v in np.asarray(values, dtype=float)]


def cumulative_length(nodes: torch.Tensor) -> np.ndarray:
    """(K,) Σ_{j<k} ‖θ_{j+1} − θ_j‖ along nodes (K, n)."""
    steps = torch.linalg.vector_norm(torch.diff(nodes.double(), dim=0), dim=-1)
    return np.concatenate([[0.0], torch.cumsum(steps, 0).cpu().numpy()])


def evaluate_profile(
    objective: Objective, nodes: torch.Tensor
) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """``loss`` (F of ``objective``, modes included) and every metric of the objective at
    nodes (K, n), without gradients: ({field: (K,)}, {field: label})."""
    with torch.no_grad():
        values = {"loss": objective.loss(nodes).double().cpu().numpy()}
        labels = {"loss": "F"}
        for metric in objective.metrics:
            values[metric.key] = metric.fn(nodes).double().cpu().numpy().reshape(-1)
            labels[metric.key] = metric.label
    return values, labels
