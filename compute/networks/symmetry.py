"""Distances to a teacher that ignore the network's symmetries: aligned units, function space.

The raw distance ‖θ − θ*‖ reports a student that has learned the teacher up to a permutation
and rescaling of its hidden units (``compute.networks.groups``) as far from it; these
distances do not.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import torch

from compute.errors import LandscapeError
from compute.networks.groups import Alignment, SymmetryGroup
from compute.networks.problem import NetworkProblem
from compute.objectives.objective import Metric
from compute.objectives.problem import Problem


def _blocks(problem: NetworkProblem, theta: torch.Tensor) -> dict[str, np.ndarray]:
    p = problem.model.layout.unflatten(theta.detach())
    return {k: v.to("cpu", torch.float64).numpy() for k, v in p.items()}


def align(problem: NetworkProblem, theta: torch.Tensor, reference: torch.Tensor) -> Alignment:
    """The alignment of θ (n,) with a reference point (n,) under the problem's symmetry group
    (``NetworkProblem.symmetry``); a LandscapeError for a problem that declares none."""
    if problem.symmetry is None:
        raise LandscapeError(f"no symmetry group is known for {problem.id}'s parameters")
    return problem.symmetry.align(_blocks(problem, theta), _blocks(problem, reference))


def symmetry_group(problem: Problem) -> SymmetryGroup:
    """The symmetry group a problem declares (its ``symmetry`` attribute, where its
    capabilities say ``symmetry``); a LandscapeError for one that declares none."""
    group = getattr(problem, "symmetry", None) if problem.capabilities.symmetry else None
    if group is None:
        raise LandscapeError(
            f"no symmetry group is known for {problem.id}'s parameters: use the plain line"
        )
    return cast(SymmetryGroup, group)


def aligned_theta(problem: Problem, theta: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """θ^g (n,): θ moved by the element g of the problem's symmetry group that brings it
    closest to ``reference`` (the same function as θ); on θ's device and dtype."""
    layout = problem.layout
    if layout is None:
        raise LandscapeError(f"{problem.id} is an exact toy: it has no symmetry group")
    group = symmetry_group(problem)

    def blocks(t: torch.Tensor) -> dict[str, np.ndarray]:
        return {k: v.to("cpu", torch.float64).numpy() for k, v in layout.unflatten(t).items()}

    moved = group.aligned(blocks(theta.detach()), blocks(reference.detach()))
    flat = layout.flatten({k: torch.from_numpy(np.asarray(v)) for k, v in moved.items()})
    return flat.to(theta.device, theta.dtype)


def aligned_distance(
    problem: NetworkProblem, theta: torch.Tensor, reference: torch.Tensor | None = None
) -> torch.Tensor:
    """min over the symmetry group of ‖θ^g − θ_ref‖: θ[..., n] → [...] (reference: the teacher).

    One assignment per point (a loop over the leading dimensions: a few hundred μs each for
    h = 8). NaN where θ is not finite or so large that the assignment's costs overflow (a
    diverged run, a start far out on a plane): no alignment exists there.
    """
    ref = problem.reference("teacher") if reference is None else reference
    flat = theta.reshape(-1, theta.shape[-1])
    values = [_distance(problem, t, ref) for t in flat]
    return torch.tensor(values, dtype=theta.dtype).reshape(theta.shape[:-1])


def _distance(problem: NetworkProblem, theta: torch.Tensor, reference: torch.Tensor) -> float:
    if not bool(torch.isfinite(theta).all()):
        return float("nan")
    try:
        return float(align(problem, theta, reference).distance)
    except ValueError as exc:  # scipy: "cost matrix is infeasible" (inf or NaN costs)
        if isinstance(exc, LandscapeError):
            raise
        return float("nan")


def function_distance(
    problem: NetworkProblem, theta: torch.Tensor, reference: torch.Tensor | None = None
) -> torch.Tensor:
    """RMS difference of the outputs on the test inputs: θ[..., n] → [...].

    ``sqrt(mean_{x ∈ test} mean_k (f(x; θ)_k − f(x; θ_ref)_k)²)`` with the mean over the test
    samples (and output components, where f is vector-valued); θ_ref defaults to the teacher,
    so without label noise f(x; θ_ref) = y. Invariant under every symmetry of the parameters.
    """
    ref = problem.reference("teacher") if reference is None else reference
    model, x = problem.model, problem.data.x_test
    with torch.no_grad():
        out = model.forward(model.layout.unflatten(theta), x)
        out_ref = model.forward(model.layout.unflatten(ref), x)
        diff2 = (out - out_ref) ** 2
        lead = theta.ndim - 1
        return diff2.mean(dim=tuple(range(lead, diff2.ndim))).sqrt()


def teacher_distances(problem: NetworkProblem, theta: torch.Tensor) -> dict[str, float]:
    """``distance`` ‖θ − θ*‖, ``aligned_distance`` and ``function_distance`` at one θ (n,).

    Empty for scenarios without a teacher of the student's architecture.
    """
    if "teacher" not in problem.references:
        return {}
    teacher = problem.reference("teacher")
    theta = theta.to(teacher.device, teacher.dtype)
    return {
        "distance": float(torch.linalg.vector_norm(theta - teacher)),
        "aligned_distance": align(problem, theta, teacher).distance,
        "function_distance": float(function_distance(problem, theta)),
    }


def teacher_metrics(problem: NetworkProblem) -> tuple[Metric, ...]:
    """What a teacher scenario records along runs besides the loss: the raw ``distance``
    ‖θ − θ*‖, the ``aligned_distance`` (min over the symmetry group, where it is known) and
    the ``function_distance`` ‖f(·; θ) − f(·; θ*)‖ on the test inputs. Empty without a
    teacher of the student's architecture."""
    if "teacher" not in problem.references:
        return ()
    teacher = problem.reference("teacher")
    out = [
        Metric(
            "distance", "‖θ − θ*‖", lambda t: torch.linalg.vector_norm(t - teacher.to(t), dim=-1)
        ),
        Metric(
            "function_distance", "‖f − f*‖ (test inputs)", lambda t: function_distance(problem, t)
        ),
    ]
    if problem.symmetry is not None:
        label = "‖θ − θ*‖ up to symmetries"
        out.insert(1, Metric("aligned_distance", label, lambda t: aligned_distance(problem, t)))
    return tuple(out)
