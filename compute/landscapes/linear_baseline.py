"""The best linear predictor F_lin under the session's constraint (Shamir 2018, Theorem 4).

Theorem 4 (seed 001) bounds projected SGD on M = {(w, v, θ) : (w, v) ∈ M₁, θ ∈ M₂} by
``min_{u : (u, 0) ∈ M₁} F_lin(u)``: the linear predictor the residual one competes with is
constrained like the residual predictor's own output weights. With a constraint active, the
baseline ``F_lin`` of a problem (and the metric F − F_lin) is that constrained minimum.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import torch

from compute.networks.problem import functional_network
from compute.objectives.constraint_sets import Constraint
from compute.objectives.modes import Modes
from compute.objectives.problem import Problem

UNCONSTRAINED = "F_lin (unconstrained)"


def constrained_least_squares(
    x: np.ndarray, y: np.ndarray, constraint: Constraint | None
) -> np.ndarray:
    """``argmin_u ½ mean (x u − y)²`` over u ∈ C: x (m, d), y (m,) → u (d,), float64.

    C = ℝᵈ (None): the minimum-norm least-squares solution. Ball ‖u‖₂ ≤ R: the trust-region
    subproblem, solved exactly: with A = xᵀx/m = QΛQᵀ and β = Qᵀxᵀy/m, the solution is
    u(μ) = Q β/(Λ + μ) with μ = 0 if ‖u(0)‖ ≤ R, else the root of ‖u(μ)‖ = R (decreasing in μ,
    bracketed by [0, ‖β‖/R]; the "hard case" cannot occur since xᵀy lies in the range of A).
    Written out because scipy offers the subproblem only privately. Box |u_i| ≤ R:
    ``scipy.optimize.lsq_linear`` with bounds.
    """
    m = len(y)
    if constraint is not None and constraint.kind == "box":
        from scipy.optimize import lsq_linear

        r = constraint.radius
        scale = 1 / math.sqrt(m)
        return np.asarray(lsq_linear(x * scale, y * scale, bounds=(-r, r), tol=1e-12).x)
    lam, q = np.linalg.eigh(x.T @ x / m)
    beta = q.T @ (x.T @ y / m)
    cutoff = 1e-12 * max(float(lam.max()), 1e-300)
    keep = lam > cutoff

    def solution(mu: float) -> np.ndarray:
        return np.asarray(q[:, keep] @ (beta[keep] / (lam[keep] + mu)))

    u = solution(0.0)
    if constraint is None or np.linalg.norm(u) <= constraint.radius:
        return u
    from scipy.optimize import brentq

    r = constraint.radius
    hi = float(np.linalg.norm(beta)) / r
    mu = brentq(lambda t: float(np.linalg.norm(solution(t))) - r, 0.0, hi, xtol=1e-15)
    u = solution(mu)
    return np.asarray(u * min(1.0, r / float(np.linalg.norm(u))))  # on the sphere, not beyond


def _half_mse(x: torch.Tensor, y: torch.Tensor, u: np.ndarray) -> float:
    pred = x.double().cpu().numpy() @ u
    return float(0.5 * np.mean((pred - y.double().cpu().numpy()) ** 2))


def _binds_output_weights(constraint: Constraint, output: str) -> bool:
    """Whether (u, 0) ∈ M₁ restricts u: the set acts on all of θ, or on blocks including the
    output weights w (a set on v, V, U or c alone admits every u, with v = 0 or θ = 0
    feasible)."""
    return not constraint.blocks or output in constraint.blocks


def constrained_problem(problem: Problem, modes: Modes) -> Problem:
    """``problem`` with its best-linear-predictor baseline under ``modes.constraint``.

    Applies to problems with an ``F_lin`` baseline and an output-weight block ``w`` (1, d)
    (``residual-predictor``): F_lin becomes ``min { ½ mean (uᵀx − y)² : (u, 0) ∈ C }``, that is
    the minimum over ‖u‖₂ ≤ R (ball) or |u_i| ≤ R (box) when the constraint acts on all of θ
    or on blocks that include w, and the unconstrained F_lin otherwise. With V = 0 (v = 0)
    the predictor is x ↦ uᵀx whatever U and c are, so the reference point ``linear``
    becomes (u_C, 0, U₀, c₀), where F = F_lin exactly; ``F_lin (test)`` is the test loss
    there, and ``F_lin (unconstrained)`` keeps the old value when the two differ. The metric
    F − F_lin then compares with the constrained predictor. Other problems, and constraints
    that do not restrict u, return ``problem`` itself.
    """
    constraint = modes.constraint
    if (
        constraint is None
        or not problem.capabilities.linear_baseline
        or not _binds_output_weights(constraint, problem.capabilities.output_block)
    ):
        return problem
    net = functional_network(problem)
    data = net.data
    x, y = data.x_train.double().cpu().numpy(), data.y_train.double().cpu().numpy()
    free = constrained_least_squares(x, y, None)
    size = np.linalg.norm(free) if constraint.kind == "ball" else np.abs(free).max()
    if size <= constraint.radius:
        return problem  # the best linear predictor is feasible: F_lin is unchanged
    u = constrained_least_squares(x, y, constraint)
    baselines = dict(problem.baselines)
    baselines[UNCONSTRAINED] = baselines["F_lin"]
    baselines["F_lin"] = _half_mse(data.x_train, data.y_train, u)
    baselines["F_lin (test)"] = _half_mse(data.x_test, data.y_test, u)
    refs = dict(problem.references)
    if "linear" in refs:
        block = net.model.layout.block(net.output_block)
        point = refs["linear"].clone()
        point[block.offset : block.stop] = torch.as_tensor(u).to(point)
        refs["linear"] = point
    return replace(net, baselines=baselines, references=refs)
