"""The first affine layer of a user's model, precomputed on a plane.

On the plane θ(a, b) = θ₀ + a·d₁ + b·d₂ a layer affine in its own weights, L(x; W, c) = x Wᵀ + c
(``nn.Linear``) or W ⋆ x + c (``nn.Conv1d/2d/3d``), that receives the raw input x (the batch's
input tensor itself) outputs

    L(x; W₀ + a·D₁ + b·D₂, c₀ + a·e₁ + b·e₂) = Z₀ + a·Z₁ + b·Z₂,
    Z₀ = L(x; W₀, c₀),   Z_i = L(x; D_i, e_i) − L(x; 0, 0) = L(x; D_i, e_i),

where (W₀, c₀), (D_i, e_i) are the layer's blocks of θ₀ and d_i (L(x; 0, 0) = 0 for these
layers). So its three outputs over the evaluation set are computed once per plane, and at every
point the layer's matrix product or convolution becomes [1, a, b] @ [Z₀; Z₁; Z₂]: three
multiply-adds per output value.

``first_layer`` finds such a layer on one forward pass over a few samples: the first
``nn.Linear`` / ``nn.Conv*`` (exactly those classes, no hooks of their own) whose positional input
is the input tensor object itself, called once per forward, with all its parameters in θ and
shared with no other module. Other uses of x are fine: only the layer's output is substituted.
There is none for a loss of the model and the batch (``loss(model, batch)``), whose input the
problem does not know.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import torch
from torch import nn
from torch.func import functional_call

from compute.geometry.planes import Plane
from compute.networks.module_data import Batch
from compute.networks.module_parts import ModuleParts, channels_last
from compute.objectives.layout import ParamLayout

AFFINE = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)
CPU_BYTES = 256 << 20
"""At most this much for the three outputs Z₀, Z₁, Z₂ over one evaluation set on the CPU (more:
the plane is evaluated plainly)."""
CUDA_BYTES = 1 << 30
PROBE = 8
"""Samples of the forward pass that finds the layer."""


class Combination(nn.Module):
    """Stands in for the first layer: [1, a, b] @ [Z₀; Z₁; Z₂], from tensors ``functional_call``
    hands in (``basis``: the three on the sample chunk, (3, m, …) with the output's dimensions
    in ``order``; ``coef``: the point's [1, a, b], batched under ``vmap``, where this is one
    (P, 3) @ (3, m·…) product). The output is a view in the layer's own layout (channels-last
    where the convolution gives that)."""

    basis: torch.Tensor
    coef: torch.Tensor

    def __init__(self, order: tuple[int, ...]) -> None:
        super().__init__()
        self.back = [order.index(d) for d in range(len(order))]
        self.register_buffer("basis", torch.zeros(()), persistent=False)
        self.register_buffer("coef", torch.zeros(()), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.coef @ self.basis.reshape(3, -1)
        return out.view(self.basis.shape[1:]).permute(self.back)


def memory_order(out: torch.Tensor) -> tuple[int, ...]:
    """The order of ``out``'s dimensions in memory, samples outermost (a channels-last
    convolution's (0, 2, 3, 1))."""
    strides = out[0].stride()
    return (0, *(1 + d for d in sorted(range(out.ndim - 1), key=lambda d: -strides[d])))


@dataclass(frozen=True, eq=False)
class FirstLayer:
    """A model's first layer that planes can precompute (found by ``first_layer``).

    name : its path in the model (``conv1``; "" where the model is that layer)
    kind : its class (``Conv2d``)
    keys : its parameters' names in θ
    per_sample : its output values per sample
    order : its output's dimensions in memory (``memory_order``) as the loop over points calls
        it (channels-last kernels, see ``channels_last``)
    source : the model
    """

    name: str
    kind: str
    keys: tuple[str, ...]
    per_sample: int
    order: tuple[int, ...]
    source: ModuleParts = field(repr=False)

    @property
    def prefix(self) -> str:
        return f"{self.name}." if self.name else ""

    @cached_property
    def parts(self) -> ModuleParts:
        """The model with the layer replaced by ``Combination`` (its own private copies, one
        made now: not within the first, timed, evaluation)."""
        if self.name:
            module = copy.deepcopy(self.source.evaluator)
            module.set_submodule(self.name, Combination(self.order))
        else:
            module = Combination(self.order)
        parts = self.source.with_evaluator(module)
        with parts.borrowed():
            return parts

    def note(self) -> str:
        return (
            f"first layer {self.name or 'the model'} ({self.kind}) computed once per plane "
            "as Z₀ + a·Z₁ + b·Z₂ (its outputs at θ₀, d₁, d₂) where timing finds that faster"
        )

    def fits(self, samples: int, device: torch.device, dtype: torch.dtype) -> bool:
        """Whether Z₀, Z₁, Z₂ over ``samples`` samples fit the budget."""
        budget = CUDA_BYTES if device.type == "cuda" else CPU_BYTES
        return 3 * samples * self.per_sample * dtype.itemsize <= budget

    def on_plane(self, plane: Plane, layout: ParamLayout, x: torch.Tensor) -> PlaneFirstLayer:
        return PlaneFirstLayer(self, plane, layout, x)


class PlaneFirstLayer:
    """Z₀, Z₁, Z₂ of the first layer over one evaluation set (inputs ``x``) on one plane.

    Points are θ's rows extended by their [1, a, b]: (P, n + 3). The Z's are kept in the
    layer's layout of the loop over points (``FirstLayer.order``), so the layers after see the
    same layout either way."""

    def __init__(
        self, layer: FirstLayer, plane: Plane, layout: ParamLayout, x: torch.Tensor
    ) -> None:
        self.layer, self.layout = layer, layout
        order = layer.order
        with torch.no_grad(), layer.source.borrowed() as module:
            affine = module.get_submodule(layer.name)
            for i, v in enumerate((plane.origin, plane.d1, plane.d2)):
                z = functional_call(affine, channels_last(self._own(layout.unflatten(v))), (x,))
                if i == 0:
                    self.basis = z.new_empty(3, *(z.shape[d] for d in order))
                self.basis[i] = z.permute(order)

    def _own(self, p: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {k.removeprefix(self.layer.prefix): p[k] for k in self.layer.keys}

    @staticmethod
    def rows(theta: torch.Tensor, coords: torch.Tensor) -> torch.Tensor:
        """θ (P, n) and (a, b) (P, 2) → the points as this evaluates them (P, n + 3)."""
        return torch.cat([theta, torch.ones_like(coords[:, :1]), coords], dim=-1)

    def unflatten(self, row: torch.Tensor) -> dict[str, torch.Tensor]:
        """One row (n + 3,) → the tensors ``functional_call`` needs but the basis."""
        n = self.layout.size
        p = self.layout.unflatten(row[:n])
        out = {k: v for k, v in p.items() if k not in self.layer.keys}
        out[self.layer.prefix + "coef"] = row[n:]
        return out

    def bound(
        self, samples: slice, chunk: Batch, fns: tuple[Callable[..., torch.Tensor], ...]
    ) -> Callable[[Mapping[str, torch.Tensor]], tuple[torch.Tensor, ...]]:
        """``fns`` on the sample chunk ``samples`` of the evaluation set (``chunk``) at a point
        (``unflatten``'s tensors)."""
        basis, parts = {self.layer.prefix + "basis": self.basis[:, samples]}, self.layer.parts
        return lambda p: parts.values({**p, **basis}, chunk, fns)


def first_layer(parts: ModuleParts, batch: Batch) -> FirstLayer | None:
    """The model's first affine layer that sees the raw input (see the module's docstring),
    found by forward hooks on one pass over a few samples of ``batch``; None where there is
    none."""
    if parts.by_model or not isinstance(batch, tuple):
        return None
    x = batch[0][:PROBE]
    calls: list[tuple[str, bool, int]] = []  # (module, input is x, outputs per sample)

    def record(name: str) -> Callable[[nn.Module, tuple[Any, ...], Any], None]:
        def hook(_: nn.Module, args: tuple[Any, ...], out: Any) -> None:
            size = out.numel() // len(x) if isinstance(out, torch.Tensor) else 0
            calls.append((name, bool(args) and args[0] is x, size))

        return hook

    with parts.borrowed() as module:
        modules = dict(module.named_modules())
        hooked = {n for n, m in modules.items() if m._forward_hooks or m._forward_pre_hooks}
        handles = [m.register_forward_hook(record(n)) for n, m in modules.items()]
        try:
            with torch.no_grad():
                module(x)
        finally:
            for h in handles:
                h.remove()
        found = next((c for c in calls if c[1] and type(modules[c[0]]) in AFFINE), None)
        if found is None or found[0] in hooked or sum(c[0] == found[0] for c in calls) != 1:
            return None
        name, layer = found[0], modules[found[0]]
        prefix = f"{name}." if name else ""
        own = dict(layer.named_parameters())
        keys = tuple(prefix + k for k in own)
        ids = {id(p) for p in own.values()}
        shared = any(
            id(p) in ids and not n.startswith(prefix)
            for n, p in module.named_parameters(remove_duplicate=False)
        )
        if shared or not set(keys) <= set(parts.names):
            return None
        with torch.no_grad():
            order = memory_order(functional_call(layer, channels_last(own), (x,)))
    return FirstLayer(name, type(layer).__name__, keys, found[2], order, parts)
