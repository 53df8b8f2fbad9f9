"""Connect two points of a problem: the straight line, the line after symmetry alignment, a
nudged elastic band, a trained Bezier curve; the profile, barrier and highest point of each.

Works on the ``Problem`` protocol: the full-space objective ``loss(θ[..., n])`` (with the
modes' L2 term) for toys and networks alike, minibatches (``batch_loss``) where the objective
has samples, and the problem's declared symmetry group for the alignment.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from typing import Any

import numpy as np
import torch

from compute.errors import LandscapeError
from compute.generators import mapped
from compute.landscapes.point_spectrum import spectrum_of
from compute.landscapes.spectrum_types import SpectrumRequest, SpectrumStep
from compute.networks.module_problem import ModuleProblem
from compute.networks.symmetry import aligned_theta, symmetry_group
from compute.objectives.modes import Modes
from compute.objectives.objective import Objective
from compute.objectives.problem import Problem
from compute.paths.band import BandSettings, band
from compute.paths.bezier import bezier_points, train_bezier
from compute.paths.result import (
    Barrier,
    PathRequest,
    PathResult,
    PathStep,
    Saddle,
    cumulative_length,
    evaluate_profile,
)

DENSE_INDEX_MAX = 200
"""Up to this n the Hessian at the highest point is formed densely (every eigenvalue)."""
DEFAULT_STEPS = {("neb", False): 3000, ("neb", True): 1500}
DEFAULT_STEPS |= {("bezier", False): 1000, ("bezier", True): 600}
DEFAULT_LR = {("neb", False): 0.01, ("neb", True): 3e-3, ("bezier", False): 0.01}
DEFAULT_LR[("bezier", True)] = 1e-2
"""FIRE's first time step on exact toys; Adam's rate on networks (measured on two digits-resnet
minima: 10⁻³ left the band at barrier 0.04 and the curve at 0.06, these reach 0.005 and 0.001)."""


def _ends(
    problem: Problem, a: object, b: object, request: PathRequest
) -> tuple[torch.Tensor, torch.Tensor, dict[str, Any]]:
    """The ends as θ (n,) in the problem's dtype, b aligned to a when asked."""
    ta, tb = problem.as_theta(a).reshape(-1), problem.as_theta(b).reshape(-1)
    if not (torch.isfinite(ta).all() and torch.isfinite(tb).all()):
        raise LandscapeError("both end points must be finite")
    if torch.equal(ta, tb):
        raise LandscapeError("the two end points are the same point: pick two different ones")
    note: dict[str, Any] = {}
    if request.aligned:
        group = symmetry_group(problem)
        raw = float(torch.linalg.vector_norm(tb - ta))
        tb = aligned_theta(problem, tb, ta)
        note = {
            "alignment": group.description,
            "raw_distance": raw,
            "aligned_distance": float(torch.linalg.vector_norm(tb - ta)),
        }
    return ta, tb, note


NO_STATISTICS = "none: the model has no normalisation statistics"
RECOMPUTED = (
    "BatchNorm statistics recomputed at each image (a pass over the training data in train "
    "mode at every point of the path; batchnorm=recompute)"
)
CENTRE = (
    "BatchNorm: the centre's running statistics at every point of the path (eval mode; "
    "batchnorm=centre)"
)


def normalisation(problem: Problem) -> str:
    """How a network's path treats normalisation statistics, in words: a model without
    BatchNorm has none; with ``batchnorm=recompute`` each point θ_k of the path is evaluated
    with the running mean and variance recomputed from the training data at θ_k; otherwise
    every θ_k uses the running statistics the model was handed over with (the centre's)."""
    if not isinstance(problem, ModuleProblem) or not problem.parts.has_batchnorm:
        return NO_STATISTICS
    return RECOMPUTED if problem.recompute_batchnorm else CENTRE


def _minibatch_loss(objective: Objective) -> Any:
    def loss(theta: torch.Tensor, index: torch.Tensor | None) -> torch.Tensor:
        if index is None or objective.batch_loss is None:
            return objective.loss(theta)
        return objective.batch_loss(theta, index)

    return loss


def highest_point(
    problem: Problem,
    modes: Modes,
    nodes: torch.Tensor,
    losses: np.ndarray,
    t: np.ndarray,
    eigenvalues: int,
) -> Generator[SpectrumStep, None, Saddle]:
    """The highest node and its Hessian index: bottom eigenvalues of ∇²(F + (λ/2)‖θ‖²) there
    (dense for n ≤ DENSE_INDEX_MAX, Lanczos otherwise), counted negative below −max(atol,
    10⁻⁹·|λ|_max) with atol the solver's absolute residual tolerance."""
    k = int(np.nanargmax(losses))
    theta = nodes[k].detach().to("cpu", torch.float64)
    n = problem.dim
    dense = n <= DENSE_INDEX_MAX
    request = SpectrumRequest(
        top=1, bottom=min(eigenvalues, max(n - 1, 1)), method="dense" if dense else "lanczos"
    )
    point = yield from spectrum_of(problem, modes, theta, request, "the highest point")
    values = np.sort(
        point.all_eigenvalues
        if point.all_eigenvalues is not None
        else np.asarray(point.report.eigen.eigenvalues)
    )
    bottom = np.sort(np.asarray(point.report.eigen.bottom))
    scale = float(np.abs(values).max()) if values.size else 0.0
    threshold = max(point.atol, 1e-9 * scale)
    negative = int((bottom < -threshold).sum())
    exact = dense or negative < len(bottom)
    if dense and point.report.dense_eigenvalues is not None:
        every = np.asarray(point.report.dense_eigenvalues)
        negative = int((every < -threshold).sum())
    return Saddle(
        theta.numpy(),
        float(losses[k]),
        k,
        float(t[k]),
        negative,
        exact,
        bottom,
        float(values.max()) if values.size else float("nan"),
        threshold,
    )


def connect(
    problem: Problem,
    modes: Modes,
    a: object,
    b: object,
    request: PathRequest,
    ends: tuple[str, str] = ("a", "b"),
) -> Generator[PathStep, None, PathResult]:
    """Connect θ_a and θ_b (n,) by ``request.method`` on F + (λ/2)‖θ‖² (the modes' L2; a
    constraint is not applied along paths, and the provenance says so).

    Yields PathSteps (band images, curve snapshots, the profile, the Hessian index) about
    every 50 ms; closing the generator stops the work there. Returns the PathResult: nodes,
    profile (``loss`` and the objective's metrics), barriers, the highest point and its index.
    """
    # Long by design: one dispatch over the four methods with the shared profile, barrier and saddle
    # steps that follow.
    request.check()
    start = time.perf_counter()
    ta, tb, provenance = _ends(problem, a, b, request)
    objective = modes.apply(problem.objective())
    network = problem.capabilities.sliced
    method = "line" if request.method == "aligned" else request.method
    steps = request.steps or DEFAULT_STEPS.get((method, network), 0)
    lr = request.lr or DEFAULT_LR.get((method, network), 0.0)
    provenance |= {"method": request.method, "l2": modes.l2}
    if modes.constraint is not None:
        provenance["constraint"] = "not applied along the path (F is evaluated unconstrained)"
    if network:
        provenance["normalisation"] = normalisation(problem)
    converged, taken = True, 0
    yield PathStep("start", 0, max(steps, 1), 0.0)
    if method == "neb":
        tol = request.tol or objective.tol
        optimizer = "adam" if network else "fire"
        settings = BandSettings(
            request.images, steps, tol, request.spring, request.climbing, optimizer, lr,
            objective.samples, request.batch_size if network else 0, request.seed,
        )  # fmt: skip
        result = yield from band(_minibatch_loss(objective), ta, tb, settings)
        nodes, taken, converged = result.nodes, result.steps, result.converged
        distance = cumulative_length(nodes)
        t = distance / max(distance[-1], 1e-300)
        control = nodes
        provenance |= {
            "images": request.images,
            "climbing": request.climbing,
            "spring": request.spring,
            "optimizer": optimizer,
            "lr": lr,
            "tol": tol,
            "batch_size": settings.batch_size,
            "final_force": result.force,
        }
    else:
        t = np.linspace(0.0, 1.0, request.points)
        tt = torch.from_numpy(t)
        if method == "bezier":
            curve = yield from train_bezier(
                _minibatch_loss(objective), ta, tb, steps, lr,
                objective.samples, request.batch_size if network else 0, request.seed,
            )  # fmt: skip
            taken = curve.steps
            nodes = bezier_points(ta, curve.bend, tb, tt)
            control = torch.stack([ta, curve.bend, tb])
            provenance |= {"steps": steps, "lr": lr, "optimizer": "adam", "seed": request.seed}
            if network:
                provenance["batch_size"] = request.batch_size
        else:
            nodes = (1 - tt[:, None].to(ta)) * ta + tt[:, None].to(ta) * tb
            control = torch.stack([ta, tb])
        distance = cumulative_length(nodes)
    yield PathStep("profile", taken, max(steps, 1), 0.9, nodes.detach().cpu().numpy())
    profile, labels = evaluate_profile(objective, nodes.detach())
    saddle = yield from mapped(
        highest_point(problem, modes, nodes, profile["loss"], t, request.index_eigenvalues),
        lambda s: PathStep("index", taken, max(steps, 1), 0.9 + 0.1 * s.fraction),
    )
    return PathResult(
        request.method,
        problem.id,
        ends,
        nodes.detach().cpu().numpy(),
        np.asarray(t, dtype=float),
        control.detach().cpu().numpy(),
        distance,
        profile,
        labels,
        Barrier.of(profile["loss"]),
        saddle,
        converged,
        taken,
        time.perf_counter() - start,
        provenance,
    )
