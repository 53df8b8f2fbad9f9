"""Which plane a network slice shows: a recipe (random, towards the teacher) or saved vectors."""

from __future__ import annotations

import base64
import math
from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import torch

from compute.errors import LandscapeError
from compute.geometry.planes import (
    Plane,
    directions_plane,
    pca_plane,
    random_plane,
    three_point_plane,
)
from compute.networks.sliced import network_of
from compute.objectives.problem import Problem
from compute.vocabulary import DERIVED, PLANE_KINDS


@dataclass(frozen=True)
class PlaneSpec:
    """A slice's plane as the session keeps it.

    Attributes
    ----------
    kind : one of PLANE_KINDS
    seed : the random directions' seed (recipes)
    vectors : derived planes: origin, d₁, d₂ as float32 little-endian bytes (3n values), so a
        saved session reopens on exactly the same plane
    source : what a derived plane was built from, in words ("run 3")
    explained : PCA: the shares of the trajectory's variance along d₁, d₂
    marks : named points of the plane with their (a, b) (the three points of a points plane)
    orthonormal : whether d₁, d₂ are orthonormal (a, b are then Euclidean coordinates)
    """

    kind: str = "random"
    seed: int = 0
    vectors: bytes = b""
    source: str = ""
    explained: tuple[float, ...] = ()
    marks: tuple[tuple[str, float, float], ...] = ()
    orthonormal: bool = False

    def __post_init__(self) -> None:
        if self.kind not in PLANE_KINDS:
            raise LandscapeError(f"plane {self.kind!r} is not one of {', '.join(PLANE_KINDS)}")
        if not 0 <= self.seed < 2**63:
            raise LandscapeError(f"plane seed must be a whole number ≥ 0, got {self.seed}")
        if self.kind in DERIVED and (not self.vectors or len(self.vectors) % 12):
            raise LandscapeError(f"a {self.kind} plane needs its vectors (origin, d₁, d₂)")
        if not all(math.isfinite(v) for v in self.explained):
            raise LandscapeError("explained variance must be finite numbers")

    @property
    def derived(self) -> bool:
        return self.kind in DERIVED

    @property
    def dim(self) -> int:
        """n of the saved vectors (0 for recipes)."""
        return len(self.vectors) // 12

    def describe(self) -> str:
        """The plane in words, for the panel, legends and exports."""
        around = self.source if self.kind == "random" and self.vectors and self.source else ""
        text = {
            "random": around or f"random filter-normalised directions around θ₀ (seed {self.seed})",
            "teacher": f"towards the teacher + a random direction (seed {self.seed})",
            "pca": "top two principal directions of " + (self.source or "a run"),
            "points": "through " + ", ".join(m[0] for m in self.marks),
            "hessian": "top two Hessian eigenvectors at " + (self.source or "a point"),
            "hessian-random": "top Hessian eigenvector and a random direction at "
            + (self.source or "a point"),
            "directions": "the directions of " + (self.source or "a direction file"),
        }[self.kind]
        if self.explained:
            text += ", explained variance " + " + ".join(f"{100 * e:.1f}%" for e in self.explained)
        return text


def encode(origin: torch.Tensor, d1: torch.Tensor, d2: torch.Tensor) -> bytes:
    """[origin; d₁; d₂] as float32 little-endian bytes."""
    stacked = torch.stack([origin, d1, d2]).detach().to("cpu", torch.float32).numpy()
    return stacked.astype("<f4").tobytes()


def theta_bytes(theta: torch.Tensor) -> bytes:
    """A point θ (n,) as float32 little-endian bytes (how a session keeps run starts)."""
    return theta.detach().to("cpu", torch.float32).numpy().astype("<f4").tobytes()


def theta_from(data: bytes) -> torch.Tensor:
    """The float32 θ (n,) kept as ``theta_bytes``."""
    return torch.from_numpy(np.frombuffer(data, dtype="<f4").copy())


def decode(vectors: bytes) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    arr = torch.from_numpy(np.frombuffer(vectors, dtype="<f4").reshape(3, -1).copy())
    return arr[0], arr[1], arr[2]


def to_text(vectors: bytes) -> str:
    return base64.b64encode(vectors).decode("ascii")


def from_text(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise LandscapeError("plane vectors are not valid base64") from None


def build_plane(source: Problem, spec: PlaneSpec) -> Plane:
    """The plane ``spec`` names for ``problem`` (on the CPU in the problem's dtype).

    Recipes are rebuilt from θ₀ (or, where θ₀ = 0, the teacher) and the seed; derived planes,
    and recipes saved with their vectors (a random plane around a run's end), come from those
    vectors, which must have the problem's size.
    """
    problem = network_of(source)
    init = problem.init.to("cpu", problem.dtype)
    if spec.derived or spec.vectors:
        if spec.dim != problem.dim:
            raise LandscapeError(
                f"the saved {spec.kind} plane has {spec.dim} coordinates, "
                f"{problem.id} now has {problem.dim}"
            )
        origin, d1, d2 = (v.to(problem.dtype) for v in decode(spec.vectors))
        kind = spec.kind
        window = (-1.0, 1.0, -1.0, 1.0)
        marks = {name: (a, b) for name, a, b in spec.marks}
        explained = (spec.explained[0], spec.explained[1]) if len(spec.explained) == 2 else None
        return Plane(origin, d1, d2, kind, spec.orthonormal, window, explained, marks)
    teacher = problem.references.get("teacher")
    if spec.kind == "teacher":
        if teacher is None:
            raise LandscapeError(f"{problem.id} has no teacher: use a random or derived plane")
        towards = teacher.to("cpu", problem.dtype) - init
        other = random_plane(problem.layout, init, spec.seed).d2
        other = other * (towards.norm() / other.norm().clamp_min(1e-12))
        return directions_plane(init, towards, other, window=(-0.25, 1.25, -0.75, 0.75))
    centre = init
    if float(init.norm()) == 0 and teacher is not None:
        centre = teacher.to("cpu", problem.dtype)
    return random_plane(problem.layout, centre, spec.seed)


def plane_spec(plane: Plane, source: str = "") -> PlaneSpec:
    """A derived plane kept with its vectors (PCA, three points, a direction file)."""
    return PlaneSpec(
        plane.kind,
        vectors=encode(plane.origin, plane.d1, plane.d2),
        source=source,
        explained=tuple(plane.explained_variance or ()),
        marks=tuple((k, float(a), float(b)) for k, (a, b) in plane.marks.items()),
        orthonormal=plane.orthonormal,
    )


def derive_plane(
    of: Problem, kind: str, trajectory: np.ndarray, source: str
) -> tuple[PlaneSpec, tuple[float, float, float, float]]:
    """A plane made from a run's trajectory (T, n): ``pca`` of it, or ``points`` through θ₀,
    its end and the teacher (or, without a teacher, its midpoint). Returns the spec (with its
    vectors) and a window framing the run."""
    problem = network_of(of)
    traj = torch.as_tensor(np.asarray(trajectory), dtype=problem.dtype)
    if traj.ndim != 2 or traj.shape[1] != problem.dim or len(traj) < 2:
        raise LandscapeError(f"{source or 'the run'} has no trajectory to build a plane from")
    if kind == "pca":
        plane = pca_plane(traj)
    elif kind == "points":
        points = {"init": problem.init.to("cpu", problem.dtype), "end of run": traj[-1]}
        teacher = problem.references.get("teacher")
        if teacher is not None:
            points["teacher"] = teacher.to("cpu", problem.dtype)
        else:
            points["mid-run"] = traj[len(traj) // 2]
        plane = three_point_plane(points)
    else:
        raise LandscapeError(f"a plane derived from a run is pca or points, not {kind!r}")
    return plane_spec(plane, source), plane.window


def eigen_plane(
    of: Problem,
    theta: torch.Tensor,
    kind: str,
    seed: int,
    source: str,
    l2: float = 0.0,
) -> Generator[str, None, tuple[PlaneSpec, tuple[float, float, float, float]]]:
    """A plane through θ along Hessian eigenvectors (Lanczos, tol 1e-4, with the L2 term):
    ``hessian``: the top two, d₁ = v₁, d₂ = v₂; ``hessian-random``: d₁ = v₁ and d₂ a
    filter-normalised random direction made orthogonal to v₁ and unit. Directions are unit
    vectors, so a and b are distances in θ; the window spans ±‖θ‖/4 (at least ±1) — the
    curvature along d₁ is λ_max. Yields stage names; returns the spec and the window.
    """
    problem = network_of(of)
    from compute.curvature import lanczos, network_curvature  # torch.func, lazily

    point = theta.detach().to("cpu", torch.float64)
    op = network_curvature(problem, point, l2=l2, dtype=torch.float64)
    yield "Hessian eigenvectors (Lanczos)"
    gen = lanczos(op, top=2 if kind == "hessian" else 1, tol=1e-4, seed=seed)
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            result = stop.value
            break
    vectors = torch.as_tensor(result.eigenvectors, dtype=torch.float64)
    d1 = vectors[:, 0]
    if kind == "hessian":
        d2 = vectors[:, 1]
    elif kind == "hessian-random":
        other = random_plane(problem.layout, point.to(problem.dtype), seed).d1
        other = other.to(torch.float64) - (other.to(torch.float64) @ d1) * d1
        if float(other.norm()) == 0:
            raise LandscapeError("the random direction is parallel to the top eigenvector")
        d2 = other / other.norm()
    else:
        raise LandscapeError(f"an eigenvector plane is hessian or hessian-random, not {kind!r}")
    dtype = problem.dtype
    plane = Plane(point.to(dtype), d1.to(dtype), d2.to(dtype), kind, True)
    half = max(1.0, 0.25 * float(point.norm()))
    spec = plane_spec(plane, source)
    return spec, (-half, half, -half, half)
