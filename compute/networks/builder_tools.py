"""What every network builder shares: the size limit, seeded draws of a given norm, least squares.

``with_norm`` draws a Gaussian tensor and rescales it to Frobenius norm ‖·‖_F = ``norm``;
``least_squares`` solves argmin_w mean ½ (wᵀx − y)² in float64 (the best linear predictor).
"""

from __future__ import annotations

import torch

from compute.errors import LandscapeError
from compute.networks import models

MAX_PARAMS = 2_000_000


def check_size(model: models.Model) -> models.Model:
    """``model``, refused (LandscapeError) when it has more than MAX_PARAMS parameters."""
    if model.layout.size > MAX_PARAMS:
        raise LandscapeError(
            f"the network would have {model.layout.size} parameters (at most {MAX_PARAMS})"
        )
    return model


def with_norm(gen: torch.Generator, shape: tuple[int, ...], norm: float) -> torch.Tensor:
    """A Gaussian tensor rescaled to Frobenius norm ``norm`` (0 gives zeros)."""
    w = torch.randn(*shape, generator=gen)
    return w * (norm / float(w.norm())) if norm > 0 else torch.zeros(shape)


def least_squares(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """argmin_w mean ½ (wᵀx − y)² (or ‖y − W x‖² column-wise), in float64."""
    solution = torch.linalg.lstsq(x.double(), y.double().reshape(len(y), -1)).solution
    return solution.to(x.dtype)
