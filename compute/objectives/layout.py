"""The layout of a network's flat parameter vector θ: named tensors, their shapes and kinds."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import overload

import torch

from compute.errors import LandscapeError

Params = Mapping[str, torch.Tensor]
"""Named parameter tensors, each of shape ``(*lead, *block.shape)`` for a batch ``lead``."""

KINDS = ("weight", "bias", "vector")


@dataclass(frozen=True)
class ParamBlock:
    """One named tensor inside θ.

    Attributes
    ----------
    name
        The symbol of the seed's formula (``W``, ``W1``, ``b_in``, ...).
    shape
        Its shape; ``θ[offset : offset + size]`` holds it in row-major order.
    kind
        ``"weight"`` (filter-normalised by random planes), ``"bias"`` (zeroed by them, as the
        reference tool's ``ignore='biasbn'``) or ``"vector"`` (a 1-D block normalised as one
        filter: a bias or BatchNorm parameter kept in the directions).
    offset
        Its first index in θ.
    unit_axis
        The axis of ``shape`` that indexes units (the "filters" of Li et al. 2018): filter ``j``
        is ``tensor.select(unit_axis, j)``, the incoming weights of unit ``j``.
    """

    name: str
    shape: tuple[int, ...]
    kind: str
    offset: int
    unit_axis: int = 0

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def stop(self) -> int:
        return self.offset + self.size


@dataclass(frozen=True)
class ParamLayout:
    """The ordered blocks that make up θ ∈ ℝⁿ (n = ``size``)."""

    blocks: tuple[ParamBlock, ...]

    @classmethod
    def of(
        cls,
        entries: Sequence[tuple[str, tuple[int, ...], str] | tuple[str, tuple[int, ...], str, int]],
    ) -> ParamLayout:
        """Blocks from ``(name, shape, kind[, unit_axis])`` entries, packed in order."""
        blocks, offset = [], 0
        for entry in entries:
            name, shape, kind = entry[0], tuple(int(s) for s in entry[1]), entry[2]
            unit_axis = int(entry[3]) if len(entry) > 3 else 0
            if kind not in KINDS:
                raise ValueError(f"parameter kind must be one of {KINDS}, got {kind!r}")
            block = ParamBlock(name, shape, kind, offset, unit_axis)
            blocks.append(block)
            offset = block.stop
        return cls(tuple(blocks))

    @property
    def size(self) -> int:
        return self.blocks[-1].stop if self.blocks else 0

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(b.name for b in self.blocks)

    def block(self, name: str) -> ParamBlock:
        for b in self.blocks:
            if b.name == name:
                return b
        raise LandscapeError(f"no parameter block {name!r} (known: {', '.join(self.names)})")

    def unflatten(self, theta: torch.Tensor) -> dict[str, torch.Tensor]:
        """θ[..., n] → {name: view of shape (..., *shape)} (views, no copies)."""
        if theta.shape[-1] != self.size:
            raise LandscapeError(f"θ needs {self.size} entries, got {theta.shape[-1]}")
        lead = theta.shape[:-1]
        return {b.name: theta[..., b.offset : b.stop].reshape(*lead, *b.shape) for b in self.blocks}

    def flatten(self, tensors: Params) -> torch.Tensor:
        """{name: tensor (..., *shape)} → θ[..., n], in block order."""
        parts = []
        for b in self.blocks:
            t = tensors[b.name]
            parts.append(t.reshape(*t.shape[: t.ndim - len(b.shape)], b.size))
        return torch.cat(parts, dim=-1)

    def axis_names(self) -> tuple[str, ...]:
        """One display name per coordinate of θ: ``W1[2,3]``, ``b_in[4]``."""
        names: list[str] = []
        for b in self.blocks:
            strides = [math.prod(b.shape[i + 1 :]) for i in range(len(b.shape))]
            for k in range(b.size):
                index = ",".join(str((k // s) % n) for s, n in zip(strides, b.shape, strict=True))
                names.append(f"{b.name}[{index}]")
        return tuple(names)


class AxisNames(Sequence[str]):
    """``ParamLayout.axis_names()`` without building them: the name of coordinate i is made
    when asked for (a model of millions of parameters would otherwise hold millions of
    strings)."""

    def __init__(self, layout: ParamLayout) -> None:
        self.layout = layout

    def __len__(self) -> int:
        return self.layout.size

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...

    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        for b in self.layout.blocks:
            if b.offset <= i < b.stop:
                k = i - b.offset
                strides = [math.prod(b.shape[j + 1 :]) for j in range(len(b.shape))]
                index = ",".join(str((k // s) % n) for s, n in zip(strides, b.shape, strict=True))
                return f"{b.name}[{index}]"
        raise IndexError(i)
