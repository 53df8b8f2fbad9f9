"""Loss (and accuracy) of a network on a plane's (a, b) grid: batched, progressive, cancellable.

The first layer of every model is affine in θ, so on the plane θ(a, b) = θ₀ + a·d₁ + b·d₂ its
output is ``Z(a, b) = Z₀ + a·Z₁ + b·Z₂`` with ``Z₀ = Z(θ₀)``, ``Z_i = Z(d_i) − Z(0)``: computed
once per slice, then each chunk of grid points gets its first layer from one small matrix
product ``[1, a, b] @ [Z₀; Z₁; Z₂]``. The rest runs batched over the chunk's points (one small
weight matrix per point, in inference mode); the residual MLP has its own plane head.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Protocol

import torch

from compute.geometry.planes import Plane
from compute.networks.datasets import Dataset
from compute.networks.models import Model, cross_entropy, cross_entropy_and_correct

RESIDUAL_MIN_POINTS = 2
"""Points per chunk of the residual MLP's plane head at least (its activation budget allows one
at width 512): each chunk reads the three rows of layer matrices once to combine its points'
(4 MB each at width 512), so two points per chunk read 2.5 rows' worth per point instead of 4
(measured, 2 threads, width 512: 8.3–8.6 against 9.0 ms/point)."""


class FunctionalNetwork(Protocol):
    """What the evaluator reads of a built-in network (``NetworkProblem``)."""

    @property
    def model(self) -> Model: ...
    @property
    def data(self) -> Dataset: ...
    @property
    def device(self) -> torch.device: ...
    @property
    def dtype(self) -> torch.dtype: ...
    @property
    def classification(self) -> bool: ...

    def points_per_chunk(self, samples: int) -> int: ...


class PlaneEvaluator:
    """Evaluates one data split at many plane points (P, 2) → {field: (P,)}.

    Fields: ``loss`` (and ``accuracy`` for classifiers) on ``split``, prefixed ``test_`` for the
    test split. Calls from several threads are serialised (the work buffers are shared).
    """

    def __init__(self, problem: FunctionalNetwork, plane: Plane, split: str = "train") -> None:
        self.problem = problem
        self.plane = plane.to(problem.device, problem.dtype)
        self.x, self.y = problem.data.split(split)
        self.prefix = "" if split == "train" else "test_"
        model, layout = problem.model, problem.model.layout
        points = (self.plane.origin, self.plane.d1, self.plane.d2)
        residual = _ResidualMLPPlane.blocks_of(model)
        with torch.inference_mode():
            zero: list[torch.Tensor] = []  # Z(0), made when first needed (after the head's
            # long-lived buffers: with freed memory kept, a transient allocated before them
            # leaves a hole they do not fit; with that and the expanded zero below, the set-up's
            # peak at width 512 went from 42 to 32 MB)

            def z(i: int) -> torch.Tensor:  # Z₀, Z₁, Z₂ (N, width), one at a time
                out = model.features(layout.unflatten(points[i]), self.x)
                if i == 0:
                    return out
                if not zero:  # θ = 0 as one stored zero, expanded (not n of them)
                    origin = points[0].new_zeros(1).expand(len(points[0]))
                    zero.append(model.features(layout.unflatten(origin), self.x))
                return out.sub_(zero[0])

            if residual is not None:  # its own plane head holds all it needs
                self.head: _ResidualMLPPlane | None = _ResidualMLPPlane(
                    model, residual, points, z, self.y
                )
            else:
                self.head = None
                self.points = torch.stack(points)  # (3, n)
                first = z(0)
                self.z_shape = first.shape
                self.basis = torch.stack([first, z(1), z(2)]).reshape(3, -1)  # (3, N·width)
        self.chunk = problem.points_per_chunk(len(self.x))
        if self.head is not None:
            self.chunk = max(self.chunk, RESIDUAL_MIN_POINTS)
        self._lock = threading.Lock()

    def fields(self) -> tuple[str, ...]:
        names = ("loss", "accuracy") if self.problem.classification else ("loss",)
        return tuple(self.prefix + n for n in names)

    def __call__(self, coords: torch.Tensor) -> dict[str, torch.Tensor]:
        """coords (P, 2) on the problem's device → {field: (P,)}, one chunk at a time."""
        parts: dict[str, list[torch.Tensor]] = {k: [] for k in self.fields()}
        with self._lock, torch.inference_mode():
            for i in range(0, len(coords), self.chunk):
                values = self._chunk(coords[i : i + self.chunk])
                for k, v in zip(self.fields(), values, strict=True):
                    parts[k].append(v)
        return {k: torch.cat(v) for k, v in parts.items()}

    def _chunk(self, c: torch.Tensor) -> tuple[torch.Tensor, ...]:
        coef = torch.cat([torch.ones_like(c[:, :1]), c], dim=1)  # (P, 3): [1, a, b]
        if self.head is not None:
            return self.head(coef)
        model = self.problem.model
        z = (coef @ self.basis).reshape(len(c), *self.z_shape)
        out = model.head(model.layout.unflatten(coef @ self.points), z, self.x)
        if not self.problem.classification:
            return (model.sample_loss(out, self.y).mean(-1),)
        loss, hit = cross_entropy_and_correct(out, self.y)
        return loss.mean(-1), hit.mean(-1)


class _ResidualMLPPlane:
    """The residual MLP (``models.residual_mlp``) on a plane, features-major.

    Activations are ``H (P, w + 1, N)`` (a constant row of ones carries the biases). Each layer
    ``W h + b`` is ``A(θ) H`` with ``A = [[W, b], [0, κ]]`` (κ = 1 keeps the constant row, 0 on
    the residual branch), affine in θ apart from κ, so one product
    ``[1, a, b] @ [A(θ₀); A₀(d₁); A₀(d₂)]`` (A₀: κ = 0) gives every point's matrices, and
    ``torch.bmm`` / ``baddbmm_`` (H += A₂ U in one pass) run them, into buffers reused across
    chunks: fresh multi-megabyte tensors cost page faults, half the time on this CPU. Measured
    there (2 threads): 0.27 ms/point against 0.96 for the generic path and 0.94 for one shared
    product ``H @ [A(θ₀), A₀(d₁), A₀(d₂)]`` per layer over all points (3× the arithmetic, then
    combined with a, b), as the small batched products already run at ~85 GFLOP/s.
    """

    @staticmethod
    def blocks_of(model: Model) -> int | None:
        """The residual MLP's number of blocks, None for any other model (and for α ≠ 1:
        α scales h but not its constant row, which is not one product per layer)."""
        if model.family != "residual_mlp" or model.sample_loss is not cross_entropy:
            return None
        if model.constants.get("alpha", 1.0) != 1.0:
            return None
        return sum(1 for n in model.layout.names if re.fullmatch(r"W\d+1", n))

    def __init__(
        self,
        model: Model,
        blocks: int,
        points: tuple[torch.Tensor, ...],
        z: Callable[[int], torch.Tensor],
        y: torch.Tensor,
    ) -> None:
        self.y, self.classes, self.blocks = y, model.classes, blocks
        self.beta = float(model.constants.get("beta", 1.0))
        self.rows, self.samples = model.layout.block("W11").shape[0] + 1, len(y)  # w + 1, N
        # the long-lived tensors first, then the transients (see PlaneEvaluator)
        size = 2 * blocks * self.rows**2 + model.classes * self.rows
        self.weights = points[0].new_zeros(3, size)  # (3, 2·blocks·(w + 1)² + C·(w + 1))
        basis = points[0].new_empty(3, self.rows, self.samples)  # filled one Z at a time
        for i, theta in enumerate(points):
            self._fill(self.weights[i], model, theta, i == 0)
            basis[i] = z(i).T
        self.basis = basis.reshape(3, -1)  # (3, (w + 1)·N)
        self.capacity = 0

    def _fill(self, out: torch.Tensor, model: Model, theta: torch.Tensor, origin: bool) -> None:
        """Write θ's layer matrices A (κ = 1 at the origin, else 0) and the output layer
        [W_out, b_out] into the zeroed row ``out``, in place (no per-layer temporaries: at
        width 512 each point's matrices are 4 MB)."""
        p, w = model.layout.unflatten(theta), self.rows
        at = 0
        for k in range(1, self.blocks + 1):
            for j, keep in ((1, origin), (2, False)):
                a = out[at : at + w * w].view(w, w)
                scale = self.beta if j == 2 else 1.0  # β scales a branch
                torch.mul(p[f"W{k}{j}"], scale, out=a[:-1, :-1])
                torch.mul(p[f"b{k}{j}"], scale, out=a[:-1, -1])
                a[-1, -1] = scale * float(keep)
                at += w * w
        last = out[at:].view(model.classes, w)
        last[:, :-1], last[:, -1] = p["W_out"], p["b_out"]

    def _buffers(self, points: int) -> None:
        if points > self.capacity:
            size, like = points * self.rows * self.samples, self.basis
            self.h, self.u = like.new_empty(size), like.new_empty(size)
            self.logits = like.new_empty(points * self.classes * self.samples)
            # one layer's matrices at a time (the output layer's may have more rows)
            self.mats = like.new_empty(points * max(self.rows, self.classes) * self.rows)
            self.capacity = points

    def __call__(self, coef: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """coef (P, 3) = [1, a, b] → (loss (P,), accuracy (P,))."""
        p, w, n = len(coef), self.rows, self.samples
        self._buffers(p)

        def layer(i: int, rows: int = w) -> torch.Tensor:  # every point's matrix of layer i
            mine = self.weights[:, i * w * w : i * w * w + rows * w]
            return torch.mm(coef, mine, out=self.mats[: p * rows * w].view(p, -1)).view(p, rows, w)

        h = torch.mm(coef, self.basis, out=self.h[: p * w * n].view(p, -1)).view(p, w, n).relu_()
        u = self.u[: p * w * n].view(p, w, n)
        for k in range(self.blocks):
            torch.bmm(layer(2 * k), h, out=u).relu_()
            h.baddbmm_(layer(2 * k + 1), u)
        out = layer(2 * self.blocks, self.classes)
        logits = torch.bmm(out, h, out=self.logits[: p * self.classes * n].view(p, -1, n))
        loss, hit = cross_entropy_and_correct(logits, self.y)
        return loss.mean(-1), hit.mean(-1)
