"""Exact toy landscapes from the seeds, each a batched torch loss of θ[..., n].

Every builder takes the scenario's parameter values and returns ``loss(θ[..., n]) -> F[...]``.
The formulas are the seeds'; their gradients and Hessians come from autograd, never from here.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as tnf

from compute.objectives.objective import LossFn


def shamir(eps: float) -> LossFn:
    """Shamir (2018), Example 1: ``F(w, v) = ½ (w (1 + ε v) − 1)²``, θ = (w, v).

    Residual predictor ``w (x + v f(x))`` with ``f(x) = ε x``, squared loss, ``x = y = 1``.
    Saddle at ``(0, −1/ε)`` with ``F = ½`` and Hessian eigenvalues ``±ε``; global minima on
    the curve ``w (1 + ε v) = 1``.
    """

    def loss(theta: torch.Tensor) -> torch.Tensor:
        w, v = theta[..., 0], theta[..., 1]
        return 0.5 * (w * (1 + eps * v) - 1) ** 2

    return loss


def factorization(y: float) -> LossFn:
    """Scalar matrix factorization (seed 004, §5.3.1): ``F(u, v) = (y − u v)²``, θ = (u, v).

    Saddle at the origin (for ``y ≠ 0``), global minima on the hyperbola ``u v = y``.
    """

    def loss(theta: torch.Tensor) -> torch.Tensor:
        u, v = theta[..., 0], theta[..., 1]
        return (y - u * v) ** 2

    return loss


def psd_factorization(m11: float, m12: float, m22: float) -> LossFn:
    """Symmetric factorization (seed 004, Prop. 5.1): ``F(u) = ‖M − u uᵀ‖²_F``, u ∈ ℝ².

    ``M = [[m11, m12], [m12, m22]]`` (positive semi-definite). Every second-order stationary
    point is a global minimum, with ``‖u‖² = λ_max(M)``.
    """
    m = torch.tensor([[m11, m12], [m12, m22]], dtype=torch.float64)

    def loss(theta: torch.Tensor) -> torch.Tensor:
        outer = theta[..., :, None] * theta[..., None, :]
        return ((m.to(theta) - outer) ** 2).sum(dim=(-2, -1))

    return loss


def _leaky_relu(w: torch.Tensor) -> torch.Tensor:
    return tnf.leaky_relu(w, 0.1)


ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "relu": torch.relu,
    "square": torch.square,
    "sigmoid": torch.sigmoid,
    "leaky_relu": _leaky_relu,
    "softplus": tnf.softplus,
    "tanh": torch.tanh,
}
"""φ for the ``activation`` scenario; leaky ReLU has slope 0.1 for w < 0."""


def activation(phi: str, x1: float, y1: float, x2: float, y2: float) -> LossFn:
    """One weight through an activation (seed 004, §5.3.2): ``F(w) = Σᵢ (yᵢ − φ(w) xᵢ)²``.

    Two samples (x₁, y₁), (x₂, y₂); the defaults x₁ = y₁ = 1, x₂ = y₂ = 0 give the seed's
    ``(1 − φ(w))²`` (the second sample then adds nothing). With ReLU every w < 0 is a flat,
    non-global second-order stationary point; square and sigmoid have none.
    """
    act = ACTIVATIONS[phi]

    def loss(theta: torch.Tensor) -> torch.Tensor:
        a = act(theta[..., 0])
        return (y1 - a * x1) ** 2 + (y2 - a * x2) ** 2

    return loss


def deep_linear(x: float, y: float) -> LossFn:
    """Scalar two-layer linear residual net (seeds 003/004): ``F(w₁, w₂) = (y − (1+w₂)(1+w₁) x)²``.

    Global minima on ``(1 + w₁)(1 + w₂) = y/x``; a saddle at ``(−1, −1)`` (for ``y ≠ 0``).
    """

    def loss(theta: torch.Tensor) -> torch.Tensor:
        w1, w2 = theta[..., 0], theta[..., 1]
        return (y - (1 + w2) * (1 + w1) * x) ** 2

    return loss
