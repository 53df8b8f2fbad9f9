"""Planes through parameter space, θ(a, b) = θ₀ + a·d₁ + b·d₂, and projections onto them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from compute.errors import LandscapeError
from compute.objectives.layout import ParamLayout
from compute.objectives.objective import LossFn, Objective, OutputSplit, Progressive, ValuesFn

Window4 = tuple[float, float, float, float]
PROJECT_BLOCK = 1 << 15
"""Parameters per block of a projection's float64 sums (256 kB per vector: blocks of 2 MB
raised a 1M-parameter slice's peak memory by 32 MB, as glibc serves such freed blocks from a
heap it does not trim; 9 MB now)."""


@dataclass(frozen=True)
class PlaneProjection:
    """Points θ_t projected onto a plane.

    Attributes
    ----------
    coords : (T, 2)
        (a, b) minimising ‖θ_t − θ(a, b)‖ (least squares; exact for non-orthogonal d₁, d₂).
    distance : (T,)
        ‖θ_t − θ(a_t, b_t)‖: how far each point is from the plane (0 for points in it). A path
        drawn on a slice is only *in* the slice where this is small compared with its length.
    """

    coords: np.ndarray
    distance: np.ndarray


@dataclass(frozen=True, eq=False)
class Plane:
    """The plane θ(a, b) = origin + a·d₁ + b·d₂ in ℝⁿ.

    Attributes
    ----------
    origin, d1, d2 : (n,) tensors
    kind : "random" | "pca" | "points" | "directions" | "line"
    orthonormal : whether d₁, d₂ are orthonormal (then a, b are Euclidean coordinates)
    window : (amin, amax, bmin, bmax), a view that shows what the plane was made for
    explained_variance : for PCA planes, the share of the trajectory's variance along d₁, d₂
    marks : named points with their (a, b), e.g. the three points a plane was built through
    """

    origin: torch.Tensor
    d1: torch.Tensor
    d2: torch.Tensor
    kind: str
    orthonormal: bool
    window: Window4 = (-1.0, 1.0, -1.0, 1.0)
    explained_variance: tuple[float, float] | None = None
    marks: Mapping[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def directions(self) -> torch.Tensor:
        """(2, n): d₁ and d₂ stacked."""
        return torch.stack([self.d1, self.d2])

    def point(self, coords: torch.Tensor) -> torch.Tensor:
        """θ(a, b) for coords (..., 2) → (..., n) (differentiable in coords)."""
        coords = coords.to(self.origin)
        return self.origin + coords[..., :1] * self.d1 + coords[..., 1:2] * self.d2

    def to(self, device: torch.device, dtype: torch.dtype) -> Plane:
        cast = {k: getattr(self, k).to(device, dtype) for k in ("origin", "d1", "d2")}
        return replace(self, **cast)

    def project(self, thetas: torch.Tensor | np.ndarray) -> PlaneProjection:
        """Project points (T, n) or (n,) onto the plane, in float64 on the CPU.

        The normal equations (D Dᵀ) c = D (θ − θ₀) (D = [d₁; d₂]) and the residuals are summed
        over blocks of PROJECT_BLOCK parameters, so the float64 copies take a few MB whatever
        n is (for an 11M-parameter model the whole vectors took hundreds). Parallel
        directions (a singular D Dᵀ) get the least-norm solution, pinv(D Dᵀ) D (θ − θ₀)."""
        pts = torch.as_tensor(thetas)
        pts = pts.reshape(-1, pts.shape[-1])
        n = pts.shape[-1]

        def block(start: int) -> tuple[torch.Tensor, torch.Tensor]:
            cut = slice(start, start + PROJECT_BLOCK)
            d = torch.stack([self.d1[cut], self.d2[cut]]).to("cpu", torch.float64)
            return d, pts[:, cut].to("cpu", torch.float64) - self.origin[cut].to(
                "cpu", torch.float64
            )

        gram = torch.zeros(2, 2, dtype=torch.float64)
        rhs = torch.zeros(2, len(pts), dtype=torch.float64)
        for start in range(0, n, PROJECT_BLOCK):
            d, rel = block(start)
            gram += d @ d.T
            rhs += d @ rel.T
        if float(torch.linalg.det(gram)) <= 1e-24 * float(gram.diagonal().prod()):
            coords = (torch.linalg.pinv(gram) @ rhs).T
        else:
            coords = torch.linalg.solve(gram, rhs).T
        squared = torch.zeros(len(pts), dtype=torch.float64)
        for start in range(0, n, PROJECT_BLOCK):
            d, rel = block(start)
            squared += ((rel - coords @ d) ** 2).sum(-1)
        return PlaneProjection(coords.numpy(), squared.sqrt().numpy())


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(int(seed))


def filter_normalized_direction(
    layout: ParamLayout, origin: torch.Tensor, gen: torch.Generator
) -> torch.Tensor:
    """A random direction filter-normalised as in Li et al. (2018), "Visualizing the Loss
    Landscape of Neural Nets".

    d ~ N(0, I), then for every weight block and every filter (unit) j:
    ``d_j ← d_j · ‖θ₀_j‖ / (‖d_j‖ + 1e-10)``, with the filter the slice of the block along its
    ``unit_axis`` (the incoming weights of unit j; a row of an ``nn.Linear`` weight). Biases (and
    every 1-D weight block) are set to zero, as the reference tool's default
    ``ignore='biasbn'``; a ``vector`` block is normalised as one filter, ‖d_b‖ = ‖θ₀_b‖.
    """
    d = torch.randn(origin.shape, generator=gen, dtype=torch.float64).to(origin)
    out = torch.zeros_like(origin)
    for block in layout.blocks:
        if block.kind == "bias" or (block.kind == "weight" and len(block.shape) <= 1):
            continue
        shape = (1, block.size) if block.kind == "vector" else block.shape
        axis = 0 if block.kind == "vector" else block.unit_axis
        w = origin[block.offset : block.stop].reshape(shape).movedim(axis, 0)
        r = d[block.offset : block.stop].reshape(shape).movedim(axis, 0)
        wn = torch.linalg.vector_norm(w.reshape(len(w), -1), dim=1)
        rn = torch.linalg.vector_norm(r.reshape(len(r), -1), dim=1)
        scaled = r * (wn / (rn + 1e-10)).reshape(-1, *[1] * (r.ndim - 1))
        out[block.offset : block.stop] = scaled.movedim(0, axis).reshape(-1)
    return out


def random_plane(
    layout: ParamLayout, origin: torch.Tensor, seed: int = 0, window: Window4 = (-1, 1, -1, 1)
) -> Plane:
    """Two filter-normalised random directions around ``origin`` (Li et al. 2018). Not
    orthogonalised (in high dimension they are nearly orthogonal, as the paper notes)."""
    gen = _gen(seed)
    d1 = filter_normalized_direction(layout, origin, gen)
    d2 = filter_normalized_direction(layout, origin, gen)
    if float(d1.norm()) == 0.0:
        raise LandscapeError(
            "filter-normalised directions are zero: every weight of the centre point is zero "
            "(centre the slice on trained weights, or use the points or directions planes)"
        )
    return Plane(origin, d1, d2, "random", False, _floats(window))


def pca_plane(trajectory: torch.Tensor | np.ndarray, margin: float = 0.25) -> Plane:
    """The top two principal directions of a trajectory's θ_t − θ_final (Li et al. 2018, §7).

    With M = [θ_t − θ_T]_t (T, n) = U S Vᵀ, d₁, d₂ are the first two rows of Vᵀ (orthonormal)
    and ``explained_variance`` is (s₁², s₂²) / Σ s². The origin is the final point θ_T; signs are
    chosen so that the start θ_0 has a ≥ 0 and b ≥ 0. The window frames the projected path.
    """
    traj = torch.as_tensor(trajectory)
    if traj.ndim != 2 or len(traj) < 3:
        raise LandscapeError("a PCA plane needs a trajectory of at least 3 points (T, n)")
    final = traj[-1]
    m = (traj - final).to(torch.float64)
    _, s, vh = torch.linalg.svd(m, full_matrices=False)
    total = float((s**2).sum())
    if len(s) < 2 or total == 0 or float(s[1]) <= 1e-12 * float(s[0]):
        raise LandscapeError("the trajectory does not span two dimensions (it did not move enough)")
    dirs = vh[:2].clone()
    start = m[0] @ dirs.T
    dirs[start < 0] *= -1
    ratio = (float(s[0] ** 2) / total, float(s[1] ** 2) / total)
    d1, d2 = (v.to(traj.dtype) for v in dirs)
    plane = Plane(final, d1, d2, "pca", True, explained_variance=ratio)
    coords = plane.project(traj).coords
    return replace(plane, window=frame_window(coords, margin))


def three_point_plane(points: Mapping[str, torch.Tensor], margin: float = 0.25) -> Plane:
    """The plane through three named points p₀, p₁, p₂ (e.g. init, final, teacher).

    Gram–Schmidt: d₁ = (p₁ − p₀)/‖p₁ − p₀‖, d₂ = the normalised part of p₂ − p₀ orthogonal to
    d₁; origin p₀. The points sit at (0, 0), (‖p₁ − p₀‖, 0) and (⟨p₂ − p₀, d₁⟩, ‖…⊥‖), given
    in ``marks``; distances in (a, b) are distances in θ.
    """
    if len(points) != 3:
        raise LandscapeError(f"a plane through points needs exactly 3 of them, got {len(points)}")
    names = list(points)
    p0, p1, p2 = (torch.as_tensor(points[k]).to(torch.float64) for k in names)
    u = p1 - p0
    nu = float(u.norm())
    if nu <= 1e-12 * (1 + float(p0.norm())):
        raise LandscapeError(f"points {names[0]} and {names[1]} coincide: no plane through them")
    d1 = u / nu
    w = p2 - p0
    along = float(w @ d1)
    perp = w - along * d1
    npp = float(perp.norm())
    if npp <= 1e-9 * max(nu, float(w.norm())):
        raise LandscapeError(f"points {', '.join(names)} are collinear: no unique plane")
    d2 = perp / npp
    dtype = torch.as_tensor(points[names[0]]).dtype
    marks = {names[0]: (0.0, 0.0), names[1]: (nu, 0.0), names[2]: (along, npp)}
    window = frame_window(np.array(list(marks.values())), margin)
    return Plane(p0.to(dtype), d1.to(dtype), d2.to(dtype), "points", True, window, marks=marks)


def directions_plane(
    origin: torch.Tensor,
    d1: torch.Tensor,
    d2: torch.Tensor,
    orthonormalize: bool = False,
    window: Window4 = (-1, 1, -1, 1),
) -> Plane:
    """A plane along two given directions, e.g. ``teacher − θ₀`` and a random one.

    Kept as given (so a = 1 reaches the end of d₁) unless ``orthonormalize``, which applies
    Gram–Schmidt (d₁ normalised, d₂ made orthogonal to it and normalised).
    """
    a, b = d1.to(torch.float64), d2.to(torch.float64)
    na, nb = float(a.norm()), float(b.norm())
    if na == 0 or nb == 0:
        raise LandscapeError("plane directions must be nonzero")
    cos = float(a @ b) / (na * nb)
    if abs(cos) > 1 - 1e-9:
        raise LandscapeError("plane directions are parallel: no plane")
    if orthonormalize:
        a = a / na
        b = b - (b @ a) * a
        b = b / b.norm()
    return Plane(
        origin,
        a.to(origin.dtype),
        b.to(origin.dtype),
        "directions",
        orthonormalize,
        _floats(window),
    )


def line(start: torch.Tensor, end: torch.Tensor) -> Plane:
    """The line θ(α) = start + α (end − start) as a degenerate plane (d₂ = 0), for 1-D
    interpolation; α = 0 is ``start`` and α = 1 is ``end``."""
    d = end - start
    if float(d.norm()) == 0:
        raise LandscapeError("interpolation needs two different points")
    return Plane(start, d, torch.zeros_like(d), "line", False, (-0.25, 1.25, 0.0, 0.0))


def _floats(window: tuple[float, ...]) -> Window4:
    if len(window) != 4:
        raise LandscapeError("a plane window is AMIN,AMAX,BMIN,BMAX")
    lo_a, hi_a, lo_b, hi_b = (float(v) for v in window)
    return (lo_a, hi_a, lo_b, hi_b)


def frame_window(coords: np.ndarray, margin: float) -> Window4:
    """A window around points (k, 2), padded by ``margin`` of its size on each side."""
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    span = np.maximum(hi - lo, 1e-6 * (1 + np.abs(hi).max()))
    lo, hi = lo - margin * span, hi + margin * span
    return (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))


def restrict_to_plane(
    objective: Objective,
    plane: Plane,
    values: ValuesFn | None = None,
    progressive: Progressive | None = None,
    chunk_points: int | None = None,
) -> Objective:
    """The objective on a plane: ``F(a, b) = L(θ₀ + a·d₁ + b·d₂)`` over (a, b) ∈ ℝ².

    Derivatives of the restriction are the projections of L's: ∇F = Dᵀ∇L and ∇²F = Dᵀ∇²L D
    with D = [d₁ d₂] (n, 2) - properties of the 2-D slice, not of the network: an in-plane
    minimum need not be a minimum of L. Minibatch losses and metrics compose with the plane;
    ``values`` / ``progressive`` (fast slice evaluators) come from the caller, who knows the
    model. The Gauss–Newton split composes too (outputs of θ(a, b)).
    """
    plane = plane.to(objective.device, objective.dtype)

    def lift(fn: LossFn) -> LossFn:
        return lambda coords: fn(plane.point(coords))

    batch = objective.batch_loss
    split = objective.split
    train = objective.training
    return Objective(
        name=f"{objective.name} (plane)",
        dim=2,
        axis_names=("a", "b"),
        loss=lift(objective.loss),
        dtype=objective.dtype,
        device=objective.device,
        tol=objective.tol,
        samples=objective.samples,
        batch_loss=None if batch is None else (lambda c, i: batch(plane.point(c), i)),
        metrics=tuple(replace(m, fn=lift(m.fn)) for m in objective.metrics),
        values=values,
        progressive=progressive,
        chunk_points=objective.chunk_points if chunk_points is None else chunk_points,
        flops=objective.flops + 4.0 * objective.dim,
        split=None if split is None else OutputSplit(lift(split.outputs), split.output_loss),
        layout=None,
        training=None if train is None else (lambda c, i: train(plane.point(c), i)),
    )
