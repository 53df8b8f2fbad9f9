"""A user's model rewritten for the landscape's values: the same function, fewer passes over the
activations.

Only values without gradients (maps, basin and field grids) go through the rewritten model;
gradients, Hessian products and training use the module as written. ``torch.fx`` traces the
eval-mode copy (a model it cannot trace is used as written) and these exact rewrites apply:

* **BatchNorm folded into the convolution before it.** In eval mode BatchNorm is a per-channel
  affine map, so bn(conv(x; W, b)) = conv(x; W·s, (b − μ)·s + β) with s = γ / √(σ² + ε) over
  output channels (μ, σ² the running statistics). The fold is done at every point, from that
  point's W, b, γ, β, so it holds on the whole landscape, and saves one pass over the
  convolution's output. Only where the convolution's output feeds nothing else.
* **ReLU after max-pooling.** max over a window commutes with ReLU (monotone), so
  maxpool(relu(z)) = relu(maxpool(z)) exactly (every window holds at least one input: PyTorch
  caps padding at half the kernel), and the ReLU runs on the pooled, smaller tensor.
* **Non-overlapping max-pooling as a maximum of strided views.** With kernel = stride = k, no
  padding or dilation, maxpool(z) is the elementwise maximum of the k views z[..., i::k, :] of
  one axis, then of the next (bit for bit, NaN included). PyTorch's CPU kernel for NCHW
  tensors with small planes is slow (the BatchNorm CNN example's 8×8 planes: 1.7 ms against
  0.18 ms for the views).
* **In-place ReLU** on the fresh output of a rewritten node that feeds only the ReLU.

The rewritten model is checked against the written one at θ₀ and at a perturbed point before it
is used (``fused_parts``); any disagreement beyond float32 round-off keeps the written one. It
is then used where timing finds it faster (``graph`` of a problem's measured choices).
torch.compile would fuse more, but its compile time on the CPU (15 s for the BatchNorm CNN
example) exceeds a whole 41×41 map, and it needs a C++ compiler on the user's machine; no
library folds BatchNorm into convolutions whose weights change at every call (torch.fx's
``optimization.fuse`` bakes the weights in), hence these few lines.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeGuard

import torch
import torch.nn.functional as F
from torch import fx, nn

from compute.networks.module_data import Batch, take
from compute.networks.module_parts import ModuleParts
from compute.objectives.layout import ParamLayout

CHECK_SAMPLES = 256
"""Samples on which the rewritten model must give the written one's outputs."""

CONVOLUTIONS = {nn.Conv1d: 1, nn.Conv2d: 2, nn.Conv3d: 3}
BATCHNORMS = {nn.BatchNorm1d: 1, nn.BatchNorm2d: 2, nn.BatchNorm3d: 3}
CONV_FUNCTIONS: dict[int, Callable[..., torch.Tensor]] = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
RELU_FUNCTIONS = (F.relu, torch.relu)
POOL_FUNCTIONS = (F.max_pool1d, F.max_pool2d, F.max_pool3d)
POOL_MODULES = (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)


class ConvBatchNorm(nn.Module):
    """bn(conv(x; W, b)) in eval mode as one convolution: conv(x; W·s, (b − μ)·s + β),
    s = γ / √(σ² + ε) per output channel (γ = 1, β = 0 without affine parameters).

    A module without tensors of its own (W, b, γ, β, μ, σ² are the call's arguments, read from
    the model's attributes at each call): a leaf wherever a traced graph is traced again (fx
    rebuilds a pickled graph by tracing its code, and keeps modules)."""

    def __init__(
        self, eps: float, stride: Any, padding: Any, dilation: Any, groups: int, dims: int
    ):
        super().__init__()
        self.eps, self.conv_args, self.dims = eps, (stride, padding, dilation, groups), dims

    def fold(
        self,
        weight: torch.Tensor,
        bias: torch.Tensor | None,
        gamma: torch.Tensor | None,
        beta: torch.Tensor | None,
        mean: torch.Tensor,
        var: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(W·s, (b − μ)·s + β); W, b, γ, β may carry leading point axes (P, …), which
        broadcast (``module_stacking`` folds P points' kernels at once)."""
        s = torch.rsqrt(var + self.eps)
        if gamma is not None:
            s = s * gamma
        folded = weight * s.reshape(*s.shape, *([1] * (self.dims + 1)))  # keeps W's layout
        shift = -mean * s if bias is None else (bias - mean) * s
        if beta is not None:
            shift = shift + beta
        return folded, shift

    def forward(self, x: torch.Tensor, *tensors: Any) -> torch.Tensor:
        """conv(x) with ``fold``'s tensors W, b, γ, β, μ, σ² (in that order)."""
        folded, shift = self.fold(*tensors)
        return CONV_FUNCTIONS[self.dims](x, folded, shift, *self.conv_args)


class StridedMaxPool(nn.Module):
    """Max-pooling of the last ``dims`` axes with kernel = stride = k ≥ 2, no padding (floor
    mode: a remainder that fills no window is dropped), one axis at a time: the maximum of the
    k strided views z[..., i::k, :] over the first pooled axis, then of the result's over the
    next (the window's maximum is the maximum of its rows' maxima; NaN propagates as in
    max-pooling). The first axis' views keep contiguous rows, which makes this 1.5× faster
    than the k^dims views at once."""

    def __init__(self, k: int, dims: int):
        super().__init__()
        self.k, self.dims = k, dims

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        k = self.k
        for axis in range(z.ndim - self.dims, z.ndim):
            end = (z.shape[axis] // k) * k
            views = [z[(*([slice(None)] * axis), slice(o, end, k))] for o in range(k)]
            out = torch.maximum(views[0], views[1])
            for view in views[2:]:
                torch.maximum(out, view, out=out)
            z = out
        return z


class Modules:
    """``gm``'s submodules by qualified name, as they are now (rewrites add some)."""

    def __init__(self, gm: fx.GraphModule):
        self.gm = gm

    def __getitem__(self, target: object) -> Any:
        return self.gm.get_submodule(str(target))


def _add(gm: fx.GraphModule, module: nn.Module) -> str:
    """``module`` as a new submodule of ``gm`` under a name no parameter or buffer uses."""
    i = 0
    while hasattr(gm, f"fused_{i}"):
        i += 1
    gm.add_submodule(f"fused_{i}", module)
    return f"fused_{i}"


@dataclass(frozen=True)
class Fusion:
    """A rewritten evaluator and what was rewritten, in words."""

    module: fx.GraphModule
    folds: tuple[str, ...]
    pools: tuple[str, ...]
    strided: tuple[str, ...]

    def note(self) -> str:
        parts = []
        if self.folds:
            parts.append(
                "BatchNorm folded into the convolution before it (" + ", ".join(self.folds) + ")"
            )
        if self.pools:
            parts.append("ReLU applied after max-pooling (" + ", ".join(self.pools) + ")")
        if self.strided:
            parts.append(
                "max-pooling as a maximum of strided views (" + ", ".join(self.strided) + ")"
            )
        return (
            "values computed, where timing finds that faster, with "
            + "; ".join(parts)
            + ": the same function, float32 round-off apart (gradients use the model as written)"
        )


def _fold_batchnorms(gm: fx.GraphModule) -> list[str]:
    """Replace each eval-mode BatchNorm fed only by a convolution with ``ConvBatchNorm``."""
    modules = Modules(gm)
    graph, done = gm.graph, []
    for node in list(graph.nodes):
        if node.op != "call_module" or len(node.args) != 1 or node.kwargs:
            continue
        bn = modules[node.target]
        source = node.args[0]
        if not (isinstance(source, fx.Node) and source.op == "call_module"):
            continue
        conv = modules[source.target]
        dims = CONVOLUTIONS.get(type(conv))
        if (
            dims is None
            or BATCHNORMS.get(type(bn)) != dims
            or bn.training
            or not bn.track_running_stats
            or conv.padding_mode != "zeros"
            or len(source.users) != 1
            or len(source.args) != 1
            or source.kwargs
        ):
            continue

        def attr(owner: object, name: str, present: bool) -> fx.Node | None:
            return graph.get_attr(f"{owner}.{name}") if present else None

        folded = ConvBatchNorm(bn.eps, conv.stride, conv.padding, conv.dilation, conv.groups, dims)
        with graph.inserting_before(node):
            fused = graph.call_module(
                _add(gm, folded),
                (
                    source.args[0],
                    attr(source.target, "weight", True),
                    attr(source.target, "bias", conv.bias is not None),
                    attr(node.target, "weight", bn.affine),
                    attr(node.target, "bias", bn.affine),
                    attr(node.target, "running_mean", True),
                    attr(node.target, "running_var", True),
                ),
            )
        node.replace_all_uses_with(fused)
        graph.erase_node(node)
        graph.erase_node(source)
        done.append(f"{node.target} into {source.target}")
    return done


def _is_relu(node: object, modules: Modules) -> TypeGuard[fx.Node]:
    if not isinstance(node, fx.Node):
        return False
    if node.op == "call_function" and node.target in RELU_FUNCTIONS:
        return not node.kwargs.get("inplace", False) and len(node.args) == 1
    if node.op == "call_method" and node.target == "relu":
        return len(node.args) == 1 and not node.kwargs
    if node.op != "call_module":
        return False
    module = modules[node.target]
    return type(module) is nn.ReLU and not module.inplace


def _is_max_pool(node: fx.Node, modules: Modules) -> bool:
    if node.op == "call_function" and node.target in POOL_FUNCTIONS:
        return not node.kwargs.get("return_indices", False) and len(node.args) <= 6
    if node.op == "call_module" and isinstance(modules[node.target], POOL_MODULES):
        return not modules[node.target].return_indices
    return False


def _max_pools(gm: fx.GraphModule) -> Iterator[tuple[fx.Node, Modules]]:
    """The graph's max-pooling nodes that return no indices (a snapshot: rewrites may follow
    each), with ``gm``'s submodules."""
    modules = Modules(gm)
    for node in list(gm.graph.nodes):
        if _is_max_pool(node, modules) and node.args:
            yield node, modules


def _pools_before_relus(gm: fx.GraphModule) -> list[str]:
    """maxpool(relu(z)) → relu(maxpool(z)) where the ReLU feeds only the pooling."""
    graph, done = gm.graph, []
    for node, modules in _max_pools(gm):
        relu = node.args[0]
        if not _is_relu(relu, modules) or len(relu.users) != 1:
            continue
        z = relu.args[0]
        if not isinstance(z, fx.Node):  # ReLU of a constant: nothing to move
            continue
        node.replace_input_with(relu, z)
        with graph.inserting_after(node):
            after = graph.call_function(torch.relu, (node,))

        def others(user: fx.Node, after: fx.Node = after) -> bool:
            return user is not after

        node.replace_all_uses_with(after, delete_user_cb=others)
        graph.erase_node(relu)
        done.append(str(node.name))
    return done


def _pool_window(node: fx.Node, modules: Modules) -> tuple[int, int] | None:
    """(k, dims) of a max-pooling with kernel = stride = k (one k on every axis), no padding,
    dilation or ceil mode, else None."""
    names = ("kernel_size", "stride", "padding", "dilation", "ceil_mode")
    given: dict[str, Any]
    if node.op == "call_module":
        pool = modules[node.target]
        dims = POOL_MODULES.index(type(pool)) + 1
        given = {name: getattr(pool, name) for name in names}
    else:
        dims = POOL_FUNCTIONS.index(node.target) + 1
        given = dict(zip(names, node.args[1:], strict=False)) | dict(node.kwargs)
    k = _one(given.get("kernel_size"), dims)
    if k is None or k < 2 or given.get("ceil_mode", False) is not False:
        return None
    if _one(given.get("padding", 0), dims) != 0 or _one(given.get("dilation", 1), dims) != 1:
        return None
    stride = given.get("stride")
    if stride not in (None, ()) and _one(stride, dims) != k:
        return None
    return k, dims


def _one(value: object, dims: int) -> int | None:
    """The int ``value`` stands for on every one of ``dims`` axes, else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, (tuple, list)) and len(value) == dims and len(set(value)) == 1:
        return _one(value[0], dims)
    return None


def _strided_pools(gm: fx.GraphModule) -> list[str]:
    """Non-overlapping max-pooling → ``StridedMaxPool``."""
    graph, done = gm.graph, []
    for node, modules in _max_pools(gm):
        window = _pool_window(node, modules)
        if window is None:
            continue
        with graph.inserting_before(node):
            strided = graph.call_module(_add(gm, StridedMaxPool(*window)), (node.args[0],))
        node.replace_all_uses_with(strided)
        graph.erase_node(node)
        done.append(str(node.name))
    return done


def _relus_in_place(gm: fx.GraphModule) -> None:
    """ReLU in place on a rewritten node's output (fresh, owned by no one else) that feeds
    only the ReLU."""
    modules = Modules(gm)
    for node in list(gm.graph.nodes):
        if node.op != "call_function" or node.target not in RELU_FUNCTIONS:
            continue
        plain = len(node.args) == 1 and dict(node.kwargs) in ({}, {"inplace": False})
        source = node.args[0] if plain else None
        if (
            isinstance(source, fx.Node)
            and source.op == "call_module"
            and isinstance(modules[source.target], (ConvBatchNorm, StridedMaxPool))
            and len(source.users) == 1
        ):
            node.target, node.kwargs = torch.relu_, {}


def fusion_of(evaluator: nn.Module) -> Fusion | None:
    """The eval-mode ``evaluator`` traced and rewritten (see the module's docstring), or None
    where it cannot be traced or nothing applies. Its parameters and buffers keep their names,
    so ``functional_call`` takes the same tensors."""
    try:
        gm = fx.symbolic_trace(copy.deepcopy(evaluator))
    except Exception:  # any model fx cannot trace is used as written
        return None
    folds, pools, strided = _fold_batchnorms(gm), _pools_before_relus(gm), _strided_pools(gm)
    if not folds and not pools and not strided:
        return None
    _relus_in_place(gm)
    gm.graph.lint()
    gm.recompile()
    return Fusion(gm.eval(), tuple(folds), tuple(pools), tuple(strided))


def fused_parts(
    parts: ModuleParts, layout: ParamLayout, init: torch.Tensor, batch: Batch
) -> tuple[ModuleParts, str] | None:
    """``parts`` evaluated through the rewritten model, and the note that says so, where a
    rewrite applies and gives the written model's outputs (the loss for ``loss(model, batch)``)
    at θ₀ and at θ₀ + δ (δ random, |δ| = |θ₀|/10, so that no fold holds at θ₀ alone) on the
    first ``CHECK_SAMPLES`` samples, to 10⁻⁴ of their scale; else None."""
    fusion = fusion_of(parts.evaluator)
    if fusion is None:
        return None
    fused = parts.with_evaluator(fusion.module)
    chunk = take(batch, slice(0, CHECK_SAMPLES))
    gen = torch.Generator(device=init.device).manual_seed(0)
    delta = torch.randn(init.shape, generator=gen, device=init.device, dtype=init.dtype)
    delta *= 0.1 * init.norm() / delta.norm().clamp_min(1e-30)
    with torch.no_grad():
        for theta in (init, init + delta):
            p = layout.unflatten(theta)
            want, got = _answers(parts, p, chunk), _answers(fused, p, chunk)
            scale = float(want.abs().max()) if want.numel() else 0.0
            if got.shape != want.shape or not torch.allclose(
                got, want, rtol=1e-4, atol=1e-4 * max(scale, 1e-6)
            ):
                return None
    return fused, fusion.note()


def _answers(parts: ModuleParts, p: dict[str, torch.Tensor], chunk: Batch) -> torch.Tensor:
    """The model's outputs on the chunk where they are one tensor, else its loss (1,)."""
    if not parts.by_model:
        assert isinstance(chunk, tuple)
        out = parts.call(p)(chunk[0])
        if isinstance(out, torch.Tensor):
            return out
    return parts.value(p, chunk).reshape(1)
