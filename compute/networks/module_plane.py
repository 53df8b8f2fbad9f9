"""A user's model on a plane: loss (and accuracy) at many points θ₀ + a·d₁ + b·d₂ at once."""

from __future__ import annotations

from typing import Protocol

import torch

from compute.geometry.planes import Plane
from compute.networks.module_data import Batch, batch_size


class EvaluatedModule(Protocol):
    """What the plane evaluator reads of a ``ModuleProblem``."""

    @property
    def device(self) -> torch.device: ...
    @property
    def dtype(self) -> torch.dtype: ...
    @property
    def classes(self) -> int: ...

    def split(self, name: str) -> Batch: ...

    def points_per_chunk(self, samples: int) -> int: ...

    def evaluate(self, theta: torch.Tensor, split: str) -> tuple[torch.Tensor, ...]: ...


class ModulePlaneValues:
    """Loss (and accuracy) of a user's model at many points of a plane, without gradients."""

    def __init__(self, problem: EvaluatedModule, plane: Plane, split: str) -> None:
        self.problem = problem
        self.plane = plane.to(problem.device, problem.dtype)
        self.split = split
        self.prefix = "" if split == "train" else "test_"
        self.chunk = problem.points_per_chunk(batch_size(problem.split(split)))

    def fields(self) -> tuple[str, ...]:
        names = ("loss", "accuracy") if self.problem.classes else ("loss",)
        return tuple(self.prefix + n for n in names)

    def __call__(self, coords: torch.Tensor) -> dict[str, torch.Tensor]:
        c = coords.to(self.problem.device, self.problem.dtype)
        theta = self.plane.origin + c[:, :1] * self.plane.d1 + c[:, 1:] * self.plane.d2
        values = self.problem.evaluate(theta, self.split)
        return dict(zip(self.fields(), values, strict=True))
