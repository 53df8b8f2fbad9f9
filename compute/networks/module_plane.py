"""A user's model on a plane: loss (and accuracy) at many points θ₀ + a·d₁ + b·d₂ at once."""

from __future__ import annotations

import time
from typing import Protocol

import torch

from compute.geometry.planes import Plane
from compute.networks.module_data import Batch, batch_size
from compute.networks.module_first_layer import FirstLayer, PlaneFirstLayer
from compute.objectives.layout import ParamLayout


class EvaluatedModule(Protocol):
    """What the plane evaluator reads of a ``ModuleProblem``."""

    @property
    def choices(self) -> dict[str, str]: ...
    @property
    def device(self) -> torch.device: ...
    @property
    def dtype(self) -> torch.dtype: ...
    @property
    def classes(self) -> int: ...
    @property
    def layout(self) -> ParamLayout: ...

    def split(self, name: str) -> Batch: ...

    def points_per_chunk(self, samples: int) -> int: ...

    def first_layer_for(self, split: str) -> FirstLayer | None: ...

    def decide_points_mode(self) -> None: ...

    def evaluate(
        self, theta: torch.Tensor, split: str, first: PlaneFirstLayer | None = None
    ) -> tuple[torch.Tensor, ...]: ...


class ModulePlaneValues:
    """Loss (and accuracy) of a user's model at many points of a plane, without gradients.

    Where the model's first layer is affine and sees the raw input (``module_first_layer``),
    its outputs Z₀, Z₁, Z₂ over the split are computed once here and every point's first layer
    is Z₀ + a·Z₁ + b·Z₂. Whether that pays is decided once per problem by timing both ways on
    the first call, which returns the values of the way chosen; the choice (``first_layer`` of
    ``measured_choices``) is kept, and repeated where the problem is rebuilt.
    """

    def __init__(self, problem: EvaluatedModule, plane: Plane, split: str) -> None:
        self.problem = problem
        self.plane = plane.to(problem.device, problem.dtype)
        self.split = split
        self.prefix = "" if split == "train" else "test_"
        batch = problem.split(split)
        self.chunk = problem.points_per_chunk(batch_size(batch))
        layer = problem.first_layer_for(split)
        self.first = None
        if layer is not None and problem.choices.get("first_layer") != "plain":
            assert isinstance(batch, tuple)  # as first_layer found it
            self.first = layer.on_plane(self.plane, problem.layout, batch[0])

    def fields(self) -> tuple[str, ...]:
        names = ("loss", "accuracy") if self.problem.classes else ("loss",)
        return tuple(self.prefix + n for n in names)

    def __call__(self, coords: torch.Tensor) -> dict[str, torch.Tensor]:
        c = coords.to(self.problem.device, self.problem.dtype)
        theta = self.plane.origin + c[:, :1] * self.plane.d1 + c[:, 1:] * self.plane.d2
        return dict(zip(self.fields(), self._values(theta, c), strict=True))

    def _values(self, theta: torch.Tensor, c: torch.Tensor) -> tuple[torch.Tensor, ...]:
        choices = self.problem.choices
        if choices.get("first_layer") == "plain":
            self.first = None  # decided elsewhere since: the Z's are not needed
        if self.first is None:
            return self.problem.evaluate(theta, self.split)
        rows = self.first.rows(theta, c)
        if choices.get("first_layer") == "precomputed":
            return self.problem.evaluate(rows, self.split, self.first)
        self.problem.decide_points_mode()  # vmap or a loop first, not timed below
        start = time.perf_counter()
        plain = self.problem.evaluate(theta, self.split)
        middle = time.perf_counter()
        precomputed = self.problem.evaluate(rows, self.split, self.first)
        faster = time.perf_counter() - middle < middle - start
        choices["first_layer"] = "precomputed" if faster else "plain"
        return precomputed if faster else plain
