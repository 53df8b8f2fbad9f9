"""The Hessian spectrum at a point of a landscape, for the Spectrum panel and the CLI."""

from __future__ import annotations

import time
from collections.abc import Generator, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import torch
from torch.func import grad_and_value

from compute.curvature import (
    CurvatureOperator,
    TraceResult,
    block_indices,
    dense_spectrum,
    exact_trace,
    lanczos,
    loss_curvature,
    network_curvature,
    sopsp,
    spectrum,
)
from compute.errors import LandscapeError
from compute.landscapes.landscape import Landscape
from compute.landscapes.spectrum_types import (
    DTYPES,
    PointSpectrum,
    SpectrumRequest,
    SpectrumStep,
)
from compute.networks.sliced import network_of
from compute.objectives.modes import Modes
from compute.objectives.problem import Problem

PILOT_STEPS = 10
"""Lanczos steps that estimate ‖A‖ for the default absolute tolerance (see SpectrumRequest)."""
DENSE_OVERLAY_MAX = 2000
"""Largest n for which ``histogram=True`` also computes every eigenvalue (32 MB, n products)."""
TRACE_PRODUCTS = 60
"""Hutch++'s budget (``compute.curvature.spectrum``'s default); up to this n the trace is exact."""
Step = Generator["SpectrumStep", None, Any]


def theta_at(landscape: Landscape, point: Sequence[float] | np.ndarray) -> np.ndarray:
    """θ (n,) of ``point``: map coordinates (k,) (a toy's θ, or (a, b) on a slice) or θ (n,)."""
    p = np.asarray(point, dtype=float).reshape(-1)
    if len(p) == landscape.objective.dim:
        return p
    if len(p) == landscape.map_objective.dim:
        return landscape.point(p)[0]
    raise LandscapeError(
        f"a point needs {landscape.map_objective.dim} map coordinates or "
        f"{landscape.objective.dim} parameters, got {len(p)}"
    )


def curvature_of(
    problem: Problem,
    theta: np.ndarray | torch.Tensor,
    l2: float = 0.0,
    matrix: str = "hessian",
    samples: int | None = None,
    blocks: Sequence[str] = (),
    dtype: str = "float64",
) -> CurvatureOperator:
    """∇²F (or the GGN) at θ on the first ``samples`` training samples and the ``blocks``,
    plus λI for the L2 mode F + (λ/2)‖θ‖² (the L2 Hessian is λI on any block). A constraint
    does not change F's Hessian (the map's constraint modes are ignored here)."""
    if not problem.capabilities.sliced:
        if matrix != "hessian":
            raise LandscapeError(f"{problem.id} is a toy loss without model outputs: use hessian")
        if blocks or samples is not None:
            raise LandscapeError(f"{problem.id} is a toy: it has no parameter blocks or samples")
        t = torch.as_tensor(np.asarray(theta, dtype=float), dtype=torch.float64)
        return loss_curvature(problem.objective().loss, t, l2=l2)
    n_train = problem.capabilities.samples
    if samples is not None and not 1 <= samples <= n_train:
        raise LandscapeError(f"samples must be between 1 and {n_train} (the training set)")
    subset = None if samples is None or samples == n_train else torch.arange(samples)
    return network_curvature(
        network_of(problem),
        torch.as_tensor(theta),
        matrix,
        subset,
        list(blocks) or None,
        DTYPES[dtype],
        l2,
    )


def curvature_at(
    landscape: Landscape,
    point: Sequence[float] | np.ndarray,
    matrix: str = "hessian",
    samples: int | None = None,
    blocks: Sequence[str] = (),
    dtype: str = "float64",
) -> CurvatureOperator:
    """The curvature operator of the landscape's full-space objective (with its L2 term) at
    ``point`` (map coordinates or θ, see ``theta_at``)."""
    theta = theta_at(landscape, point)
    return curvature_of(
        landscape.problem, theta, landscape.modes.l2, matrix, samples, blocks, dtype
    )


def _counts(n: int, top: int, bottom: int) -> tuple[int, int]:
    """(top, bottom) shrunk to at most n together, sharing n fairly (n = 2: one of each)."""
    if top + bottom <= n:
        return top, bottom
    b = min(bottom, n // 2) if top else min(bottom, n)
    t = min(top, n - b)
    return t, min(bottom, n - t)


class _Plan:
    """Relays the phases' progress with a rough fraction of the work done: each phase weighs
    about the products it will take; ``hvp_count`` counts ``op``'s products since the start."""

    def __init__(self, op: CurvatureOperator, weights: dict[str, float]) -> None:
        self.op, self.weights, self.done = op, weights, 0.0
        self.count0 = op.hvp_count
        self.total = max(sum(weights.values()), 1.0)

    def relay(self, gen: Generator[Any, None, Any], phase: str) -> Step:
        """Re-yield a compute.curvature generator's progress as SpectrumSteps; return its result."""
        empty, weight, first = np.empty(0), self.weights[phase], self.op.hvp_count
        within = 0.0
        while True:
            try:
                item = next(gen)
            except StopIteration as stop:
                self.done += weight
                return stop.value
            own = self.op.hvp_count - first
            if phase == "ε-SOPSP":  # its own operators: their count (restarting per probe)
                own = int(getattr(item, "hvp_count", 0))
            within = max(within, min(0.95, own / max(weight, 1.0)))
            label = str(getattr(item, "phase", phase))
            if label.endswith("eigh"):  # LAPACK after the products: the last 4 % of the phase
                within = max(within, 0.95 + 0.04 * float(getattr(item, "done", 0.0)))
            # Ritz values of the wanted pairs only: not the ‖A‖ estimate's, and not the final
            # values that the trace and density phases repeat
            ritz = phase == "spectrum" and label not in ("trace", "density")
            yield SpectrumStep(
                label,
                self.op.hvp_count - self.count0,
                getattr(item, "top", empty) if ritz else empty,
                getattr(item, "bottom", empty) if ritz else empty,
                min(0.99, (self.done + within * weight) / self.total),
            )


def _point_values(problem: Problem, theta: torch.Tensor, l2: float) -> tuple[float, torch.Tensor]:
    """F(θ) + (λ/2)‖θ‖² and its gradient (n,) in float64 (reverse mode)."""
    problem = problem.to(dtype=torch.float64)
    loss = problem.objective().loss
    theta = problem.as_theta(theta)
    g, value = grad_and_value(lambda t: loss(t) + 0.5 * l2 * (t**2).sum())(theta.double())
    return float(value), g


def spectrum_of(
    problem: Problem,
    modes: Modes,
    theta: np.ndarray | torch.Tensor,
    request: SpectrumRequest,
    where: str = "",
    coords: np.ndarray | None = None,
) -> Generator[SpectrumStep, None, PointSpectrum]:
    """The spectrum of ``request`` at θ (n,): yields SpectrumSteps, returns a PointSpectrum."""
    # Long by design: the stages of one spectrum request (operator, pilot, eigenvalues, trace,
    # density, ε-SOPSP) share its budget and stream progress from one generator.
    request.check()
    wv = None
    if request.sopsp_eps is not None:  # refused before any work where it is not defined
        if not problem.capabilities.sopsp_blocks:
            raise LandscapeError(
                f"ε-SOPSP (seed 001) needs the (w, V) blocks of a residual predictor; "
                f"{problem.id} declares none"
            )
        wv = problem.capabilities.sopsp_blocks
    start = time.perf_counter()
    theta_t = torch.as_tensor(np.asarray(theta, dtype=float)).reshape(-1)
    yield SpectrumStep("linearising", 0, np.empty(0), np.empty(0), 0.0)
    op = curvature_of(
        problem, theta_t, modes.l2, request.matrix, request.samples, request.blocks, request.dtype
    )
    n = op.size
    top, bottom = _counts(n, request.top, request.bottom)
    pilot = request.atol is None and bottom > 0 and request.method == "lanczos"
    pilot = pilot and n > 10 * PILOT_STEPS  # smaller: Lanczos nears n products anyway
    dense = request.histogram and request.method != "dense" and n <= DENSE_OVERLAY_MAX
    exact_tr = request.trace and request.method != "dense" and n <= TRACE_PRODUCTS
    main = n if request.method == "dense" else min(n, request.max_iter or 300)
    plan = _Plan(
        op,
        {
            "‖A‖ estimate": PILOT_STEPS * pilot,
            "spectrum": main + TRACE_PRODUCTS * request.trace + 80 * request.density,
            "trace": n * exact_tr,
            "dense": n * dense,
            "ε-SOPSP": 2.0 * n * (request.sopsp_eps is not None),
        },
    )
    atol = request.atol or 0.0
    if pilot:  # ‖A‖ from a few Lanczos steps: the default atol = tol·‖A‖
        scale = lanczos(op, 1, 1, tol=0.1, max_iter=PILOT_STEPS, seed=request.seed + 7)
        estimate = yield from plan.relay(scale, "‖A‖ estimate")
        atol = request.tol * float(np.abs(estimate.eigenvalues).max())
    report = yield from plan.relay(
        spectrum(
            op,
            top,
            bottom,
            request.method,
            request.tol,
            atol,
            request.density,
            request.trace and not exact_tr,
            request.seed,
            request.max_iter,
        ),
        "spectrum",
    )
    if exact_tr:  # n ≤ TRACE_PRODUCTS: Σ e_jᵀAe_j costs no more than Hutch++ and is exact
        tr = yield from plan.relay(exact_trace(op), "trace")
        result = TraceResult(tr, 0.0, n, "exact", tr, np.empty(0))
        report = replace(report, trace=result, hvp_count=report.hvp_count + n)
    values = report.dense_eigenvalues
    if dense:
        values = (yield from plan.relay(dense_spectrum(op), "dense")).eigenvalues
    loss, g = _point_values(problem, theta_t, modes.l2)
    report_sopsp = None
    if wv is not None and request.sopsp_eps is not None:
        test = sopsp(
            network_of(problem), theta_t, request.sopsp_eps, request.mu2, wv, seed=request.seed
        )
        report_sopsp = yield from plan.relay(test, "ε-SOPSP")
        if modes.l2:  # Definition 1 for F + (λ/2)‖θ‖²: gradient + λθ_S, block Hessian + λI
            assert problem.layout is not None
            idx = block_indices(problem.layout, wv).to(g.device)
            report_sopsp = replace(
                report_sopsp,
                grad_norm=float(torch.linalg.vector_norm(g[idx])),
                lambda_min=report_sopsp.lambda_min + modes.l2,
            )
    total = problem.capabilities.samples
    return PointSpectrum(
        report,
        request,
        problem.id,
        where or "θ",
        theta_t.cpu().numpy(),
        coords,
        op.kind,
        n,
        request.samples or total,
        total,
        loss,
        float(torch.linalg.vector_norm(g)),
        values,
        report_sopsp,
        op.hvp_count - plan.count0,
        time.perf_counter() - start,
        atol,
    )


def spectrum_at(
    landscape: Landscape,
    point: Sequence[float] | np.ndarray,
    request: SpectrumRequest,
    where: str = "",
) -> Generator[SpectrumStep, None, PointSpectrum]:
    """``spectrum_of`` at a point of the landscape: map coordinates (k,) or θ (n,)."""
    p = np.asarray(point, dtype=float).reshape(-1)
    theta = theta_at(landscape, p)
    coords = p if len(p) == landscape.map_objective.dim else None
    if not where:
        names = landscape.map_objective.axis_names
        where = (
            "(" + ", ".join(f"{a} = {v:.4g}" for a, v in zip(names, p, strict=True)) + ")"
            if coords is not None
            else "the given θ"
        )
        if coords is not None and landscape.is_slice:
            where += " on the slice"
    return (
        yield from spectrum_of(landscape.problem, landscape.modes, theta, request, where, coords)
    )
