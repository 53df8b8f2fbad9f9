"""The objective interface every tool works on: a loss of a flat parameter vector θ."""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:
    from compute.objectives.layout import ParamLayout

LossFn = Callable[[torch.Tensor], torch.Tensor]
BatchLossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
TrainingLossFn = Callable[[torch.Tensor, torch.Tensor | None], torch.Tensor]
ValuesFn = Callable[[torch.Tensor], dict[str, torch.Tensor]]
Progressive = Callable[..., Generator[Any, None, Any]]


@dataclass(frozen=True)
class Metric:
    """A quantity recorded along runs besides the loss: ``fn(θ[..., n]) -> [...]`` (no grad).

    ``key`` is stable (``test_loss``, ``metric``, ``accuracy``, ...), ``label`` is what the
    window and the exports show (``‖W − W*‖_F``, ``test accuracy``).
    """

    key: str
    label: str
    fn: LossFn


@dataclass(frozen=True)
class OutputSplit:
    """F(θ) = ℓ(z(θ)) with ℓ convex in the outputs z: what the Gauss–Newton matrix needs.

    ``outputs(θ[n]) -> z`` (any shape), ``output_loss(z) -> scalar``; GGN = Jᵀ ∇²ℓ J.
    """

    outputs: LossFn
    output_loss: LossFn


@dataclass(frozen=True, eq=False)
class Objective:
    """A differentiable loss F(θ) of a flat parameter vector θ ∈ ℝⁿ.

    Toys (n = 1, 2) and networks (n in the thousands) alike; a network's 2-D slice is the
    objective ``F(a, b) = L(θ₀ + a·d₁ + b·d₂)`` of its plane (``restrict_to_plane``).

    Attributes
    ----------
    name
        Scenario id the objective came from.
    dim
        n, the length of θ.
    axis_names
        One display name per coordinate of θ (length ``dim``).
    loss
        ``loss(θ[..., n]) -> F[...]``: batched over any leading dimensions (points are
        independent), written with torch operations so that autograd and ``torch.func`` can
        differentiate it.
    dtype, device
        Where θ lives.
    tol
        The default convergence tolerance of runs on it (projected gradient norm): 1e-8 for
        the exact float64 toys, 1e-6 for float32 networks.
    samples
        N > 0 when F is a mean over N training samples; then ``batch_loss(θ, index)`` is the
        mean over the samples ``index`` (minibatches). 0 for the toys.
    metrics
        Quantities recorded along runs (test loss, the scenario's metric, accuracy), keyed.
    values
        A fast evaluator of the map (no gradients): coords (P, n) → {field: (P,)}; None: use
        ``loss``.
    progressive
        ``progressive(window, resolution)``: a generator of coarse-to-fine images of the map
        (network slices); None: the map is computed in one pass.
    chunk_points
        How many points to differentiate at once (memory: activations × points).
    flops
        About how many floating-point operations one evaluation of F costs (sizes work that
        must stay interactive, e.g. the resolution of a basin map).
    split
        F as a convex loss of model outputs (for the Gauss–Newton matrix); None where F is not.
    layout
        Named blocks of θ (networks), for block-restricted curvature and constraints.
    training
        ``training(θ[..., n], index | None) -> [...]``: the loss a training step differentiates
        where it differs from ``loss`` (a user's model in train mode: dropout on, BatchNorm
        on batch statistics), on the minibatch ``index`` (None: every sample); None: training
        differentiates ``loss`` / ``batch_loss``. Values shown along runs are always ``loss``.
    """

    name: str
    dim: int
    axis_names: Sequence[str]
    loss: LossFn
    dtype: torch.dtype = torch.float64
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    tol: float = 1e-8
    samples: int = 0
    batch_loss: BatchLossFn | None = None
    metrics: tuple[Metric, ...] = ()
    values: ValuesFn | None = None
    progressive: Progressive | None = None
    chunk_points: int = 16384
    flops: float = 20.0
    split: OutputSplit | None = None
    layout: ParamLayout | None = None
    training: TrainingLossFn | None = None

    def as_tensor(self, values: object) -> torch.Tensor:
        """θ as a tensor of this objective's dtype and device (no copy when it already is)."""
        return torch.as_tensor(values, dtype=self.dtype, device=self.device)

    def with_loss(
        self,
        loss: LossFn,
        batch_loss: BatchLossFn | None = None,
        suffix: str = "",
        training: TrainingLossFn | None = None,
    ) -> Objective:
        """The same parameter space with another loss (used to add regularisers).

        The fast evaluator and the Gauss–Newton split describe the old loss, so they are
        dropped unless the caller keeps them.
        """
        return replace(
            self,
            name=self.name + suffix,
            loss=loss,
            batch_loss=batch_loss,
            values=None,
            progressive=None,
            split=None,
            training=training,
        )


def metric_labels(objective: Objective) -> Mapping[str, str]:
    """key → label of the objective's metrics, in order."""
    return {m.key: m.label for m in objective.metrics}
