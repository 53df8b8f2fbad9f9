"""Curvature operators of the explorer's scenarios: network training losses and toy losses."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from compute.curvature.operators import (
    CurvatureOperator,
    block_indices,
    ggn_operator,
    hessian_operator,
    restrict,
    shifted,
)
from compute.errors import LandscapeError
from compute.networks.sliced import SlicedProblem

MATRICES = ("hessian", "ggn")


def sample_index(
    problem: SlicedProblem, samples: Sequence[int] | torch.Tensor | None
) -> torch.Tensor | None:
    """Validated training-sample indices (m,) on the problem's device, or None for all."""
    if samples is None:
        return None
    idx = torch.as_tensor(samples, dtype=torch.long).reshape(-1)
    n_train = problem.capabilities.samples
    if len(idx) == 0:
        raise LandscapeError("the sample subset is empty: give at least one training index")
    if int(idx.min()) < 0 or int(idx.max()) >= n_train:
        raise LandscapeError(f"sample indices must lie in [0, {n_train}) (the training set)")
    return idx.to(problem.device)


def network_curvature(
    problem: SlicedProblem,
    theta: torch.Tensor,
    matrix: str = "hessian",
    samples: Sequence[int] | torch.Tensor | None = None,
    blocks: str | Sequence[str] | None = None,
    dtype: torch.dtype | None = None,
    l2: float = 0.0,
) -> CurvatureOperator:
    """The Hessian or GGN of a network's training loss at θ, optionally on a block.

    Parameters
    ----------
    problem
        The network scenario; F(θ) = (1/N) Σᵢ ℓ(f(xᵢ; θ), yᵢ) over its training set.
    theta : (n,)
        The point (any float dtype; cast to ``dtype``).
    matrix
        ``"hessian"`` (∇²F) or ``"ggn"`` (Jᵀ ∇²_z ℓ J, with z the model outputs of all
        samples and ℓ the mean sample loss, convex in z for the explorer's losses).
    samples
        Training-sample indices (m,) for a fixed subset; None: the full training set.
    blocks
        Parameter block names (``"w,V"``): the principal submatrix on those coordinates.
    dtype
        Compute the products in this dtype (float64 for references); default the problem's.
    l2
        λ of the L2 mode F + (λ/2)‖θ‖²: adds λI (also on a block).
    """
    if matrix not in MATRICES:
        raise LandscapeError(f"matrix must be one of {', '.join(MATRICES)}, got {matrix!r}")
    if dtype is not None and dtype != problem.dtype:
        problem = problem.to(dtype=dtype)
    theta = problem.as_theta(torch.as_tensor(theta).detach())
    terms = problem.curvature_terms(sample_index(problem, samples))
    if matrix == "hessian":
        op = hessian_operator(terms.loss, theta)
    elif terms.outputs is None or terms.output_loss is None:
        raise LandscapeError(
            f"{problem.id}'s loss is not a loss of its model outputs: the GGN is not defined "
            "(use the Hessian)"
        )
    else:
        op = ggn_operator(terms.outputs, terms.output_loss, theta)
    if blocks is not None:
        label = blocks if isinstance(blocks, str) else ",".join(blocks)
        op = restrict(op, block_indices(problem.layout, blocks), label)
    return shifted(op, l2)


def loss_curvature(
    loss: Callable[[torch.Tensor], torch.Tensor],
    theta: torch.Tensor,
    indices: torch.Tensor | None = None,
    l2: float = 0.0,
) -> CurvatureOperator:
    """The Hessian of a plain loss (a toy's ``loss(θ[..., n]) -> [...]``) at θ (n,).

    ``indices`` restricts to those coordinates; ``l2`` adds λI. The GGN needs a model split
    into outputs and a loss of them, which toys do not have: use ``ggn_operator`` directly.
    """
    op = hessian_operator(loss, torch.as_tensor(theta))
    if indices is not None:
        op = restrict(op, indices)
    return shifted(op, l2)
