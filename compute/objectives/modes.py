"""Landscape modes: L2 regularisation and a ball / box constraint
(``compute.objectives.constraint_sets``)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from compute.errors import LandscapeError, short
from compute.objectives.constraint_sets import ActiveFace, Ball, Box, Constraint, Span
from compute.objectives.objective import Objective

MAX_RADIUS = 1e12
MIN_RADIUS = 1e-12
"""Smallest constraint radius: below it R², the projection and the constrained least squares
lose all precision (a radius of 1e-300 failed inside scipy's root finder)."""
"""Largest constraint radius: R² and the faces' residuals (‖θ‖² − R²)/(2R) stay finite."""
MAX_L2 = 1e12
"""Largest L2 strength: (λ/2)‖θ‖² and its Hessian λ·I stay finite over any window."""
_BLOCK = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def parse_constraint(text: str | None) -> Constraint | None:
    """``"ball:R"`` / ``"box:R"`` / ``"ball:R@w,v"`` / ``"none"`` / None → a constraint set.

    ``@w,v`` restricts the set to the named parameter blocks of a network (the rest of θ is
    free), e.g. Shamir's Theorem 4 constrains (w, v) and θ separately; such a set is bound to
    a problem's layout by ``Modes.bind`` before use. 0 < R ≤ MAX_RADIUS.
    """
    if text is None or text.strip().lower() in ("", "none"):
        return None
    body, at, names = text.partition("@")
    kind, _, raw = body.partition(":")
    kind = kind.strip().lower()
    if kind not in ("ball", "box") or not raw.strip():
        raise LandscapeError(
            f"constraint {short(text)} must be ball:R, box:R, ball:R@BLOCKS or none"
        )
    try:
        radius = float(raw)
    except ValueError:
        raise LandscapeError(f"constraint radius {short(raw)} is not a number") from None
    blocks = tuple(n.strip() for n in names.split(",")) if at else ()
    if at and not all(_BLOCK.match(n) for n in blocks):
        raise LandscapeError(
            f"constraint {short(text)}: after @ give block names separated by commas (ball:2@w,v)"
        )
    if len(set(blocks)) != len(blocks):
        raise LandscapeError(f"constraint {short(text)} names a block twice")
    return make_constraint(kind, radius, blocks)


def make_constraint(kind: str, radius: float, blocks: Sequence[str] = ()) -> Constraint:
    """A ball or box of radius R (on the named blocks, if any), refusing R ≤ 0, non-finite R
    and R > MAX_RADIUS."""
    if not math.isfinite(radius) or radius <= 0:
        raise LandscapeError(f"constraint radius must be a positive number, got {radius:g}")
    if radius > MAX_RADIUS:
        raise LandscapeError(f"constraint radius must be at most {MAX_RADIUS:g}, got {radius:g}")
    if radius < MIN_RADIUS:
        raise LandscapeError(f"constraint radius must be at least {MIN_RADIUS:g}, got {radius:g}")
    if kind == "ball":
        return Ball(radius, blocks=tuple(blocks))
    if kind == "box":
        return Box(radius, blocks=tuple(blocks))
    raise LandscapeError(f"unknown constraint kind {short(kind)} (use ball or box)")


@dataclass(frozen=True)
class Modes:
    """What is added to a scenario's loss: ``(λ/2)‖θ‖²`` and a constraint set θ ∈ C."""

    l2: float = 0.0
    constraint: Constraint | None = None

    def __post_init__(self) -> None:
        if not math.isfinite(self.l2) or self.l2 < 0:
            raise LandscapeError(f"L2 strength λ must be a finite number ≥ 0, got {self.l2:g}")
        if self.l2 > MAX_L2:
            raise LandscapeError(f"L2 strength λ must be at most {MAX_L2:g}, got {self.l2:g}")

    def apply(self, objective: Objective) -> Objective:
        """The objective with ``(λ/2)‖θ‖²`` added to its loss, its minibatch loss and its
        training loss (the constraint is handled by projection)."""
        if self.l2 == 0:
            return objective
        base, batch, train, lam = objective.loss, objective.batch_loss, objective.training, self.l2

        def regularised(theta: torch.Tensor) -> torch.Tensor:
            return base(theta) + 0.5 * lam * (theta**2).sum(-1)

        def regularised_batch(theta: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
            assert batch is not None
            return batch(theta, index) + 0.5 * lam * (theta**2).sum(-1)

        def regularised_training(theta: torch.Tensor, index: torch.Tensor | None) -> torch.Tensor:
            assert train is not None
            return train(theta, index) + 0.5 * lam * (theta**2).sum(-1)

        return objective.with_loss(
            regularised,
            None if batch is None else regularised_batch,
            f"+l2({lam:g})",
            None if train is None else regularised_training,
        )

    def project(self, theta: torch.Tensor) -> torch.Tensor:
        return theta if self.constraint is None else self.constraint.project(theta)

    def bind(self, layout: Sequence[tuple[str, Span]] | None, scenario_id: str = "") -> Modes:
        """These modes with a block constraint located in θ (``Ball.bind``): ``layout`` is
        (name, [start, stop)) of each parameter block, None for a toy. Unchanged otherwise."""
        if self.constraint is None or not self.constraint.blocks:
            return self
        return Modes(self.l2, self.constraint.bind(layout, scenario_id))

    def describe(self) -> dict[str, object]:
        return {"l2": self.l2, "constraint": self.constraint.spec() if self.constraint else None}


__all__ = [
    "ActiveFace",
    "Ball",
    "Box",
    "Constraint",
    "Modes",
    "make_constraint",
    "parse_constraint",
]
