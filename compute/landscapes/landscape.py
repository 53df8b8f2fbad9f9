"""What the map shows: a problem's objective (with its modes) seen through a chart.

For a toy the chart is the identity: the map's coordinates are θ. For a network it is a plane,
θ(a, b) = θ₀ + a·d₁ + b·d₂, and the map is the 2-parameter objective F(a, b) = L(θ(a, b)) (with
the L2 term of θ): every tool (critical points, gradient field, curvature, basins, hover, runs
within the plane) works on that objective exactly as on a toy.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch

from compute.geometry.grid import Window
from compute.geometry.planes import Plane, PlaneProjection, restrict_to_plane
from compute.landscapes.plane_choice import PlaneSpec, build_plane
from compute.networks.sliced import PlaneValues, SlicedProblem, network_of
from compute.networks.slices import SliceBlock, evaluate_slice
from compute.objectives.derivatives import gradient, second_order
from compute.objectives.modes import Modes
from compute.objectives.objective import Objective
from compute.objectives.problem import Problem

IN_PLANE_NOTE = (
    "Critical points, gradients, curvature and basins on a slice are those of the 2-D "
    "restriction F(a, b): an in-plane minimum need not be a minimum of the network."
)


def l2_of_plane(plane: Plane, lam: float) -> Any:
    """``(a, b) ↦ (λ/2)‖θ₀ + a·d₁ + b·d₂‖²`` as a quadratic in (a, b), for arrays of any shape.

    With P = [θ₀, d₁, d₂] and G = PᵀP (3 × 3), ‖θ(a, b)‖² = cᵀGc for c = (1, a, b).
    """
    basis = torch.stack([plane.origin, plane.d1, plane.d2]).to("cpu", torch.float64)
    gram = (basis @ basis.T).numpy()

    def term(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        c = np.stack([np.ones_like(a), a, b], axis=-1)
        return 0.5 * lam * np.einsum("...i,ij,...j->...", c, gram, c)

    return term


def network_plane_objective(problem: SlicedProblem, plane: Plane, modes: Modes) -> Objective:
    """The slice objective F(a, b) = L(θ(a, b)) + (λ/2)‖θ(a, b)‖², with the fast evaluators of
    ``compute.networks.slices`` (first layer precomputed, grid points batched) for the map."""
    full = modes.apply(problem.objective())
    l2 = l2_of_plane(plane, modes.l2)
    evaluator: PlaneValues | None = None

    def values(coords: torch.Tensor) -> dict[str, torch.Tensor]:
        nonlocal evaluator
        evaluator = evaluator or problem.plane_evaluator(plane)
        out = evaluator(coords)
        if modes.l2:
            c = coords.to("cpu", torch.float64).numpy()
            extra = torch.from_numpy(l2(c[:, 0], c[:, 1])).to(out["loss"])
            out["loss"] = out["loss"] + extra
        return out

    def progressive(
        window: tuple[float, ...], resolution: int
    ) -> Generator[SliceBlock, None, tuple[tuple[np.ndarray, ...], dict[str, np.ndarray]]]:
        """Coarse-to-fine images of the slice (``compute.networks.slices.evaluate_slice``), L2
        added."""
        axes = (
            np.linspace(window[0], window[1], resolution),
            np.linspace(window[2], window[3], resolution),
        )
        extra = l2(*np.meshgrid(*axes)) if modes.l2 else None
        gen = evaluate_slice(problem, plane, window, resolution)
        while True:
            try:
                block = next(gen)
            except StopIteration as stop:
                values = dict(stop.value.values)
                if extra is not None:
                    values["loss"] = values["loss"] + extra
                return stop.value.axes, values
            if extra is not None:
                block = replace(block, values=block.values | {"loss": block.values["loss"] + extra})
            yield block

    chunk = max(1, problem.points_per_chunk(problem.capabilities.samples) // 4)
    return restrict_to_plane(full, plane, values, progressive, chunk)


@dataclass(frozen=True, eq=False)
class Landscape:
    """A problem, its modes and its chart: everything the map and the runs are computed on.

    Attributes
    ----------
    problem : the toy or network
    modes : L2 and constraint of the session (applied to full-space runs)
    plane : the slice's plane (networks), None for toys (the map is θ itself)
    objective : the full-space objective, without the modes (``descend`` applies them)
    map_objective : what the map shows, its L2 term inside (for a toy, F + (λ/2)‖θ‖²; on a
        slice, L(θ(a, b)) + (λ/2)‖θ(a, b)‖²): the one loss the map, its critical points,
        basins, hover and in-map runs read
    map_modes : what the map's tools apply besides: the toy's constraint set (projections,
        KKT faces), never an L2 term; nothing on a slice (a constraint set acts on full-space
        runs only, see ``constraint_note``)
    plane_spec : how the plane was chosen (the session's record of it)
    source : the problem ``build_landscape`` was given when ``problem`` is a variant of it
        (F_lin under the constraint, ``compute.landscapes.linear_baseline``); None when they are
        the same
    """

    problem: Problem
    modes: Modes
    plane: Plane | None
    objective: Objective
    map_objective: Objective
    map_modes: Modes
    plane_spec: PlaneSpec | None = None
    source: Problem | None = None

    @property
    def is_slice(self) -> bool:
        return self.plane is not None

    @property
    def constraint_note(self) -> str:
        if self.is_slice and self.modes.constraint is not None:
            return (
                f"The constraint {self.modes.constraint.spec()} acts on full-space runs "
                "(projected steps in θ); the slice and its in-plane tools show F unconstrained."
            )
        return ""

    def point(self, coords: np.ndarray) -> np.ndarray:
        """θ (P, n) at map coordinates (P, k)."""
        c = np.asarray(coords, dtype=float).reshape(-1, self.map_objective.dim)
        if self.plane is None:
            return c
        pts = self.plane.point(torch.as_tensor(c, dtype=self.plane.origin.dtype))
        return pts.to("cpu", torch.float64).numpy()

    def project(self, thetas: np.ndarray) -> PlaneProjection:
        """Map coordinates (T, k) of points θ (T, n) and their distance from the chart."""
        pts = np.asarray(thetas, dtype=float).reshape(-1, self.objective.dim)
        if self.plane is None:
            return PlaneProjection(pts.copy(), np.zeros(len(pts)))
        return self.plane.project(pts)

    def marks(self) -> dict[str, tuple[float, float, float]]:
        """The problem's named points (θ₀, teacher, ...) and the plane's own marks, projected:
        name → (a, b, distance from the plane). Empty for toys."""
        if self.plane is None:
            return {}
        names = list(self.problem.references)
        out: dict[str, tuple[float, float, float]] = {}
        if names:
            refs = torch.stack([self.problem.references[k].to("cpu") for k in names])
            proj = self.plane.project(refs)
            for i, k in enumerate(names):
                out[k] = (
                    float(proj.coords[i, 0]),
                    float(proj.coords[i, 1]),
                    float(proj.distance[i]),
                )
        for k, (a, b) in self.plane.marks.items():
            out.setdefault(k, (float(a), float(b), 0.0))
        return out


def bind_modes(problem: Problem, modes: Modes) -> Modes:
    """``modes`` with a block constraint (``ball:R@w,v``) located in the problem's θ; a
    LandscapeError for a toy or an unknown block name (listing the problem's blocks)."""
    layout = None
    if problem.layout is not None:
        layout = [(b.name, (b.offset, b.stop)) for b in problem.layout.blocks]
    return modes.bind(layout, problem.id)


def build_landscape(problem: Problem, modes: Modes, spec: PlaneSpec | None = None) -> Landscape:
    """The landscape of ``problem`` under ``modes``; a network is sliced along the plane
    ``spec`` names (default: random directions around θ₀, seed 0).

    A block constraint is bound to the problem's parameter blocks (``bind_modes``), and with a
    constraint active the problem's F_lin baseline is the constrained one
    (``compute.landscapes.linear_baseline.constrained_problem``): ``Landscape.problem`` is then that
    problem and ``Landscape.source`` the one passed in.
    """
    modes = bind_modes(problem, modes)
    given = problem
    if modes.constraint is not None:
        from compute.landscapes.linear_baseline import constrained_problem

        problem = constrained_problem(problem, modes)
    source = None if problem is given else given
    objective = problem.objective()
    if problem.capabilities.sliced:
        network = network_of(problem)
        spec = spec or PlaneSpec()
        plane = build_plane(network, spec)
        sliced = network_plane_objective(network, plane, modes)
        return Landscape(problem, modes, plane, objective, sliced, Modes(), spec, source)
    # the L2 term enters the map's objective here, once, as on a slice; the map's tools then
    # apply only the constraint (projections, KKT faces)
    shown = modes.apply(objective)
    return Landscape(
        problem, modes, None, objective, shown, Modes(0.0, modes.constraint), None, source
    )


@dataclass(frozen=True)
class Readout:
    """What the hover shows at one point of the map.

    coords : (k,) map coordinates; loss : F there (with the L2 term); grad_norm : ‖∇F‖ of the
    map's objective (in the plane for slices); hessian_eigenvalues : (k,) of its Hessian
    (in-plane for slices); full_grad_norm : slices: ‖∇_θ F‖ of the full objective at θ(a, b),
    None for toys (the same as grad_norm)
    """

    coords: tuple[float, ...]
    loss: float
    grad_norm: float
    hessian_eigenvalues: tuple[float, ...]
    full_grad_norm: float | None


def readout(landscape: Landscape, coords: tuple[float, ...]) -> Readout:
    """Exact F, ∇F and ∇²F (autograd) of the map at ``coords``, and the full-space gradient
    norm there for a slice: the in-plane gradient is the projection Dᵀ∇L, so a point can be
    stationary in the plane while ‖∇L‖ is large."""
    shown = landscape.map_objective
    point = shown.as_tensor([coords])
    d = second_order(shown.loss, point)
    eig = d.hessian_eigenvalues()[0].cpu().numpy()
    full = None
    if landscape.is_slice:
        theta = landscape.objective.as_tensor(landscape.point(np.array([coords])))
        g = gradient(landscape.modes.apply(landscape.objective).loss, theta)
        full = float(torch.linalg.vector_norm(g[0]))
    return Readout(
        tuple(float(c) for c in coords),
        float(d.loss[0]),
        float(torch.linalg.vector_norm(d.grad[0])),
        tuple(float(v) for v in eig),
        full,
    )


EXPENSIVE_FLOPS = 1e5
"""Objectives costing more per evaluation than this search for critical points from the
discrete critical cells of their computed map (a few dozen starts), not a 32 × 32 lattice."""


def search_starts(
    landscape: Landscape, axes: tuple[np.ndarray, ...], loss: np.ndarray, window: Window
) -> np.ndarray | None:
    """Where the critical-point search of the map starts: None (the default lattice) for a
    cheap objective; for an expensive one (a network slice) every cell of the computed map
    ``loss`` on ``axes`` that is a discrete minimum, maximum or saddle, plus a 6 × 6 lattice
    of the window (so a point between cells, or one the grid smooths away, is still reached).
    """
    if landscape.map_objective.flops < EXPENSIVE_FLOPS:
        return None
    from compute.critical.starts import grid_candidates  # scipy.spatial: when needed

    cells = grid_candidates(axes, loss)
    mesh = np.meshgrid(*(np.linspace(lo, hi, 6) for lo, hi in window.ranges()))
    coarse = np.stack([m.ravel() for m in mesh], axis=-1)
    return np.concatenate([cells.reshape(-1, coarse.shape[1]), coarse])


def hessian_map(
    landscape: Landscape,
    window: Window,
    shape: tuple[int, int] | None = None,
    executor: object | None = None,
) -> Generator[Any, None, Any]:
    """λ_min and λ_max of the FULL-space Hessian ∇²F(θ(a, b)) (L2 term included) at every
    cell of the window, coarse to fine (``compute.curvature.curvature_map``: batched Lanczos,
    warm-started from the neighbouring coarser cell): properties of the network at those
    points, unlike the in-plane curvature of the slice. For a toy the map is θ itself, so this
    is the toy's own Hessian. Default grid: 21 × 21 for a slice, 64 × 64 for a toy.
    ``executor``: where the chunks are solved (``compute.geometry.executors``)."""
    from compute.curvature import curvature_map  # torch.func, lazily

    full = landscape.modes.apply(landscape.objective)
    if landscape.plane is None:
        dim = full.dim
        if dim != 2:
            raise ValueError("a curvature map needs a 2-D map")
        eye = torch.eye(2, dtype=full.dtype)
        origin, d1, d2 = torch.zeros(2, dtype=full.dtype), eye[0], eye[1]
        shape = shape or (64, 64)
    else:
        plane = landscape.plane
        origin, d1, d2 = plane.origin, plane.d1, plane.d2
        shape = shape or (21, 21)
    bounds = (window.bounds[0], window.bounds[1], window.bounds[2], window.bounds[3])
    chunk = max(1, min(64, full.chunk_points))
    return (
        yield from curvature_map(
            full.loss, origin, d1, d2, bounds, shape, chunk=chunk, executor=executor
        )
    )
