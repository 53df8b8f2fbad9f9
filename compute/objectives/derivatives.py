"""Loss, gradient and Hessian of an objective at a batch of points, by torch.func autograd."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch.func import grad, grad_and_value, jacrev, vmap

from compute.objectives.objective import LossFn


@dataclass(frozen=True)
class Derivatives:
    """F, ∇F and ∇²F at N points of ℝⁿ.

    Attributes
    ----------
    loss : (N,)
    grad : (N, n)
    hessian : (N, n, n), symmetric
    """

    loss: torch.Tensor
    grad: torch.Tensor
    hessian: torch.Tensor

    def hessian_eigenvalues(self) -> torch.Tensor:
        """Ascending eigenvalues of each Hessian, (N, n); NaN rows where ∇²F is not finite."""
        finite = torch.isfinite(self.hessian).all(dim=(-2, -1))
        safe = torch.where(finite[:, None, None], self.hessian, torch.zeros_like(self.hessian))
        eig = torch.linalg.eigvalsh(safe)
        return torch.where(finite[:, None], eig, torch.full_like(eig, torch.nan))


def _single_point(loss: LossFn) -> Callable[[torch.Tensor], torch.Tensor]:
    """F of one θ of shape (n,) as a 0-d tensor (the form torch.func transforms expect)."""
    return lambda theta: loss(theta)


def second_order(loss: LossFn, points: torch.Tensor) -> Derivatives:
    """F, ∇F, ∇²F at ``points`` (N, n) in one reverse-over-reverse pass.

    ∇²F = J_rev(∇_rev F), vmapped over the N points: no Python loop over points. Reverse mode
    on purpose: torch's forward-mode AD keeps global "dual levels" and fails when two threads
    use it at once (the explorer runs several workers), reverse mode is thread-safe.
    """
    f = _single_point(loss)

    def grad_with_aux(theta: torch.Tensor) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        g, value = grad_and_value(f)(theta)
        return g, (g, value)

    hess, (g, value) = vmap(jacrev(grad_with_aux, has_aux=True))(points)
    return Derivatives(value, g, hess)


def gradient(loss: LossFn, points: torch.Tensor) -> torch.Tensor:
    """∇F at ``points`` (N, n) → (N, n), by vmapped reverse mode."""
    return vmap(grad(_single_point(loss)))(points)
