"""Constraint sets θ ∈ C: the ball ‖θ_B‖₂ ≤ R and the box |θ_i| ≤ R (i ∈ B), on all of θ or on
named parameter blocks B, with projections and the faces of their boundaries."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Self

import torch

from compute.errors import LandscapeError

Span = tuple[int, int]
"""``[start, stop)``: the coordinates of θ that hold one parameter block."""


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


def number_text(value: float) -> str:
    """The shortest text that reads back as exactly ``value`` (``2`` for 2.0, ``0.1``)."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


@dataclass(frozen=True)
class _Blocked:
    """What a constraint acting on named parameter blocks shares.

    ``blocks``: the names of the blocks the set constrains (empty: all of θ). ``spans``: where
    those blocks lie in θ, filled by ``bind`` from the problem's layout; a blocked constraint
    that is not bound yet can be parsed, saved and compared (``spans`` is not compared) but
    not applied.
    """

    radius: float
    kind: str = ""
    blocks: tuple[str, ...] = ()
    spans: tuple[Span, ...] = field(default=(), compare=False, repr=False)

    def bind(self, layout: Sequence[tuple[str, Span]] | None, scenario_id: str = "") -> Self:
        """This set with its blocks located in θ: ``layout`` is (name, span) of every block of
        the problem (None for a toy, whose coordinates are not blocks). A set on all of θ is
        returned as it is. Unknown names raise a LandscapeError listing the valid ones."""
        if not self.blocks:
            return self
        if layout is None:
            raise LandscapeError(
                f"{self.spec()} acts on parameter blocks, which only networks have; "
                f"{scenario_id or 'this scenario'} is a toy: use {self.kind}:R"
            )
        where = dict(layout)
        unknown = [b for b in self.blocks if b not in where]
        if unknown:
            known = ", ".join(where)
            raise LandscapeError(
                f"{scenario_id or 'the network'} has no parameter block {unknown[0]!r} "
                f"(blocks: {known})"
            )
        return replace(self, spans=tuple(where[b] for b in self.blocks))

    def _index(self, theta: torch.Tensor) -> torch.Tensor | None:
        """The coordinates of θ the set constrains (None: all of them)."""
        if not self.blocks:
            return None
        if not self.spans:
            raise LandscapeError(f"{self.spec()} is not bound to a network's parameter blocks")
        parts = [torch.arange(a, b, device=theta.device) for a, b in self.spans]
        return torch.cat(parts)

    def part(self, theta: torch.Tensor) -> torch.Tensor:
        """θ_B[..., k]: the coordinates the set constrains (all of θ without blocks)."""
        index = self._index(theta)
        return theta if index is None else theta[..., index]

    def _put(self, theta: torch.Tensor, index: torch.Tensor, part: torch.Tensor) -> torch.Tensor:
        """θ with its coordinates ``index`` replaced by ``part`` (a copy)."""
        out = theta.clone()
        out[..., index] = part
        return out

    def spec(self) -> str:
        """``ball:R`` or ``ball:R@w,v``: the text ``parse_constraint`` reads back exactly."""
        blocks = f"@{','.join(self.blocks)}" if self.blocks else ""
        return f"{self.kind}:{number_text(self.radius)}{blocks}"

    def describe(self) -> str:
        """What is constrained, in words: ``‖(w, v)‖₂ ≤ 2`` or ``‖θ‖₂ ≤ 2``."""
        of = f"({', '.join(self.blocks)})" if self.blocks else "θ"
        norm = "₂" if self.kind == "ball" else "∞"
        return f"‖{of}‖{norm} ≤ {number_text(self.radius)}"


def _onto_sphere(part: torch.Tensor, norm: torch.Tensor, r: float) -> torch.Tensor:
    """``part · R/‖part‖`` with the factor lowered by ulps where rounding left the result
    outside the sphere (‖·‖ > R by an ulp or two), so that it is feasible."""
    scale = r / norm.clamp_min(1e-300)
    floor = torch.zeros_like(scale)
    for _ in range(8):  # each pass lowers the factor of the points still outside by one ulp
        moved = part * scale
        over = torch.linalg.vector_norm(moved, dim=-1, keepdim=True) > r
        if not bool(over.any()):
            break
        scale = torch.where(over, torch.nextafter(scale, floor), scale)
    return moved


@dataclass(frozen=True)
class Ball(_Blocked):
    """The Euclidean ball ``‖θ_B‖₂ ≤ R``: of all of θ, or of the named blocks B together (the
    other coordinates are free), as M₁ = {(w, v) : ‖(w, v)‖ ≤ R} in Shamir's Theorem 4."""

    kind: str = "ball"

    def project(self, theta: torch.Tensor) -> torch.Tensor:
        """Nearest point of the set: ``θ_B · R / ‖θ_B‖`` where ‖θ_B‖ > R, batched over leading
        dims; the coordinates outside B are kept.

        Points with ‖θ_B‖ ≤ R are returned untouched (rescaling by R/‖θ_B‖ = 1 in floating
        point would move points on the sphere by an ulp), and projected points have
        ‖θ_B‖ ≤ R exactly (so projecting twice changes nothing).
        """
        index = self._index(theta)
        part = theta if index is None else theta[..., index]
        norm = torch.linalg.vector_norm(part, dim=-1, keepdim=True)
        inside = norm <= self.radius
        moved = torch.where(inside, part, _onto_sphere(part, norm, self.radius))
        return moved if index is None else self._put(theta, index, moved)

    def contains(self, theta: torch.Tensor, tol: float = 1e-9) -> torch.Tensor:
        index = self._index(theta)
        part = theta if index is None else theta[..., index]
        return torch.linalg.vector_norm(part, dim=-1) <= self.radius * (1 + tol)

    def faces(self, dim: int) -> list[ActiveFace]:
        """The sphere, as ``c(θ) = (‖θ_B‖² − R²) / (2R)`` (so ‖∇c‖ = 1 on it); ``snap`` rescales
        θ_B onto it and keeps the other coordinates."""
        r = self.radius

        def residual(theta: torch.Tensor) -> torch.Tensor:
            index = self._index(theta)
            part = theta if index is None else theta[..., index]
            return ((part**2).sum(-1, keepdim=True) - r * r) / (2 * r)

        def snap(theta: torch.Tensor) -> torch.Tensor:
            index = self._index(theta)
            part = theta if index is None else theta[..., index]
            norm = torch.linalg.vector_norm(part, dim=-1, keepdim=True)
            ones = torch.ones_like(part) / math.sqrt(part.shape[-1])
            moved = r * torch.where(norm > 1e-12, part / norm.clamp_min(1e-300), ones)
            return moved if index is None else self._put(theta, index, moved)

        label = "sphere" if not self.blocks else f"sphere of ({', '.join(self.blocks)})"
        return [ActiveFace(label, residual, snap)]


@dataclass(frozen=True)
class Box(_Blocked):
    """The cube ``|θ_i| ≤ R`` for every coordinate i (of the named blocks B, if given)."""

    kind: str = "box"

    def project(self, theta: torch.Tensor) -> torch.Tensor:
        """Nearest point of the box: coordinate-wise clamp of θ_B to [−R, R]."""
        index = self._index(theta)
        if index is None:
            return theta.clamp(-self.radius, self.radius)
        return self._put(theta, index, theta[..., index].clamp(-self.radius, self.radius))

    def contains(self, theta: torch.Tensor, tol: float = 1e-9) -> torch.Tensor:
        index = self._index(theta)
        part = theta if index is None else theta[..., index]
        return (part.abs() <= self.radius * (1 + tol)).all(dim=-1)

    def faces(self, dim: int) -> list[ActiveFace]:
        """Every face of the cube: each nonempty set S of constrained coordinates pinned at ±R.

        ``c_S(θ) = s_S ⊙ θ_S − R`` (so c ≤ 0 inside). There are 3ᵏ − 1 faces for k constrained
        coordinates: edges and corners for k = 2. Only offered for k ≤ 4, where enumerating
        them is cheap.
        """
        probe = torch.zeros(dim)
        index = self._index(probe)
        coords = list(range(dim)) if index is None else index.tolist()
        if len(coords) > 4:
            raise LandscapeError("box boundary critical points are only searched for n ≤ 4")
        r = self.radius
        faces = []
        for pattern in itertools.product((-1, 0, 1), repeat=len(coords)):
            if not any(pattern):
                continue
            idx = torch.tensor([coords[i] for i, s in enumerate(pattern) if s])
            sgn = torch.tensor([float(s) for s in pattern if s], dtype=torch.float64)
            faces.append(
                ActiveFace(_box_label(pattern), _box_residual(idx, sgn, r), self._snap(idx, sgn))
            )
        return faces

    def _snap(self, idx: torch.Tensor, sgn: torch.Tensor) -> Callable[..., torch.Tensor]:
        def snap(theta: torch.Tensor) -> torch.Tensor:
            out = self.project(theta).clone()
            out[..., idx] = sgn.to(theta) * self.radius
            return out

        return snap


def _box_label(pattern: tuple[int, ...]) -> str:
    return " ".join("+R" if s > 0 else "−R" if s < 0 else "·" for s in pattern)


def _box_residual(idx: torch.Tensor, sgn: torch.Tensor, r: float) -> Callable[..., torch.Tensor]:
    return lambda theta: sgn.to(theta) * theta[..., idx] - r


Constraint = Ball | Box
