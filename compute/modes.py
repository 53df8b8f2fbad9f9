"""Landscape modes: L2 regularisation and ball / box constraints with their projections."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from compute.errors import LandscapeError
from compute.objective import Objective


@dataclass(frozen=True)
class ActiveFace:
    """A piece of the boundary of a constraint set, written as active inequalities c(θ) = 0.

    ``residual(θ[n]) -> c[k]`` with the set being ``{c ≤ 0}`` near the face, so a KKT point of
    min F has ∇F + Jcᵀ μ = 0 with μ ≥ 0. ``snap`` moves any θ[..., n] onto the face (a start for
    the root finder).
    """

    label: str
    residual: Callable[[torch.Tensor], torch.Tensor]
    snap: Callable[[torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Ball:
    """The Euclidean ball ``‖θ‖₂ ≤ R``."""

    radius: float
    kind: str = "ball"

    def project(self, theta: torch.Tensor) -> torch.Tensor:
        """Nearest point of the ball: ``θ · R / ‖θ‖`` outside it, batched over leading dims.

        Points with ‖θ‖ ≤ R are returned untouched (rescaling by R/‖θ‖ = 1 in floating point
        would move points on the sphere by an ulp).
        """
        norm = torch.linalg.vector_norm(theta, dim=-1, keepdim=True)
        inside = norm <= self.radius
        return torch.where(inside, theta, theta * (self.radius / norm.clamp_min(1e-300)))

    def contains(self, theta: torch.Tensor, tol: float = 1e-9) -> torch.Tensor:
        return torch.linalg.vector_norm(theta, dim=-1) <= self.radius * (1 + tol)

    def faces(self, dim: int) -> list[ActiveFace]:
        """The sphere, as ``c(θ) = (‖θ‖² − R²) / (2R)`` (so ‖∇c‖ = 1 on it)."""
        r = self.radius

        def residual(theta: torch.Tensor) -> torch.Tensor:
            return ((theta**2).sum(-1, keepdim=True) - r * r) / (2 * r)

        def snap(theta: torch.Tensor) -> torch.Tensor:
            norm = torch.linalg.vector_norm(theta, dim=-1, keepdim=True)
            ones = torch.ones_like(theta) / math.sqrt(dim)
            direction = torch.where(norm > 1e-12, theta / norm.clamp_min(1e-300), ones)
            return r * direction

        return [ActiveFace("sphere", residual, snap)]

    def spec(self) -> str:
        return f"ball:{self.radius:g}"


@dataclass(frozen=True)
class Box:
    """The cube ``|θᵢ| ≤ R`` for every coordinate."""

    radius: float
    kind: str = "box"

    def project(self, theta: torch.Tensor) -> torch.Tensor:
        """Nearest point of the box: coordinate-wise clamp to [−R, R]."""
        return theta.clamp(-self.radius, self.radius)

    def contains(self, theta: torch.Tensor, tol: float = 1e-9) -> torch.Tensor:
        return (theta.abs() <= self.radius * (1 + tol)).all(dim=-1)

    def faces(self, dim: int) -> list[ActiveFace]:
        """Every face of the cube: each nonempty set S of coordinates pinned at ±R.

        ``c_S(θ) = s_S ⊙ θ_S − R`` (so c ≤ 0 inside). There are 3ⁿ − 1 faces: edges and corners
        for n = 2. Only offered for n ≤ 4, where enumerating them is cheap.
        """
        if dim > 4:
            raise LandscapeError("box boundary critical points are only searched for n ≤ 4")
        r = self.radius
        faces = []
        for pattern in itertools.product((-1, 0, 1), repeat=dim):
            if not any(pattern):
                continue
            idx = torch.tensor([i for i, s in enumerate(pattern) if s])
            sgn = torch.tensor([float(s) for s in pattern if s], dtype=torch.float64)
            faces.append(
                ActiveFace(_box_label(pattern), _box_residual(idx, sgn, r), _box_snap(idx, sgn, r))
            )
        return faces

    def spec(self) -> str:
        return f"box:{self.radius:g}"


def _box_label(pattern: tuple[int, ...]) -> str:
    return " ".join("+R" if s > 0 else "−R" if s < 0 else "·" for s in pattern)


def _box_residual(idx: torch.Tensor, sgn: torch.Tensor, r: float) -> Callable[..., torch.Tensor]:
    return lambda theta: sgn.to(theta) * theta[..., idx] - r


def _box_snap(idx: torch.Tensor, sgn: torch.Tensor, r: float) -> Callable[..., torch.Tensor]:
    def snap(theta: torch.Tensor) -> torch.Tensor:
        out = theta.clamp(-r, r).clone()
        out[..., idx] = sgn.to(theta) * r
        return out

    return snap


Constraint = Ball | Box


def parse_constraint(text: str | None) -> Constraint | None:
    """``"ball:R"`` / ``"box:R"`` / ``"none"`` / None → a constraint set (R > 0 and finite)."""
    if text is None or text.strip().lower() in ("", "none"):
        return None
    kind, _, raw = text.partition(":")
    kind = kind.strip().lower()
    if kind not in ("ball", "box") or not raw:
        raise LandscapeError(f"constraint {text!r} must be ball:R, box:R or none")
    try:
        radius = float(raw)
    except ValueError:
        raise LandscapeError(f"constraint radius {raw!r} is not a number") from None
    return make_constraint(kind, radius)


def make_constraint(kind: str, radius: float) -> Constraint:
    """A ball or box of radius R, refusing R ≤ 0 or non-finite R."""
    if not math.isfinite(radius) or radius <= 0:
        raise LandscapeError(f"constraint radius must be a positive number, got {radius:g}")
    if kind == "ball":
        return Ball(radius)
    if kind == "box":
        return Box(radius)
    raise LandscapeError(f"unknown constraint kind {kind!r} (use ball or box)")


@dataclass(frozen=True)
class Modes:
    """What is added to a scenario's loss: ``(λ/2)‖θ‖²`` and a constraint set θ ∈ C."""

    l2: float = 0.0
    constraint: Constraint | None = None

    def __post_init__(self) -> None:
        if not math.isfinite(self.l2) or self.l2 < 0:
            raise LandscapeError(f"L2 strength λ must be a finite number ≥ 0, got {self.l2:g}")

    def apply(self, objective: Objective) -> Objective:
        """The objective with ``(λ/2)‖θ‖²`` added to its loss and its minibatch loss (the
        constraint is handled by projection)."""
        if self.l2 == 0:
            return objective
        base, batch, lam = objective.loss, objective.batch_loss, self.l2

        def regularised(theta: torch.Tensor) -> torch.Tensor:
            return base(theta) + 0.5 * lam * (theta**2).sum(-1)

        def regularised_batch(theta: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
            assert batch is not None
            return batch(theta, index) + 0.5 * lam * (theta**2).sum(-1)

        return objective.with_loss(
            regularised, None if batch is None else regularised_batch, f"+l2({lam:g})"
        )

    def project(self, theta: torch.Tensor) -> torch.Tensor:
        return theta if self.constraint is None else self.constraint.project(theta)

    def describe(self) -> dict[str, object]:
        return {"l2": self.l2, "constraint": self.constraint.spec() if self.constraint else None}
