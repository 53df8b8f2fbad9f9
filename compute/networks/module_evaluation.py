"""How a user's model is evaluated over many points and samples: the chunking, ``vmap`` over
points or one stacked pass (``module_stacking``) where the model allows it, and BatchNorm
statistics recomputed at every point.

F(θ) = Σ_c m_c ℓ(f(x_c; θ), y_c) / N over the evaluation set cut into chunks c of m_c samples
(the user's loss is a mean over its batch, so this is the mean over all N samples); many
points θ are evaluated at once with ``torch.func.vmap`` or, for values without gradients, with
their activations stacked along channels, where that is faster; one by one where it is not or
cannot be (a model calling ``.item()``, recomputed BatchNorm statistics). Chunks are sized so
that points × samples × width activations stay within a budget.

``ChunkedEvaluation`` holds these methods for ``ModuleProblem`` (which owns the fields they read).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

import torch
from torch.func import vmap

from compute.networks.module_data import Batch, batch_size, take
from compute.networks.module_parts import ModuleParts, bound_values, channels_last
from compute.networks.module_stacking import NotStackable, stacking_of
from compute.objectives.layout import ParamLayout

if TYPE_CHECKING:
    from compute.networks.module_first_layer import PlaneFirstLayer

CPU_CHUNK_FLOATS = 1 << 24
"""Activations per evaluation chunk of a user's model on the CPU (points × samples × width):
larger than the built-in MLPs' (convolutions run best on big batches; measured on the BatchNorm
CNN example, 2 threads: about half the time per point of a 4M budget)."""
CUDA_CHUNK_FLOATS = 1 << 26
LOOP_PROBE = 4
"""Points timed one by one when choosing between ``vmap`` and a loop, or the memory layout of
convolution kernels (the first chunk)."""
GRAPH_PROBE_SAMPLES = 256
"""Samples timed when choosing between the model as written and rewritten."""
WRITTEN, REWRITTEN = "as written", "rewritten"
STACKED, ONE_BY_ONE = "stacked", "not stacked"
STACK_REPEATS = 3
"""Timed runs of each way (the fastest counts) when choosing whether to stack points: a single
run of a few milliseconds varied by 40 % on the BatchNorm CNN example."""
STACK_PROBE = 64
"""At most this many points (a chunk's number, where smaller) decide whether to stack them."""
AS_GIVEN = "as given"
LAYOUTS: dict[str, Callable[[Mapping[str, torch.Tensor]], dict[str, torch.Tensor]]] = {
    "channels_last": channels_last,
    AS_GIVEN: dict,
}
"""Memory layouts of convolution kernels a loop over points may evaluate values in."""


def _no_transform() -> bool:
    """Whether no ``torch.func`` transform (vmap, grad, jvp) is active here."""
    return torch._C._functorch.maybe_current_level() is None


def _fastest(ways: Mapping[str, Callable[[torch.Tensor], object]], probe: torch.Tensor) -> str:
    """The name of the way that evaluates the points ``probe`` fastest, each timed after a
    warm-up on the first point (oneDNN builds its kernels on a first call)."""
    spent = {}
    for name, way in ways.items():
        way(probe[:1])
        start = time.perf_counter()
        way(probe)
        spent[name] = time.perf_counter() - start
    return min(spent, key=spent.__getitem__)


class ChunkedEvaluation:
    """Means over an evaluation set of ``fn``s of a user's model at many points θ (P, n)."""

    parts: ModuleParts
    value_parts: ModuleParts | None
    layout: ParamLayout
    train: Batch
    width: int
    recompute_batchnorm: bool
    device: torch.device
    dtype: torch.dtype
    _points_mode: dict[str, str]

    @property
    def chunk_floats(self) -> int:
        return CUDA_CHUNK_FLOATS if self.device.type == "cuda" else CPU_CHUNK_FLOATS

    def points_per_chunk(self, samples: int) -> int:
        """Parameter points evaluated at once over ``samples`` samples (activations budget)."""
        per_point = max(1, min(samples, self._samples_per_chunk()) * self.width)
        return max(1, self.chunk_floats // per_point)

    def _samples_per_chunk(self) -> int:
        return max(1, self.chunk_floats // max(1, self.width))

    def _over_points(
        self,
        theta: torch.Tensor,
        fn: Callable[[Mapping[str, torch.Tensor]], tuple[torch.Tensor, ...]],
        unflatten: Callable[[torch.Tensor], dict[str, torch.Tensor]] | None = None,
    ) -> tuple[torch.Tensor, ...]:
        """``fn`` of the parameters at each row of θ (P, n) → K values (P,): batched with
        ``vmap`` where that pays, else one point at a time. ``unflatten`` turns a row into
        ``fn``'s tensors (default: the layout's).

        Decided once, at the first call with several points, by timing both on it: ``vmap``
        turns a convolution with per-point weights into a grouped one, which on the CPU is
        often slower than one plain convolution per point (the BatchNorm CNN example: about
        2× slower), while for MLPs it wins by a
        wide margin. A model ``vmap`` cannot trace (one calling ``.item()``) is looped."""

        tensors = unflatten or self.layout.unflatten
        values_only = not torch.is_grad_enabled() and _no_transform()

        def at(t: torch.Tensor) -> tuple[torch.Tensor, ...]:
            return fn(tensors(t))

        def looped(
            points: torch.Tensor, layout: Callable[..., dict[str, torch.Tensor]] | None = None
        ) -> tuple[torch.Tensor, ...]:
            if layout is None:  # the chosen one for values; gradients see the layout as given
                layout = LAYOUTS[self._points_mode.get("layout", AS_GIVEN)] if values_only else dict
            rows = [fn(layout(tensors(t))) for t in points]
            return tuple(torch.stack(col) for col in zip(*rows, strict=True))

        if values_only and "layout" not in self._points_mode and len(theta) >= 2:
            self._decide_layout(theta, tensors, looped)
        mode = self._points_mode.get("mode")
        if mode == "loop" or len(theta) < 2:
            return looped(theta)
        if mode == "vmap":
            return vmap(at, randomness="different")(theta)
        try:
            vmap(at, randomness="different")(theta[:2])  # warm-up: a first call pays extra
            start = time.perf_counter()
            out: tuple[torch.Tensor, ...] = vmap(at, randomness="different")(theta)
            batched = (time.perf_counter() - start) / len(theta)
        except (RuntimeError, NotImplementedError, ValueError):
            self._points_mode["mode"] = "loop"
            return looped(theta)
        probe = theta[: min(len(theta), LOOP_PROBE)]
        start = time.perf_counter()
        looped(probe)
        one_by_one = (time.perf_counter() - start) / len(probe)
        self._points_mode["mode"] = "vmap" if batched <= one_by_one else "loop"
        # the values of the way chosen, as every later call gives them (the two differ in bits)
        return out if batched <= one_by_one else looped(theta)

    def _decide_layout(
        self,
        theta: torch.Tensor,
        tensors: Callable[[torch.Tensor], dict[str, torch.Tensor]],
        looped: Callable[..., tuple[torch.Tensor, ...]],
    ) -> None:
        """Choose the kernels' memory layout for values one point at a time (``layout`` of
        the measured choices) by timing both on a few points: channels-last makes oneDNN's
        convolutions return channels-last activations, which the layers after keep; which is
        faster depends on the model (the BatchNorm CNN example: its convolutions 25 % slower,
        PyTorch's own max-pooling 6× faster channels-last). Models without convolution
        kernels keep theirs."""
        if not any(t.ndim in (4, 5) for t in tensors(theta[0]).values()):
            self._points_mode["layout"] = AS_GIVEN
            return
        ways = {
            name: lambda points, layout=layout: looped(points, layout)
            for name, layout in LAYOUTS.items()
        }
        self._points_mode["layout"] = _fastest(ways, theta[:LOOP_PROBE])

    def _parts_for_values(
        self, theta: torch.Tensor, batch: Batch, fns: tuple[Callable[..., torch.Tensor], ...]
    ) -> ModuleParts:
        """The model as written or rewritten (``module_fusion``) for values without gradients
        (``graph`` of the measured choices), chosen once by timing both, one point at a time
        in the kernels' layout as given, on up to ``LOOP_PROBE`` points of θ and
        ``GRAPH_PROBE_SAMPLES`` samples: the rewrite saves passes over activations but adds
        small operations per call (folding every kernel), which a model with large kernels
        and small activations (ResNet-18's last stages) may not repay."""
        if self.value_parts is None:
            return self.parts
        if "graph" not in self._points_mode:
            chunk = take(batch, slice(0, GRAPH_PROBE_SAMPLES))

            def way(parts: ModuleParts) -> Callable[[torch.Tensor], object]:
                return lambda points: [
                    parts.values(self.layout.unflatten(t), chunk, fns) for t in points
                ]

            ways = {WRITTEN: way(self.parts), REWRITTEN: way(self.value_parts)}
            self._points_mode["graph"] = _fastest(ways, theta[:LOOP_PROBE])
        return self.value_parts if self._points_mode["graph"] == REWRITTEN else self.parts

    def _stacked_for_values(
        self,
        theta: torch.Tensor,
        batch: Batch,
        fns: tuple[Callable[..., torch.Tensor], ...],
        parts: ModuleParts,
    ) -> Callable[[torch.Tensor, Batch], tuple[torch.Tensor, ...]] | None:
        """Values at many points from one stacked pass (``module_stacking``) where that was
        chosen (``stack`` of the measured choices), else None. Chosen once, on a chunk's
        number of points near the first of θ (at most ``STACK_PROBE``) and the first chunk of
        samples of ``batch``: stacked where it gives the values of the way chosen without it
        (to float32 round-off) in less time (the fastest of ``STACK_REPEATS`` runs each)."""
        if parts.by_model or not isinstance(batch, tuple):
            return None

        def stacked(points: torch.Tensor, chunk: Batch) -> tuple[torch.Tensor, ...]:
            assert isinstance(chunk, tuple)
            stacking = stacking_of(parts.evaluator)
            assert stacking is not None
            outs = stacking.outputs(self.layout.unflatten(points), parts.fixed, chunk[0])
            return tuple(torch.stack([fn(out, chunk[1]) for out in outs]) for fn in fns)

        if "stack" not in self._points_mode:
            if len(theta) < 2:
                return None
            self._points_mode["stack"] = self._decide_stacking(theta, batch, fns, parts, stacked)
        return stacked if self._points_mode["stack"] == STACKED else None

    def _decide_stacking(
        self,
        theta: torch.Tensor,
        batch: Batch,
        fns: tuple[Callable[..., torch.Tensor], ...],
        parts: ModuleParts,
        stacked: Callable[[torch.Tensor, Batch], tuple[torch.Tensor, ...]],
    ) -> str:
        chunk = take(batch, slice(0, self._samples_per_chunk()))
        # as many points as a chunk (vmap's cost per point falls with their number), distinct
        # (θ scaled by 1 … 1.1) so that values of one point landing at another would show
        count = min(STACK_PROBE, self.points_per_chunk(batch_size(batch)))
        if count < 2 or stacking_of(parts.evaluator) is None:  # one point per chunk: no gain
            return ONE_BY_ONE
        scale = torch.linspace(1.0, 1.1, count, dtype=theta.dtype, device=theta.device)
        probe = theta[0] * scale[:, None]
        plain = bound_values(parts, chunk, fns)

        def timed(
            way: Callable[[], tuple[torch.Tensor, ...]],
        ) -> tuple[float, tuple[torch.Tensor, ...]]:
            way()  # warm-up: oneDNN builds its kernels on a first call, vmap traces
            spent = []
            for _ in range(STACK_REPEATS):
                start = time.perf_counter()
                out = way()
                spent.append(time.perf_counter() - start)
            return min(spent), out

        one_by_one, want = timed(lambda: self._over_points(probe, plain))
        try:
            together, got = timed(lambda: stacked(probe, chunk))
        except (NotStackable, RuntimeError, ValueError, TypeError):
            return ONE_BY_ONE
        faster = together < one_by_one
        same = all(
            g.shape == w.shape
            and torch.allclose(
                g, w, rtol=1e-4, atol=1e-4 * max(float(w.abs().max()), 1e-6), equal_nan=True
            )
            for g, w in zip(got, want, strict=True)
        )
        return STACKED if faster and same else ONE_BY_ONE

    def _means(
        self,
        theta: torch.Tensor,
        batch: Batch,
        fns: tuple[Callable[..., torch.Tensor], ...],
        first: PlaneFirstLayer | None = None,
    ) -> tuple[torch.Tensor, ...]:
        """Σ_c m_c f(θ, chunk c) / N for each f of ``fns`` over the batch's sample chunks
        (one forward pass per chunk): θ[..., n] → K values [...]. With ``first`` (the batch's
        first-layer outputs on a plane) θ's rows end with the points' [1, a, b]: [..., n + 3]."""
        if self.recompute_batchnorm:
            return self._with_statistics(theta, batch, fns)
        flat = theta.reshape(-1, theta.shape[-1])
        parts, stacked = self.parts, None
        if first is None and not torch.is_grad_enabled() and _no_transform():
            parts = self._parts_for_values(flat, batch, fns)
            stacked = self._stacked_for_values(flat, batch, fns, parts)
        total = batch_size(batch)
        step = self._samples_per_chunk()
        points = self.points_per_chunk(total)
        rows: list[list[torch.Tensor]] = [[] for _ in fns]
        for i in range(0, len(flat), points):
            part = flat[i : i + points]
            acc = [torch.zeros(len(part), dtype=self.dtype, device=self.device) for _ in fns]
            for s in range(0, total, step):
                samples = slice(s, s + step)
                chunk = take(batch, samples)
                share = batch_size(chunk) / total
                if stacked is not None and len(part) > 1:
                    got = stacked(part, chunk)
                elif first is None:
                    got = self._over_points(part, bound_values(parts, chunk, fns))
                else:
                    fn = first.bound(samples, chunk, fns)
                    got = self._over_points(part, fn, first.unflatten)
                acc = [a + v * share for a, v in zip(acc, got, strict=True)]
            for r, a in zip(rows, acc, strict=True):
                r.append(a)
        return tuple(torch.cat(r).reshape(theta.shape[:-1]) for r in rows)

    # --- recomputed BatchNorm statistics --------------------------------------------------
    def _with_statistics(
        self,
        theta: torch.Tensor,
        batch: Batch,
        fns: tuple[Callable[..., torch.Tensor], ...],
    ) -> tuple[torch.Tensor, ...]:
        """``_means`` with BatchNorm statistics recomputed at every point (a loop: the
        statistics of each point come from its own pass over the training data)."""
        flat = theta.reshape(-1, self.layout.size)
        total, step = batch_size(batch), self._samples_per_chunk()
        out = []
        for t in flat:
            p = self.layout.unflatten(t)
            stats = self.parts.recomputed_statistics(p, self.train, self._samples_per_chunk())
            parts = replace(self.parts, fixed=stats)
            acc = [torch.zeros((), dtype=self.dtype, device=self.device) for _ in fns]
            for s in range(0, total, step):
                chunk = take(batch, slice(s, s + step))
                got = parts.values(p, chunk, fns)
                acc = [a + v * (batch_size(chunk) / total) for a, v in zip(acc, got, strict=True)]
            out.append(acc)
        return tuple(torch.stack(col).reshape(theta.shape[:-1]) for col in zip(*out, strict=True))
