"""What every tool reads of a problem too large to map (a built-in network, a user's own model):
planes through θ and their evaluation, curvature on sample subsets, the parameter layout."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, cast

import torch

from compute.errors import LandscapeError
from compute.geometry.planes import Plane
from compute.objectives.layout import ParamLayout
from compute.objectives.problem import Problem


def resolve_device(name: str | torch.device) -> torch.device:
    """``"cpu"`` / ``"cuda"`` (``"cuda:1"``) → a torch device, refusing an absent GPU."""
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError):
        raise LandscapeError(f"unknown device {name!r} (use cpu or cuda)") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise LandscapeError("device cuda was requested but no CUDA GPU is available; use cpu")
    if device.type not in ("cpu", "cuda"):
        raise LandscapeError(f"unsupported device {name!r} (use cpu or cuda)")
    return device


class PlaneValues(Protocol):
    """A problem's fields (``loss``, ``accuracy``; ``test_…`` on the test split) at many
    points of one plane: ``coords (P, 2) → {field: (P,)}``, ``chunk`` points at a time."""

    chunk: int

    def fields(self) -> tuple[str, ...]: ...

    def __call__(self, coords: torch.Tensor) -> dict[str, torch.Tensor]: ...


@dataclass(frozen=True)
class CurvatureTerms:
    """F(θ) on a set of training samples, and where F = ℓ(z(θ)) with ℓ convex in the model
    outputs z, the two parts (``outputs`` θ (n,) → z, ``output_loss`` z → ℓ) for the
    Gauss–Newton matrix Jᵀ∇²ℓ J; None where the loss is not of that form."""

    loss: Callable[[torch.Tensor], torch.Tensor]
    outputs: Callable[[torch.Tensor], torch.Tensor] | None
    output_loss: Callable[[torch.Tensor], torch.Tensor] | None


class SlicedProblem(Problem, Protocol):
    """A problem with too many parameters to map (a built-in network, a user's own model):
    maps are planes through θ, evaluated by ``plane_evaluator``; curvature on a subset of the
    training samples comes from ``curvature_terms``."""

    @property
    def layout(self) -> ParamLayout: ...
    @property
    def init(self) -> torch.Tensor: ...
    @property
    def trajectory(self) -> torch.Tensor | None:
        """(T, n) checkpoints of a training run that came with the problem (PCA planes)."""
        ...

    def plane_evaluator(self, plane: Plane, split: str = "train") -> PlaneValues: ...

    def curvature_terms(self, index: torch.Tensor | None) -> CurvatureTerms: ...

    def points_per_chunk(self, samples: int) -> int: ...

    def has_split(self, split: str) -> bool:
        """Whether there is data for ``split`` ("train", "test")."""
        ...

    def to(
        self, device: str | torch.device | None = None, dtype: torch.dtype | None = None
    ) -> SlicedProblem: ...


def network_of(problem: Problem) -> SlicedProblem:
    """The sliced problem behind a problem whose capabilities say ``sliced`` (a built-in
    network or a user's own model); a LandscapeError for an exact toy."""
    if not problem.capabilities.sliced:
        raise LandscapeError(f"{problem.id} is an exact toy: it has no network to slice")
    return cast(SlicedProblem, problem)
