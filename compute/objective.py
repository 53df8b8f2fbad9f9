"""The objective interface every tool works on: a loss of a flat parameter vector θ."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

LossFn = Callable[[torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Objective:
    """A differentiable loss F(θ) of a flat parameter vector.

    Attributes
    ----------
    name
        Scenario id the objective came from.
    dim
        n, the length of θ.
    axis_names
        One display name per coordinate of θ (length ``dim``; networks may leave generic names).
    loss
        ``loss(θ[..., n]) -> F[...]``: batched over any leading dimensions, written with torch
        operations only so that ``torch.func`` can differentiate and vmap it.
    dtype
        The dtype θ should have (float64 for the exact toys).
    """

    name: str
    dim: int
    axis_names: tuple[str, ...]
    loss: LossFn
    dtype: torch.dtype = torch.float64

    def as_tensor(self, values: object) -> torch.Tensor:
        """θ as a tensor of this objective's dtype (no copy when it already is one)."""
        return torch.as_tensor(values, dtype=self.dtype)

    def with_loss(self, loss: LossFn, suffix: str = "") -> Objective:
        """The same parameter space with another loss (used to add regularisers)."""
        return Objective(self.name + suffix, self.dim, self.axis_names, loss, self.dtype)
