"""A user's model as the problem holds it: private copies of the module, the tensors that do
not move, the loss and metrics, and how they are called at parameters θ."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import torch
from torch import nn
from torch.func import functional_call

from compute.networks.module_data import Batch, batch_size, take

BATCHNORM = (nn.modules.batchnorm._BatchNorm,)
"""BatchNorm layers of every dimension (their running statistics are buffers)."""
GLOBAL_RANDOM = threading.RLock()
"""Held while a user's code draws from torch's global random generator (their factory seeds it
and initialises a model; train-mode dropout draws from it). Another thread's draws would
otherwise interleave, and the same description would build another model (measured: a
thread drawing numbers during ``make()`` changed the example's initial weights)."""


def channels_last(params: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The same parameters with convolution kernels (4-D, 5-D) in channels-last layout.

    Only the memory layout changes, never a value. oneDNN's convolution then returns
    channels-last activations, and the BatchNorm, ReLU and pooling after it keep that layout.
    Whether that is faster is the model's affair (PyTorch's max-pooling 6× faster, small
    convolutions 25 % slower), so a loop over points times both (``_decide_layout``)."""
    formats = {4: torch.channels_last, 5: torch.channels_last_3d}
    return {
        name: t.contiguous(memory_format=formats[t.ndim]) if t.ndim in formats else t
        for name, t in params.items()
    }


@dataclass(frozen=True, eq=False)
class ModuleParts:
    """The user's model as the problem holds it.

    Attributes
    ----------
    evaluator, trainer
        Private copies of the module in eval and train mode.
    names
        The parameters in θ, in ``parameters()`` order (tied ones once).
    fixed
        Everything else ``functional_call`` needs: buffers and the parameters left out of θ.
    loss
        ``loss(output, target)`` (``by_model`` False) or ``loss(model, batch)`` (True).
    metrics
        Named extra quantities of the same form as ``loss``, averaged like it.
    """

    evaluator: nn.Module
    trainer: nn.Module
    names: tuple[str, ...]
    fixed: dict[str, torch.Tensor]
    loss: Callable[..., torch.Tensor]
    by_model: bool
    metrics: Mapping[str, Callable[..., torch.Tensor]] = field(default_factory=dict)
    _spare: dict[bool, list[nn.Module]] = field(
        default_factory=lambda: {False: [], True: []}, repr=False
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @cached_property
    def tied(self) -> bool:
        """Whether a tensor of the model appears under several names (tied weights), which
        ``functional_call`` must then tie (a search over the module at every call, about
        0.05 ms for the BatchNorm CNN example, so done only where needed)."""
        named = [
            *self.evaluator.named_parameters(remove_duplicate=False),
            *self.evaluator.named_buffers(remove_duplicate=False),
        ]
        return len({id(t) for _, t in named}) < len(named)

    @property
    def has_batchnorm(self) -> bool:
        """Whether the model has BatchNorm layers (running statistics that evaluation uses)."""
        return any(isinstance(m, BATCHNORM) for m in self.evaluator.modules())

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("_spare", "_lock")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        fresh = {"_spare": {False: [], True: []}, "_lock": threading.Lock()}
        for key, value in {**state, **fresh}.items():
            object.__setattr__(self, key, value)

    @contextmanager
    def borrowed(self, train: bool = False) -> Iterator[nn.Module]:
        """A copy of the evaluator (or trainer) that no one else uses meanwhile.

        ``functional_call`` swaps tensors into the module while it runs, so two threads (a
        run and the map's critical points) must never call the same module object at once;
        copies are made as needed and kept for the next call (the templates are never called).
        """
        with self._lock:
            spare = self._spare[train]
            module = spare.pop() if spare else None
        if module is None:
            module = copy.deepcopy(self.trainer if train else self.evaluator)
        try:
            yield module
        finally:
            with self._lock:
                self._spare[train].append(module)

    def call(self, p: Mapping[str, torch.Tensor], train: bool = False) -> Callable[..., Any]:
        """The model at parameters ``p`` as a function of its inputs (``functional_call``);
        in train mode on copies of the buffers, which its BatchNorm layers update."""
        fixed = {k: v.clone() for k, v in self.fixed.items()} if train else self.fixed
        state = {**fixed, **p}

        def model(*args: Any, **kwargs: Any) -> Any:
            with self.borrowed(train) as module:
                return functional_call(module, state, args, kwargs, tie_weights=self.tied)

        return model

    def value(
        self,
        p: Mapping[str, torch.Tensor],
        batch: Batch,
        fn: Callable[..., torch.Tensor] | None = None,
        train: bool = False,
    ) -> torch.Tensor:
        """``fn`` (default: the loss) on one batch at parameters ``p``: a scalar."""
        return self.values(p, batch, (self.loss if fn is None else fn,), train)[0]

    def values(
        self,
        p: Mapping[str, torch.Tensor],
        batch: Batch,
        fns: tuple[Callable[..., torch.Tensor], ...],
        train: bool = False,
    ) -> tuple[torch.Tensor, ...]:
        """Each of ``fns`` on one batch at parameters ``p`` (scalars), from one forward pass
        where they are functions of the outputs."""
        model = self.call(p, train)
        if self.by_model:
            return tuple(fn(model, batch) for fn in fns)
        assert isinstance(batch, tuple)
        out = model(batch[0])
        return tuple(fn(out, batch[1]) for fn in fns)

    def recomputed_statistics(
        self, p: Mapping[str, torch.Tensor], train: Batch, step: int
    ) -> dict[str, torch.Tensor]:
        """BatchNorm running statistics recomputed at parameters ``p``: reset, then one pass
        in train mode over the training set ``train`` (chunks of ``step`` samples, cumulative
        averages: momentum None) with gradients off. Returns the buffers to evaluate with."""
        stats = {k: v.clone() for k, v in self.fixed.items()}
        with self.borrowed(train=True) as module:
            return self._recompute(module, stats, p, train, step)

    def _recompute(
        self,
        module: nn.Module,
        stats: dict[str, torch.Tensor],
        p: Mapping[str, torch.Tensor],
        train: Batch,
        step: int,
    ) -> dict[str, torch.Tensor]:
        layers = [(n, m) for n, m in module.named_modules() if isinstance(m, BATCHNORM)]
        for name, layer in layers:
            if layer.track_running_stats:
                prefix = f"{name}." if name else ""
                stats[prefix + "running_mean"].zero_()
                stats[prefix + "running_var"].fill_(1.0)
                stats[prefix + "num_batches_tracked"].zero_()
        momentum = {name: layer.momentum for name, layer in layers}
        state = {**stats, **{k: v.detach() for k, v in p.items()}}

        def model(*args: Any, **kwargs: Any) -> Any:
            return functional_call(module, state, args, kwargs, tie_weights=self.tied)

        try:
            for _, layer in layers:
                layer.momentum = None
            with torch.no_grad():
                for s in range(0, batch_size(train), step):
                    chunk = take(train, slice(s, s + step))
                    if self.by_model:
                        self.loss(model, chunk)
                    else:
                        assert isinstance(chunk, tuple)
                        model(chunk[0])
        finally:
            for name, layer in layers:
                layer.momentum = momentum[name]
        return stats

    def with_evaluator(self, evaluator: nn.Module) -> ModuleParts:
        """The same model evaluated through another module (with its own pool of copies)."""
        return replace(
            self, evaluator=evaluator, _spare={False: [], True: []}, _lock=threading.Lock()
        )

    def to(self, device: torch.device, dtype: torch.dtype) -> ModuleParts:
        def cast(t: torch.Tensor) -> torch.Tensor:
            return t.to(device, dtype if t.is_floating_point() else t.dtype)

        return replace(
            self,
            evaluator=copy.deepcopy(self.evaluator).to(device, dtype),
            trainer=copy.deepcopy(self.trainer).to(device, dtype),
            _spare={False: [], True: []},
            _lock=threading.Lock(),
            fixed={k: cast(v) for k, v in self.fixed.items()},
        )


def correct(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Share of samples whose true class has the unique largest logit: out (m, C), y (m,).

    A tie for the top counts as wrong (as for the built-in networks)."""
    picked = out.gather(-1, y.unsqueeze(-1)).squeeze(-1)
    others = out.scatter(-1, y.unsqueeze(-1), float("-inf")).amax(-1)
    return (others < picked).to(out.dtype).mean()


def bound_values(
    parts: ModuleParts, chunk: Batch, fns: tuple[Callable[..., torch.Tensor], ...]
) -> Callable[[Mapping[str, torch.Tensor]], tuple[torch.Tensor, ...]]:
    return lambda p: parts.values(p, chunk, fns)
