"""A network scenario made concrete: model, data, start and reference points, metric, device."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import torch

from compute.errors import LandscapeError
from compute.geometry.planes import Plane
from compute.networks.datasets import Dataset
from compute.networks.groups import SymmetryGroup
from compute.networks.models import Model, correct
from compute.networks.plane_evaluator import PlaneEvaluator
from compute.networks.sliced import CurvatureTerms, PlaneValues, resolve_device
from compute.objectives.layout import ParamLayout
from compute.objectives.objective import Metric as RunMetric
from compute.objectives.objective import Objective, OutputSplit
from compute.objectives.problem import Capabilities, Problem

CPU_CHUNK_FLOATS = 3 << 18
"""Activations per evaluation chunk on the CPU (points × samples × width): about 3 MB per
activation tensor. Measured on this 2-core machine for the digits slice (16 points of 1438
images): smaller chunks pay OpenMP wake-ups per operation, larger ones fall out of cache."""
CUDA_CHUNK_FLOATS = 1 << 26
"""On a GPU big chunks pay off: per-kernel launch costs dominate small ones."""


@dataclass(frozen=True)
class Metric:
    """A scenario's measure of progress: ``fn(problem, θ[..., n]) -> [...]``, e.g. ‖W − W*‖_F.

    ``fn`` reads what it needs (the teacher, F_lin) from the problem it is given, so it follows
    the problem to another device.
    """

    name: str
    fn: Callable[[NetworkProblem, torch.Tensor], torch.Tensor]


@dataclass(frozen=True, eq=False)
class NetworkProblem:
    """A trainable network scenario over a flat float32 θ ∈ ℝⁿ.

    Attributes
    ----------
    id, params
        Scenario id and the resolved parameter values it was built with.
    model
        The functional model (its ``layout`` describes θ).
    data
        Train / test samples (on ``device``).
    init
        θ₀ (n,): the scenario's initialization, where training starts by default.
    references
        Named points of the same space (n,) to mark on slices: always ``"init"``; ``"teacher"``
        where the teacher has the student's architecture; scenario-specific others.
    metric
        The scenario's metric (None: loss only).
    baselines
        Named reference loss values, e.g. ``{"F_lin": …}`` (drawn as lines in the curves).
    symmetry
        The group of parameter transformations that leave the function unchanged, where the
        builder knows it (aligned distances to the teacher); None otherwise.
    sopsp_blocks
        The blocks of seed 001's ε-SOPSP test ((w, V) or (w, v)); empty where it does not apply.
    output_block
        The block of output weights w compared with the best linear predictor (F_lin), or "".
    extra_metrics
        More quantities to record along runs, e.g. the distances to a teacher
        (``compute.networks.symmetry.teacher_metrics``).
    """

    id: str
    params: Mapping[str, Any]
    model: Model
    data: Dataset
    init: torch.Tensor
    references: Mapping[str, torch.Tensor]
    metric: Metric | None = None
    baselines: Mapping[str, float] = field(default_factory=dict)
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    dtype: torch.dtype = torch.float32
    symmetry: SymmetryGroup | None = None
    sopsp_blocks: tuple[str, ...] = ()
    output_block: str = ""
    extra_metrics: Callable[[NetworkProblem], tuple[RunMetric, ...]] = field(default=lambda _: ())
    notes: tuple[str, ...] = ()
    trajectory: torch.Tensor | None = None

    @property
    def dim(self) -> int:
        return self.model.layout.size

    @property
    def layout(self) -> ParamLayout:
        return self.model.layout

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            sliced=True,
            samples=len(self.data.x_train),
            classifier=self.classification,
            teacher="teacher" in self.references,
            symmetry=self.symmetry is not None,
            linear_baseline="F_lin" in self.baselines and bool(self.output_block),
            sopsp_blocks=self.sopsp_blocks,
            output_block=self.output_block,
        )

    @property
    def classification(self) -> bool:
        return self.model.classes > 0

    @property
    def chunk_floats(self) -> int:
        return CUDA_CHUNK_FLOATS if self.device.type == "cuda" else CPU_CHUNK_FLOATS

    def plane_evaluator(self, plane: Plane, split: str = "train") -> PlaneValues:
        """The map's fields at many points of ``plane`` (first layer precomputed)."""
        return PlaneEvaluator(self, plane, split)

    def curvature_terms(self, index: torch.Tensor | None) -> CurvatureTerms:
        """F on the training samples ``index`` (None: all) as a loss of θ and as a convex loss
        of the model outputs z(θ) (the Gauss–Newton split)."""
        x, y = self.data.x_train, self.data.y_train
        if index is not None:
            x, y = x[index], y[index]
        model = self.model

        def outputs(t: torch.Tensor) -> torch.Tensor:
            return model.forward(model.layout.unflatten(t), x)

        def output_loss(z: torch.Tensor) -> torch.Tensor:
            return model.sample_loss(z, y).mean(-1)

        return CurvatureTerms(lambda t: output_loss(outputs(t)), outputs, output_loss)

    def to(
        self, device: str | torch.device | None = None, dtype: torch.dtype | None = None
    ) -> NetworkProblem:
        """The same problem on another device and/or float dtype (float64 for exact checks)."""
        dev = self.device if device is None else resolve_device(device)
        dt = self.dtype if dtype is None else dtype
        refs = {k: v.to(dev, dt) for k, v in self.references.items()}
        return replace(
            self,
            data=self.data.to(dev, dt),
            init=self.init.to(dev, dt),
            references=refs,
            device=dev,
            dtype=dt,
        )

    def as_theta(self, values: object) -> torch.Tensor:
        """θ on this problem's device and dtype, checked for length and finiteness."""
        theta = torch.as_tensor(values, dtype=self.dtype, device=self.device)
        if theta.shape[-1:] != (self.dim,):
            raise LandscapeError(
                f"{self.id} has {self.dim} parameters, got θ of shape {tuple(theta.shape)}"
            )
        return theta

    def reference(self, name: str) -> torch.Tensor:
        """A named reference point θ (n,), or a LandscapeError listing the known names."""
        try:
            return self.references[name]
        except KeyError:
            known = ", ".join(self.references)
            raise LandscapeError(
                f"{self.id} has no reference point {name!r} (known: {known})"
            ) from None

    def points_per_chunk(self, samples: int) -> int:
        """How many parameter points to evaluate at once over ``samples`` samples."""
        return max(1, self.chunk_floats // max(1, samples * self.model.width))

    def _mean_loss(self, theta: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        p = self.model.layout.unflatten(theta)
        return self.model.sample_loss(self.model.forward(p, x), y).mean(-1)

    def _chunked(
        self, fn: Callable[[torch.Tensor], torch.Tensor], theta: torch.Tensor, samples: int
    ) -> torch.Tensor:
        if theta.ndim == 1:
            return fn(theta)
        flat = theta.reshape(-1, theta.shape[-1])
        step = self.points_per_chunk(samples)
        out = torch.cat([fn(flat[i : i + step]) for i in range(0, len(flat), step)])
        return out.reshape(theta.shape[:-1])

    def loss(self, theta: torch.Tensor, split: str = "train") -> torch.Tensor:
        """F(θ) = mean over the split's samples of ℓ(f(x; θ), y): θ[..., n] → [...].

        Differentiable (torch autograd / torch.func); chunked over the leading points so that
        each chunk's activations stay in cache.
        """
        x, y = self.data.split(split)
        return self._chunked(lambda t: self._mean_loss(t, x, y), theta, len(x))

    def batch_loss(self, theta: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        """The loss on the training samples ``index`` (a minibatch): θ[..., n] → [...]."""
        x, y = self.data.x_train[index], self.data.y_train[index]
        return self._chunked(lambda t: self._mean_loss(t, x, y), theta, len(x))

    def accuracy(self, theta: torch.Tensor, split: str = "train") -> torch.Tensor | None:
        """Fraction of the split classified correctly (None for regression): θ[..., n] → [...]."""
        if not self.classification:
            return None
        x, y = self.data.split(split)

        def acc(t: torch.Tensor) -> torch.Tensor:
            return correct(self.model.forward(self.model.layout.unflatten(t), x), y).mean(-1)

        with torch.no_grad():
            return self._chunked(acc, theta, len(x))

    def metric_value(self, theta: torch.Tensor) -> torch.Tensor | None:
        if self.metric is None:
            return None
        with torch.no_grad():
            return self.metric.fn(self, theta)

    def _train_accuracy(self, theta: torch.Tensor) -> torch.Tensor:
        acc = self.accuracy(theta, "train")
        assert acc is not None
        return acc

    def _test_accuracy(self, theta: torch.Tensor) -> torch.Tensor:
        acc = self.accuracy(theta, "test")
        assert acc is not None
        return acc

    def has_split(self, split: str) -> bool:
        return split in ("train", "test")

    def axis_names(self) -> tuple[str, ...]:
        return _axis_names(self.model.layout)

    def outputs(self, theta: torch.Tensor, split: str = "train") -> torch.Tensor:
        """The model's outputs f(x; θ) on the split's inputs (predictions or logits)."""
        x, _ = self.data.split(split)
        return self.model.forward(self.model.layout.unflatten(theta), x)

    def objective(self) -> Objective:
        """The training loss as the one objective interface (full space, n axes).

        Metrics recorded along runs: the test loss, the scenario's metric (e.g. ‖W − W*‖_F),
        for teacher scenarios the raw, symmetry-aligned and function-space distances to the
        teacher (``extra_metrics``), and for classifiers the train and test
        accuracy. F = mean ℓ(f(x; θ), y) splits into
        outputs and a convex per-sample loss (for the Gauss–Newton matrix).
        """
        metrics = [RunMetric("test_loss", "test loss", lambda t: self.loss(t, "test"))]
        if self.metric is not None:
            metric = self.metric
            metrics.append(RunMetric("metric", metric.name, lambda t: metric.fn(self, t)))
        metrics += self.extra_metrics(self)
        if self.classification:
            metrics.append(RunMetric("accuracy", "accuracy", self._train_accuracy))
            metrics.append(RunMetric("test_accuracy", "test accuracy", self._test_accuracy))
        y = self.data.y_train
        return Objective(
            self.id,
            self.dim,
            self.axis_names(),
            self.loss,
            self.dtype,
            self.device,
            tol=1e-6 if self.dtype == torch.float32 else 1e-9,
            samples=len(self.data.x_train),
            batch_loss=self.batch_loss,
            metrics=tuple(metrics),
            chunk_points=max(1, self.points_per_chunk(len(self.data.x_train)) // 2),
            flops=2.0 * len(self.data.x_train) * self.dim,
            split=OutputSplit(
                lambda t: self.outputs(t),
                lambda out: self.model.sample_loss(out, y).mean(-1),
            ),
            layout=self.model.layout,
        )


@functools.lru_cache(maxsize=8)
def _axis_names(layout: ParamLayout) -> tuple[str, ...]:
    return layout.axis_names()


def functional_network(problem: Problem) -> NetworkProblem:
    """The built-in functional network (its ``Model`` and data tensors) behind a problem, for
    the tools that read them directly (the best linear predictor of a residual predictor, the
    initialization lab); a LandscapeError for any other problem."""
    if not isinstance(problem, NetworkProblem):
        raise LandscapeError(f"{problem.id} is not a built-in functional network")
    return problem
