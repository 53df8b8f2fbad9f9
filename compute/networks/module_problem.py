"""A user's own ``torch.nn.Module``, data and loss as a sliced problem: every tool that works on
a built-in network (slices, runs, critical points, Hessian spectra, curvature maps) works on it.

θ is ``torch.nn.utils.parameters_to_vector`` over the parameters that move: ``parameters()`` in
order, a tied parameter once, frozen ones (``requires_grad=False``) left out unless included;
buffers (BatchNorm statistics, integer counters) never move. The user's module is never
touched: the problem works on two private copies (one in eval mode for every value of the
landscape, one in train mode for training steps) through ``torch.func.functional_call`` on
tensors it owns, so the user's ``state_dict``, ``requires_grad`` flags and ``training`` flag stay
as they were handed over.

How F(θ) is evaluated over chunks of samples and points is in ``module_evaluation``; how
planes precompute the model's first layer in ``module_first_layer``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import torch

from compute.errors import LandscapeError
from compute.geometry.planes import Plane
from compute.networks.module_data import Batch, batch_size, map_batch, take
from compute.networks.module_evaluation import ChunkedEvaluation
from compute.networks.module_first_layer import FirstLayer, PlaneFirstLayer, first_layer
from compute.networks.module_parts import GLOBAL_RANDOM, ModuleParts, correct
from compute.networks.module_plane import ModulePlaneValues
from compute.networks.sliced import CurvatureTerms, PlaneValues, resolve_device
from compute.objectives.layout import AxisNames, ParamLayout
from compute.objectives.objective import Metric, Objective, OutputSplit
from compute.objectives.problem import Capabilities

MODE_PROBE = 64
"""At most this many copies of θ₀ decide vmap or a loop when no map has decided it yet."""


@dataclass(frozen=True, eq=False)
class ModuleProblem(ChunkedEvaluation):
    """A user's model as a sliced problem (see the module's docstring for the rules).

    Attributes
    ----------
    parts
        The model, its loss and metrics (``ModuleParts``).
    layout
        θ's blocks, named after the module's parameters (``conv1.weight``); weights (≥ 2-D)
        are filter-normalised by output unit, 1-D blocks zeroed or normalised (``vector``).
    train, test
        The fixed evaluation sets (``compute.networks.module_data``); ``test`` may be None.
    init
        θ₀: the parameters as handed over.
    references
        ``init`` and the user's named points (checkpoints).
    trajectory
        (T, n) checkpoints of a training run the user handed over (PCA planes), or None.
    classes
        C for a classifier (logits (N, C), integer targets), else 0.
    width
        Activations per sample (sizes evaluation chunks).
    recompute_batchnorm
        Evaluate every point with BatchNorm statistics recomputed from the training set (a
        forward pass in train mode over it, cumulative averages, then eval), instead of the
        centre's running statistics.
    notes
        How the landscape is evaluated, in words (for the window and every file's provenance).
    value_parts
        ``parts`` through a rewritten model that gives the same values with fewer passes
        (``module_fusion``), used for values without gradients where timing finds it faster
        (``graph`` of ``measured_choices``); None: ``parts`` only.
    """

    id: str
    params: Mapping[str, Any]
    parts: ModuleParts
    layout: ParamLayout
    train: Batch
    test: Batch | None
    init: torch.Tensor
    references: Mapping[str, torch.Tensor]
    trajectory: torch.Tensor | None = None
    classes: int = 0
    width: int = 1
    recompute_batchnorm: bool = False
    notes: tuple[str, ...] = ()
    baselines: Mapping[str, float] = field(default_factory=dict)
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    dtype: torch.dtype = torch.float32
    value_parts: ModuleParts | None = field(default=None, repr=False)
    _points_mode: dict[str, str] = field(default_factory=dict, repr=False)

    # --- the Problem protocol -------------------------------------------------------------
    @property
    def dim(self) -> int:
        return self.layout.size

    @property
    def capabilities(self) -> Capabilities:
        samples = batch_size(self.train)
        return Capabilities(sliced=True, samples=samples, classifier=self.classes > 0)

    def reference(self, name: str) -> torch.Tensor:
        try:
            return self.references[name]
        except KeyError:
            known = ", ".join(self.references)
            raise LandscapeError(f"{self.id} has no point {name!r} (known: {known})") from None

    def as_theta(self, values: object) -> torch.Tensor:
        theta = torch.as_tensor(values, dtype=self.dtype, device=self.device)
        if theta.shape[-1:] != (self.dim,):
            raise LandscapeError(
                f"{self.id} has {self.dim} parameters, got θ of shape {tuple(theta.shape)}"
            )
        return theta

    def has_split(self, split: str) -> bool:
        return split == "train" or (split == "test" and self.test is not None)

    def split(self, name: str) -> Batch:
        if name == "train":
            return self.train
        if name == "test" and self.test is not None:
            return self.test
        raise LandscapeError(f"{self.id} has no {name!r} data")

    def to(
        self, device: str | torch.device | None = None, dtype: torch.dtype | None = None
    ) -> ModuleProblem:
        dev = self.device if device is None else resolve_device(device)
        dt = self.dtype if dtype is None else dtype
        if dev == self.device and dt == self.dtype:
            return self

        def cast(t: torch.Tensor) -> torch.Tensor:
            return t.to(dev, dt if t.is_floating_point() else t.dtype)

        return replace(
            self,
            parts=self.parts.to(dev, dt),
            value_parts=None if self.value_parts is None else self.value_parts.to(dev, dt),
            train=map_batch(self.train, cast),
            test=None if self.test is None else map_batch(self.test, cast),
            init=self.init.to(dev, dt),
            references={k: v.to(dev, dt) for k, v in self.references.items()},
            trajectory=None if self.trajectory is None else self.trajectory.to(dev, dt),
            device=dev,
            dtype=dt,
            _points_mode=dict(self._points_mode),
        )

    @property
    def choices(self) -> dict[str, str]:
        """The ways chosen by timing so far, by name (see ``measured_choices``): the live
        record, which a plane's evaluator adds its own choice to."""
        return self._points_mode

    def measured_choices(self) -> dict[str, str]:
        """What this problem decided by timing: ``vmap`` or a loop over points (``mode``, see
        ``_over_points``), whether values stack a chunk's points in one pass (``stack``, see
        ``_stacked_for_values``) and, where planes can precompute the first layer, whether they do
        (``first_layer``: ``precomputed`` or ``plain``, see ``ModulePlaneValues``), deciding
        them now at θ₀ (a few points; one chunk for the first layer) if it has not yet. The
        ways give different bits, so a copy elsewhere (a cluster's worker) repeats these."""
        self.decide_points_mode()
        if "first_layer" not in self._points_mode and self.first_layer_for("train") is not None:
            plane = Plane(self.init, self.init, self.init, "points", False)
            points = self.points_per_chunk(batch_size(self.train))  # one chunk, as a slice's
            coords = torch.zeros(points, 2, dtype=self.dtype, device=self.device)
            self.plane_evaluator(plane)(coords)
        return dict(self._points_mode)

    def decide_points_mode(self) -> None:
        """Decide ``vmap`` or a loop over points now, on one chunk of copies of θ₀ (at most
        MODE_PROBE points: ``vmap``'s cost per point falls with the chunk, so a smaller probe
        than the maps' chunks picks the loop where the maps would run faster batched), if not
        yet."""
        if "mode" not in self._points_mode:
            with torch.no_grad():
                probe = min(MODE_PROBE, max(2, self.points_per_chunk(batch_size(self.train))))
                self.loss(self.init.expand(probe, -1))

    def repeat_choices(self, choices: Mapping[str, str]) -> None:
        """Take another copy's ``measured_choices`` (instead of timing anew here)."""
        self._points_mode.update(choices)

    # --- evaluation (the means over chunks: ``ChunkedEvaluation``) ---------------------------
    def loss(self, theta: torch.Tensor, split: str = "train") -> torch.Tensor:
        """F(θ) on the split's evaluation set (eval mode): θ[..., n] → [...], differentiable."""
        return self._means(theta, self.split(split), (self.parts.loss,))[0]

    def batch_loss(self, theta: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        """F on the training samples ``index`` (eval mode)."""
        return self._means(theta, take(self.train, index), (self.parts.loss,))[0]

    def training_loss(self, theta: torch.Tensor, index: torch.Tensor | None) -> torch.Tensor:
        """The loss a training step differentiates: train mode (dropout on, BatchNorm on the
        batch's statistics) on the minibatch ``index`` (None: every training sample, in one
        batch as a full-batch loop would), one point at a time."""
        batch = self.train if index is None else take(self.train, index)
        flat = theta.reshape(-1, self.dim)
        with GLOBAL_RANDOM:
            values = [self.parts.value(self.layout.unflatten(t), batch, train=True) for t in flat]
        return torch.stack(values).reshape(theta.shape[:-1])

    def accuracy(self, theta: torch.Tensor, split: str = "train") -> torch.Tensor | None:
        """Share classified correctly (None unless a classifier): θ[..., n] → [...]."""
        if not self.classes:
            return None
        with torch.no_grad():
            return self._means(theta, self.split(split), (correct,))[0]

    def evaluate(
        self, theta: torch.Tensor, split: str, first: PlaneFirstLayer | None = None
    ) -> tuple[torch.Tensor, ...]:
        """Loss (and accuracy for a classifier) on the split from the same forward passes,
        without gradients: θ[..., n] → 1 or 2 values [...] (with ``first``, the split's
        first-layer outputs on a plane: θ[..., n + 3], see ``_means``)."""
        fns: tuple[Callable[..., torch.Tensor], ...] = (self.parts.loss,)
        if self.classes:
            fns = (self.parts.loss, correct)
        with torch.no_grad():
            return self._means(theta, self.split(split), fns, first)

    def _accuracy(self, theta: torch.Tensor, split: str) -> torch.Tensor:
        acc = self.accuracy(theta, split)
        assert acc is not None
        return acc

    def outputs(self, theta: torch.Tensor, batch: Batch) -> torch.Tensor:
        """The model's outputs on the batch's inputs at θ (n,) (eval mode)."""
        assert isinstance(batch, tuple)
        out: torch.Tensor = self.parts.call(self.layout.unflatten(theta))(batch[0])
        return out

    @cached_property
    def first_layer(self) -> FirstLayer | None:
        """The first layer planes can precompute (``module_first_layer``): None where there is
        none, and with BatchNorm statistics recomputed at every point (a loop of its own)."""
        return None if self.recompute_batchnorm else first_layer(self.parts, self.train)

    def first_layer_for(self, split: str) -> FirstLayer | None:
        """``first_layer`` where its outputs over the split fit the budget, else None."""
        layer = self.first_layer
        samples = batch_size(self.split(split))
        return layer if layer and layer.fits(samples, self.device, self.dtype) else None

    # --- what the tools read ------------------------------------------------------------
    def plane_evaluator(self, plane: Plane, split: str = "train") -> PlaneValues:
        return ModulePlaneValues(self, plane, split)

    def curvature_terms(self, index: torch.Tensor | None) -> CurvatureTerms:
        batch = self.train if index is None else take(self.train, index)

        def loss(t: torch.Tensor) -> torch.Tensor:
            return self._means(t, batch, (self.parts.loss,))[0]

        if self.parts.by_model or self.recompute_batchnorm:
            return CurvatureTerms(loss, None, None)
        assert isinstance(batch, tuple)
        x, y = batch[0], batch[1]
        return CurvatureTerms(
            loss,
            lambda t: self.parts.call(self.layout.unflatten(t))(x),
            lambda z: self.parts.loss(z, y),
        )

    def objective(self) -> Objective:
        """The training loss as the one objective interface: eval-mode values, train-mode
        steps (``Objective.training``), the test loss, accuracy and the user's metrics along
        runs, and the Gauss–Newton split where the loss is a loss of the outputs."""
        metrics = []
        if self.test is not None:
            metrics.append(Metric("test_loss", "test loss", lambda t: self.loss(t, "test")))
        if self.classes:
            metrics.append(Metric("accuracy", "accuracy", lambda t: self._accuracy(t, "train")))
            if self.test is not None:
                acc = Metric("test_accuracy", "test accuracy", lambda t: self._accuracy(t, "test"))
                metrics.append(acc)
        for name, fn in self.parts.metrics.items():

            def metric(t: torch.Tensor, fn: Callable[..., torch.Tensor] = fn) -> torch.Tensor:
                with torch.no_grad():
                    return self._means(t, self.train, (fn,))[0]

            metrics.append(Metric(f"user:{name}", name, metric))
        terms = self.curvature_terms(None)
        split = None
        if terms.outputs is not None and terms.output_loss is not None:
            split = OutputSplit(terms.outputs, terms.output_loss)
        samples = batch_size(self.train)
        return Objective(
            self.id,
            self.dim,
            AxisNames(self.layout),
            self.loss,
            self.dtype,
            self.device,
            tol=1e-6 if self.dtype == torch.float32 else 1e-9,
            samples=samples,
            batch_loss=self.batch_loss,
            metrics=tuple(metrics),
            chunk_points=self.points_per_chunk(samples),
            flops=2.0 * samples * self.dim,
            split=split,
            layout=self.layout,
            training=self.training_loss,
        )
