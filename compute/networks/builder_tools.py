"""What every network builder shares: the memory check, seeded draws of a given norm, least squares.

``with_norm`` draws a Gaussian tensor and rescales it to Frobenius norm ‖·‖_F = ``norm``;
``least_squares`` solves argmin_w mean ½ (wᵀx − y)² in float64 (the best linear predictor).
"""

from __future__ import annotations

import torch

from compute.networks import models
from compute.networks.memory import check_memory


def check_size(model: models.Model) -> models.Model:
    """``model``, refused (LandscapeError) when it would not fit the free memory (no fixed
    parameter cap: ``compute.networks.memory``)."""
    check_memory(model.layout.size, 0, "choose a smaller width, depth or number of blocks")
    return model


def with_norm(gen: torch.Generator, shape: tuple[int, ...], norm: float) -> torch.Tensor:
    """A Gaussian tensor rescaled to Frobenius norm ``norm`` (0 gives zeros)."""
    w = torch.randn(*shape, generator=gen)
    return w * (norm / float(w.norm())) if norm > 0 else torch.zeros(shape)


def least_squares(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """argmin_w mean ½ (wᵀx − y)² (or ‖y − W x‖² column-wise), in float64."""
    solution = torch.linalg.lstsq(x.double(), y.double().reshape(len(y), -1)).solution
    return solution.to(x.dtype)
