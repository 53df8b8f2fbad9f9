"""Several points of a user's model in one forward pass: the activations of P points stacked.

At P points θ_1 … θ_P the model's traced graph runs once on stacked tensors instead of P times:

* a convolution of the shared input x with each point's kernel is one convolution with the
  kernels stacked along output channels, [conv(x; W_p, b_p)]_p = conv(x; [W_1; …; W_P],
  [b_1; …; b_P]);
* a convolution of stacked activations is a grouped convolution with P groups (times the
  layer's own): channel block p meets W_p only;
* BatchNorm in eval mode (μ, σ² repeated P times), ReLU and other elementwise functions, and
  pooling act per channel, so on the stacked tensor as on each point's;
* flatten turns channel-stacked activations (N, P·C, …) into rows per point (P, N, C·…), and a
  linear layer with each point's weights is a batched product, y_p = x_p W_pᵀ + b_p;
* the loss and metrics are then applied to each point's outputs.

Nothing mixes points, so a NaN at one point stays there. A graph with anything else (an
operation whose meaning per channel is not known here, a loss of the model) is not stacked,
and the model runs one point at a time or under ``vmap`` as before.

Why by hand: ``torch.func.vmap`` builds the same grouped convolutions but adds each point's bias
in a pass of its own and moves the point axis around the other operations; on the BatchNorm
CNN example (2 threads) it takes 2.4 ms per point at 4 points, one point at a time 2.2 ms, this
1.8–1.9 ms. Whether stacking pays is the model's affair, so ``ChunkedEvaluation`` times it
against the other ways on the first chunk and uses it only where it gives their values.
"""

from __future__ import annotations

import copy
import operator
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import fx, nn

from compute.networks.module_fusion import (
    CONV_FUNCTIONS,
    CONVOLUTIONS,
    POOL_FUNCTIONS,
    POOL_MODULES,
    ConvBatchNorm,
    StridedMaxPool,
)


class NotStackable(Exception):
    """The graph holds an operation this module cannot run on stacked points."""


@dataclass(frozen=True)
class Channels:
    """P points' activations stacked along the channel axis: (N, P·C, *rest)."""

    t: torch.Tensor
    points: int

    def per_point(self) -> Points:
        n, pc, *rest = self.t.shape
        return Points(self.t.reshape(n, self.points, pc // self.points, *rest).movedim(1, 0))


@dataclass(frozen=True)
class Points:
    """P points' values along a leading axis: (P, *each point's shape)."""

    t: torch.Tensor

    @property
    def points(self) -> int:
        return self.t.shape[0]

    def stacked(self) -> Channels:
        if self.t.ndim < 3:
            raise NotStackable("a per-point value without a channel axis")
        p, n, c, *rest = self.t.shape
        return Channels(self.t.movedim(0, 1).reshape(n, p * c, *rest), p)


Stacked = Channels | Points

ELEMENTWISE_FUNCTIONS = {
    F.relu,
    torch.relu,
    torch.relu_,
    F.relu_,
    torch.sigmoid,
    torch.tanh,
    F.gelu,
    F.silu,
    F.leaky_relu,
    F.elu,
    F.hardtanh,
    F.softplus,
}
ELEMENTWISE_MODULES = (
    nn.ReLU,
    nn.Sigmoid,
    nn.Tanh,
    nn.GELU,
    nn.SiLU,
    nn.LeakyReLU,
    nn.ELU,
    nn.Hardtanh,
    nn.Softplus,
)
ELEMENTWISE_METHODS = {"relu", "relu_", "sigmoid", "tanh", "contiguous"}
CHANNELWISE_FUNCTIONS = {
    *POOL_FUNCTIONS,
    F.avg_pool1d,
    F.avg_pool2d,
    F.avg_pool3d,
    F.adaptive_avg_pool1d,
    F.adaptive_avg_pool2d,
    F.adaptive_avg_pool3d,
    F.adaptive_max_pool1d,
    F.adaptive_max_pool2d,
    F.adaptive_max_pool3d,
}
CHANNELWISE_MODULES = (
    *POOL_MODULES,
    StridedMaxPool,
    nn.AvgPool1d,
    nn.AvgPool2d,
    nn.AvgPool3d,
    nn.AdaptiveAvgPool1d,
    nn.AdaptiveAvgPool2d,
    nn.AdaptiveAvgPool3d,
    nn.AdaptiveMaxPool1d,
    nn.AdaptiveMaxPool2d,
    nn.AdaptiveMaxPool3d,
)
"""Operations on the last (spatial) axes of each channel: the same on channel-stacked points."""
SPATIAL_REDUCTIONS = {"mean", "amax", "sum"}
"""Methods that reduce over spatial axes (given as axes ≥ 2) of channel-stacked activations."""
ARITHMETIC = {operator.add, operator.iadd, operator.sub, operator.mul, torch.add, torch.mul}
IDENTITY_MODULES = (nn.Identity, nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d)
"""Modules that are the identity in eval mode."""


def _stacked(*values: Any) -> list[Stacked]:
    return [v for v in values if isinstance(v, (Channels, Points))]


def _per_point(v: Any, points: int, dims: int) -> Any:
    """A tensor that may carry a point axis (P, …) on top of ``dims`` axes, with one."""
    if isinstance(v, Points) or v is None:
        return None if v is None else v.t
    return v.expand(points, *v.shape) if v.ndim == dims else v


def _conv(
    x: Any,
    weight: Any,
    bias: Any,
    dims: int,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Any:
    """conv_dims at every point (see the module's docstring): the kernels (P, C_out, …) of the
    points stacked along output channels, grouped P times more where the input is stacked."""
    conv = CONV_FUNCTIONS[dims]
    stacked = _stacked(x, weight, bias)
    if not stacked:
        return conv(x, weight, bias, stride, padding, dilation, groups)
    p = stacked[0].points
    w = _per_point(weight, p, dims + 2)  # (P, C_out, C_in / groups, *k)
    w = w.reshape(-1, *w.shape[2:])
    b = _per_point(bias, p, 1)
    b = None if b is None else b.reshape(-1)
    if not isinstance(x, (Channels, Points)):
        if groups == 1:
            return Channels(conv(x, w, b, stride, padding, dilation, 1), p)
        x = Channels(x.repeat(1, p, *([1] * dims)), p)  # the shared input once per point
    x = x.stacked() if isinstance(x, Points) else x
    return Channels(conv(x.t, w, b, stride, padding, dilation, groups * p), p)


def _linear(x: Any, weight: Any, bias: Any = None) -> Any:
    """x_p W_pᵀ + b_p at every point: (P, N, …, in) @ (P, 1…, in, out) + (P, 1…, out)."""
    stacked = _stacked(x, weight, bias)
    if not stacked:
        return F.linear(x, weight, bias)
    p = stacked[0].points
    x = x.per_point() if isinstance(x, Channels) else x
    xt = x.t if isinstance(x, Points) else x.expand(p, *x.shape)
    ones = [1] * (xt.ndim - 3)
    w = _per_point(weight, p, 2).transpose(-1, -2)
    out = torch.matmul(xt, w.reshape(p, *ones, *w.shape[1:]))
    b = _per_point(bias, p, 1)
    return Points(out if b is None else out + b.reshape(p, *ones, 1, -1))


def _batch_norm(x: Any, mean: Any, var: Any, weight: Any, bias: Any, eps: float) -> Any:
    """Eval-mode BatchNorm at every point: per channel, so shared statistics repeat P times."""
    stacked = _stacked(x, mean, var, weight, bias)
    if not stacked:
        return F.batch_norm(x, mean, var, weight, bias, False, 0.0, eps)
    p = stacked[0].points
    if not isinstance(x, (Channels, Points)):
        x = Channels(x.repeat(1, p, *([1] * (x.ndim - 2))), p)
    x = x.stacked() if isinstance(x, Points) else x

    def along_channels(v: Any) -> Any:
        return None if v is None else _per_point(v, p, 1).reshape(-1)

    statistics = along_channels(mean), along_channels(var)
    out = F.batch_norm(
        x.t, *statistics, along_channels(weight), along_channels(bias), False, 0.0, eps
    )
    return Channels(out, p)


def _flatten(x: Any, start: int = 0, end: int = -1) -> Any:
    """torch.flatten of each point's value (axes counted per point)."""
    if isinstance(x, Channels):
        if start == 1 and end in (-1, x.t.ndim - 1):  # (N, P·C, …) → (P, N, C·…)
            return Points(x.t.reshape(x.t.shape[0], x.points, -1).movedim(1, 0))
        if start >= 2 and (end < 0 or end >= start):
            return Channels(x.t.flatten(start, end), x.points)
        x = x.per_point()
    if isinstance(x, Points):
        return Points(x.t.flatten(start + 1 if start >= 0 else start, end + 1 if end >= 0 else end))
    return torch.flatten(x, start, end)


def _arithmetic(fn: Callable[..., Any], a: Any, b: Any) -> Any:
    """a ∘ b at every point: of two channel-stacked values as they are, else per point with
    each point's shapes broadcast (singleton axes after the point axis), or with a number."""
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        raise NotStackable("a point's value combined with a shared tensor")
    if isinstance(a, Channels) and isinstance(b, Channels):
        return Channels(fn(a.t, b.t), a.points)
    if not isinstance(a, (Channels, Points)) or not isinstance(b, (Channels, Points)):
        kind = a if isinstance(a, (Channels, Points)) else b
        out = fn(*(v.t if v is kind else v for v in (a, b)))
        return Channels(out, kind.points) if isinstance(kind, Channels) else Points(out)
    ta, tb = (v.per_point().t if isinstance(v, Channels) else v.t for v in (a, b))
    rank = max(ta.ndim, tb.ndim)
    ta, tb = (t.reshape(t.shape[0], *([1] * (rank - t.ndim)), *t.shape[1:]) for t in (ta, tb))
    return Points(fn(ta, tb))


@dataclass(frozen=True)
class Stacking:
    """A traced model run at P points at once: ``outputs(params, fixed, x)`` → P outputs.

    ``params`` hold θ's tensors with a leading point axis (P, …); ``fixed`` the buffers and
    frozen parameters, shared by all points."""

    graph: fx.GraphModule

    @classmethod
    def of(cls, evaluator: nn.Module) -> Stacking:
        """The eval-mode ``evaluator`` as a graph (traced here unless it is one already);
        raises NotStackable where fx cannot trace it."""
        if isinstance(evaluator, fx.GraphModule):
            return cls(evaluator)
        try:
            return cls(fx.symbolic_trace(copy.deepcopy(evaluator)).eval())
        except Exception as exc:  # any model fx cannot trace is not stacked
            raise NotStackable(f"fx cannot trace the model: {exc}") from None

    def outputs(
        self,
        params: Mapping[str, torch.Tensor],
        fixed: Mapping[str, torch.Tensor],
        x: torch.Tensor,
    ) -> list[Any]:
        """The model's output at each of the P points whose parameters ``params`` hold."""
        points = next(iter(params.values())).shape[0]
        env: dict[fx.Node, Any] = {}
        for node in self.graph.graph.nodes:
            args = fx.node.map_arg(node.args, env.__getitem__)
            kwargs = fx.node.map_arg(node.kwargs, env.__getitem__)
            if node.op == "placeholder":
                if env:
                    raise NotStackable("a model with several inputs")
                env[node] = x
            elif node.op == "get_attr":
                env[node] = self._tensor(str(node.target), params, fixed)
            elif node.op == "output":
                return self._per_point(args[0], points)
            else:
                env[node] = self._run(node, args, kwargs, params, fixed)
        raise NotStackable("a graph without output")

    def _tensor(
        self, name: str, params: Mapping[str, torch.Tensor], fixed: Mapping[str, torch.Tensor]
    ) -> Any:
        if name in params:
            return Points(params[name])
        if name in fixed:
            return fixed[name]
        owner, _, attr = name.rpartition(".")
        return getattr(self.graph.get_submodule(owner), attr)

    @staticmethod
    def _per_point(out: Any, points: int) -> list[Any]:
        if isinstance(out, Channels):
            out = out.per_point()
        if isinstance(out, Points):
            return list(out.t.unbind(0))
        if isinstance(out, torch.Tensor):
            return [out] * points
        raise NotStackable("the model's output is not one tensor")

    def _run(
        self,
        node: fx.Node,
        args: Sequence[Any],
        kwargs: Mapping[str, Any],
        params: Mapping[str, torch.Tensor],
        fixed: Mapping[str, torch.Tensor],
    ) -> Any:
        found: list[Stacked] = []
        fx.node.map_aggregate(  # stacked values anywhere in the arguments, lists included
            (args, kwargs), lambda v: found.append(v) if isinstance(v, (Channels, Points)) else v
        )
        stacked = bool(found)
        if node.op == "call_module":
            module = self.graph.get_submodule(str(node.target))
            prefix = f"{node.target}."
            if not stacked and not any(prefix + n in params for n, _ in module.named_parameters()):
                return module(*args, **kwargs)  # the same at every point
            if any(n.count(".") for n, _ in module.named_parameters()):
                raise NotStackable(f"{type(module).__name__} with parameters of submodules")
            tensors = [
                *module.named_parameters(recurse=False),
                *module.named_buffers(recurse=False),
            ]
            own = {n: self._tensor(prefix + n, params, fixed) for n, _ in tensors}
            return self._module(module, own, args, kwargs)
        if not stacked:
            fn = node.target if node.op == "call_function" else getattr(args[0], str(node.target))
            rest = args if node.op == "call_function" else args[1:]
            assert callable(fn)
            return fn(*rest, **kwargs)
        if node.op == "call_function":
            return self._function(node.target, args, kwargs)
        return self._method(str(node.target), args, kwargs)

    @staticmethod
    def _module(
        module: nn.Module, own: Mapping[str, Any], args: Sequence[Any], kwargs: Mapping[str, Any]
    ) -> Any:
        if kwargs or len(args) != (7 if isinstance(module, ConvBatchNorm) else 1):
            raise NotStackable(f"{type(module).__name__} called with other arguments")
        x = args[0]
        if isinstance(module, ConvBatchNorm):
            folded, shift = _fold(module, args[1:])
            return _conv(x, folded, shift, module.dims, *module.conv_args)
        if isinstance(module, nn.modules.conv._ConvNd) and type(module) in CONVOLUTIONS:
            if module.padding_mode != "zeros":
                raise NotStackable(f"padding mode {module.padding_mode}")
            conv_args = (module.stride, module.padding, module.dilation, module.groups)
            dims = CONVOLUTIONS[type(module)]
            return _conv(x, own["weight"], own.get("bias"), dims, *conv_args)
        if type(module) is nn.Linear:
            return _linear(x, own["weight"], own.get("bias"))
        if isinstance(module, nn.modules.batchnorm._BatchNorm) and not module.training:
            if not module.track_running_stats:
                raise NotStackable("BatchNorm without running statistics")
            return _batch_norm(
                x,
                own["running_mean"],
                own["running_var"],
                own.get("weight"),
                own.get("bias"),
                module.eps,
            )
        if own and any(isinstance(v, Points) for v in own.values()):
            raise NotStackable(f"{type(module).__name__} with parameters")
        if isinstance(module, IDENTITY_MODULES) and not module.training:
            return x
        if isinstance(module, ELEMENTWISE_MODULES):
            return _elementwise(module, x)
        if isinstance(module, CHANNELWISE_MODULES):
            return _channelwise(module, x)
        if type(module) is nn.Flatten:
            return _flatten(x, module.start_dim, module.end_dim)
        raise NotStackable(f"{type(module).__name__}")

    @staticmethod
    def _function(fn: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        if fn in ELEMENTWISE_FUNCTIONS:
            return _elementwise(lambda t: fn(t, *args[1:], **kwargs), args[0])
        if fn in CHANNELWISE_FUNCTIONS:
            if kwargs.get("return_indices") or (fn in POOL_FUNCTIONS and len(args) > 6):
                raise NotStackable("pooling that returns indices")
            return _channelwise(lambda t: fn(t, *args[1:], **kwargs), args[0])
        if fn is torch.flatten:
            return _flatten(*args, **kwargs)
        if fn is F.dropout and not kwargs.get("training", args[2] if len(args) > 2 else True):
            return args[0]
        if fn is F.linear:
            return _linear(*args, **kwargs)
        if fn in CONV_FUNCTIONS.values() and not kwargs:
            dims = {v: k for k, v in CONV_FUNCTIONS.items()}[fn]
            return _conv(args[0], args[1], args[2] if len(args) > 2 else None, dims, *args[3:])
        if fn in ARITHMETIC and len(args) == 2 and not kwargs:
            return _arithmetic(fn, *args)
        raise NotStackable(f"{getattr(fn, '__name__', fn)}")

    @staticmethod
    def _method(name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        x = args[0]
        if name in ELEMENTWISE_METHODS and len(args) == 1 and not kwargs:
            return _elementwise(lambda t: getattr(t, name)(), x)
        if name == "flatten":
            return _flatten(*args, **kwargs)
        samples = x.t.shape[0] if isinstance(x, Channels) else x.t.shape[1]
        if name == "size" and args[1:] == (0,):
            return samples
        if name in ("view", "reshape") and tuple(args[1:]) == (samples, -1):
            return _flatten(x, 1)  # x.view(x.size(0), -1)
        if name in SPATIAL_REDUCTIONS:  # global pooling: per channel
            x = x.stacked() if isinstance(x, Points) else x
            dims = kwargs.get("dim", args[1] if len(args) > 1 else None)
            dims = (dims,) if isinstance(dims, int) else dims
            rest = {k: v for k, v in kwargs.items() if k != "dim"}
            if dims and all(2 <= d < x.t.ndim for d in dims) and len(args) <= 2:
                return Channels(getattr(x.t, name)(tuple(dims), **rest), x.points)
        raise NotStackable(f"the method {name}")


def _fold(module: ConvBatchNorm, tensors: Sequence[Any]) -> tuple[Any, Any]:
    """``ConvBatchNorm.fold`` at every point (its arguments broadcast over the point axis)."""
    stacked = _stacked(*tensors)
    folded, shift = module.fold(*(v.t if isinstance(v, Points) else v for v in tensors))
    if not stacked:
        return folded, shift
    p = stacked[0].points
    return Points(_per_point(folded, p, module.dims + 2)), Points(_per_point(shift, p, 1))


def _elementwise(fn: Callable[[torch.Tensor], torch.Tensor], x: Any) -> Any:
    if isinstance(x, Channels):
        return Channels(fn(x.t), x.points)
    return Points(fn(x.t))


def _channelwise(fn: Callable[[torch.Tensor], torch.Tensor], x: Any) -> Any:
    x = x.stacked() if isinstance(x, Points) else x
    return Channels(fn(x.t), x.points)


_TRACED: weakref.WeakKeyDictionary[nn.Module, Stacking | None] = weakref.WeakKeyDictionary()


def stacking_of(evaluator: nn.Module) -> Stacking | None:
    """``Stacking.of(evaluator)``, or None where fx cannot trace it (a model that is not
    a graph already is traced once and remembered while it lives)."""
    if isinstance(evaluator, fx.GraphModule):
        return Stacking(evaluator)
    if evaluator not in _TRACED:
        try:
            _TRACED[evaluator] = Stacking.of(evaluator)
        except NotStackable:
            _TRACED[evaluator] = None
    return _TRACED[evaluator]
