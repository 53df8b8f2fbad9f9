"""A user's data as one fixed evaluation set: tensors, a ``Dataset`` or any iterable of batches
become one batch (a tuple or a dict of tensors with a common first dimension N).

Evaluating a landscape needs the same samples at every point; a ``DataLoader`` that shuffles
or augments would give another set on every pass. The set is therefore drawn once (a seeded
subset of ``limit`` samples where there are more) and kept; ``same_batches`` compares two draws
for the determinism check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import torch

from compute.errors import LandscapeError

Batch = tuple[torch.Tensor, ...] | dict[str, torch.Tensor]
"""Tensors sharing their first dimension (samples): ``(x, y, ...)`` or ``{"name": tensor}``."""


def _as_batch(item: Any, what: str) -> Batch:
    if isinstance(item, torch.Tensor):
        return (item,)
    if isinstance(item, Mapping):
        out = {str(k): v for k, v in item.items()}
        if not out or not all(isinstance(v, torch.Tensor) for v in out.values()):
            raise LandscapeError(f"{what}: every value of a batch dict must be a tensor")
        return out
    if isinstance(item, Sequence) and not isinstance(item, str):
        parts = tuple(torch.as_tensor(v) if not isinstance(v, torch.Tensor) else v for v in item)
        if not parts:
            raise LandscapeError(f"{what}: a batch is empty")
        return parts
    raise LandscapeError(
        f"{what} must be tensors (x, y), a Dataset or an iterable of batches, "
        f"not {type(item).__name__}"
    )


def batch_size(batch: Batch) -> int:
    """N, the common first dimension (a LandscapeError where the tensors disagree)."""
    tensors = list(batch.values()) if isinstance(batch, dict) else list(batch)
    sizes = {int(t.shape[0]) if t.ndim else -1 for t in tensors}
    if len(sizes) != 1 or -1 in sizes:
        raise LandscapeError(f"the tensors of a batch need one common first dimension, got {sizes}")
    return sizes.pop()


def map_batch(batch: Batch, fn: Callable[[torch.Tensor], torch.Tensor]) -> Batch:
    """``fn`` applied to every tensor of the batch."""
    if isinstance(batch, dict):
        return {k: fn(v) for k, v in batch.items()}
    return tuple(fn(v) for v in batch)


def take(batch: Batch, index: torch.Tensor | slice) -> Batch:
    """The samples ``index`` of the batch."""
    return map_batch(batch, lambda t: t[index])


def _concatenate(parts: list[Batch], what: str) -> Batch:
    first = parts[0]
    try:
        if isinstance(first, dict):
            keys = list(first)
            return {k: torch.cat([p[k] for p in parts if isinstance(p, dict)]) for k in keys}
        width = len(first)
        if any(not isinstance(p, tuple) or len(p) != width for p in parts):
            raise LandscapeError(f"{what}: batches of different structure")
        return tuple(torch.cat([p[i] for p in parts if isinstance(p, tuple)]) for i in range(width))
    except (RuntimeError, KeyError) as exc:
        raise LandscapeError(f"{what}: its batches cannot be joined ({exc})") from None


def materialize(data: Any, limit: int, seed: int, what: str) -> Batch:
    """The evaluation set of ``data``: all of it, or ``limit`` > 0 samples of it.

    ``data`` is a tuple/list of tensors (x, y, ...), a dict of tensors, a map-style
    ``torch.utils.data.Dataset`` (items collated with ``default_collate``; a seeded subset when
    it holds more than ``limit``), or any iterable of batches (a ``DataLoader``: batches are
    read until ``limit`` samples, then joined).
    """
    from torch.utils.data import Dataset, default_collate

    if isinstance(data, tuple | list) and data and all(isinstance(t, torch.Tensor) for t in data):
        batch: Batch = tuple(data)
    elif isinstance(data, Mapping):
        batch = _as_batch(data, what)
    elif isinstance(data, Dataset) and hasattr(data, "__len__"):
        n = len(data)
        if n == 0:
            raise LandscapeError(f"{what} is an empty Dataset")
        index: Sequence[int] = range(n)
        if 0 < limit < n:
            gen = torch.Generator().manual_seed(seed)
            index = sorted(torch.randperm(n, generator=gen)[:limit].tolist())
        batch = _as_batch(default_collate([data[i] for i in index]), what)
    elif isinstance(data, Iterable):
        parts, count = [], 0
        for item in data:
            part = _as_batch(item, what)
            parts.append(part)
            count += batch_size(part)
            if 0 < limit <= count:
                break
        if not parts:
            raise LandscapeError(f"{what} yielded no batches")
        batch = _concatenate(parts, what)
    else:
        batch = _as_batch(data, what)
    size = batch_size(batch)
    if 0 < limit < size:
        batch = take(batch, slice(0, limit))
    return batch


def _same(a: torch.Tensor, b: torch.Tensor) -> bool:
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.is_floating_point():
        return bool(((a == b) | (a.isnan() & b.isnan())).all())
    return torch.equal(a, b)


def same_batches(a: Batch, b: Batch) -> bool:
    """Whether two draws of the evaluation set hold exactly the same samples (NaN equal to
    NaN: bad values are reported by the loss check, not as a changing data set)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return False


def nbytes(batch: Batch) -> int:
    tensors = batch.values() if isinstance(batch, dict) else batch
    return sum(t.numel() * t.element_size() for t in tensors)
