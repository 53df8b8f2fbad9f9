"""Probes and checks of what a user's factory returned, each with one clear line when it does
not fit: reading the data, the memory it needs, the model's width (activations per sample) and
classes, and that the same point evaluated twice gives the same loss. An error raised by the
user's code becomes one line naming what was running (their traceback kept in the details).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import torch
from torch import nn

from compute.errors import LandscapeError, user_code_error
from compute.networks.memory import check_memory
from compute.networks.module_data import (
    Batch,
    batch_size,
    map_batch,
    materialize,
    same_batches,
    take,
)
from compute.networks.module_problem import ModuleProblem


def check_model_memory(dim: int, data: int) -> None:
    """Refuse a user's model and evaluation set (``data`` bytes) too large for the memory."""
    check_memory(
        dim, data, "pass samples=N for a smaller evaluation set, or use a machine with more memory"
    )


def activations_per_sample(
    module: nn.Module, batch: Batch, by_model: bool, loss: Callable[..., Any]
) -> int:
    """Activations per sample: the outputs of every submodule on one sample (forward hooks)."""
    total = [0]

    def hook(_: nn.Module, __: Any, out: Any) -> None:
        if isinstance(out, torch.Tensor):
            total[0] += out.numel()

    handles = [m.register_forward_hook(hook) for m in module.modules()]
    try:
        one = take(batch, slice(0, 1))
        with torch.no_grad():
            if by_model:
                loss(module, one)
            else:
                module(one[0])  # type: ignore[index]
    finally:
        for h in handles:
            h.remove()
    return max(1, total[0])


def call_user(fn: Callable[[], Any], what: str) -> Any:
    """``fn()``, where an error of the user's code becomes one line naming ``what`` ran."""
    try:
        return fn()
    except LandscapeError:
        raise
    except Exception as exc:  # the user's code: one line, their traceback in details
        raise user_code_error(what, exc) from None


def read_data(data: Any, samples: int, seed: int, what: str, required: bool = False) -> Batch:
    batch = call_user(lambda: materialize(data, samples, seed, what), f"reading the {what} data")
    assert isinstance(batch, tuple | dict)
    if batch_size(batch) == 0 and required:
        raise LandscapeError(f"the {what} data is empty")
    return batch


def class_count(module: nn.Module, batch: Batch, by_model: bool) -> int:
    """C when the model's outputs are logits (m, C) and the targets class indices (m,)."""
    if by_model or not isinstance(batch, tuple) or len(batch) < 2:
        return 0
    y = batch[1]
    if y.ndim != 1 or y.is_floating_point():
        return 0
    with torch.no_grad():
        out = call_user(lambda: module(batch[0][:2]), "running the model")
    if not isinstance(out, torch.Tensor) or out.ndim != 2:
        return 0
    return int(out.shape[1])


def check_determinism(problem: ModuleProblem, data: Any, samples: int, seed: int) -> None:
    """The same point evaluated twice must agree, and reading the data twice must give the
    same samples; otherwise one line naming the likely cause. A NaN loss at θ₀ is refused."""
    again = read_data(data, samples, seed, "train")
    if not same_batches(problem.train, _moved(again, problem)):
        raise LandscapeError(
            "the training data differs between two passes (a shuffling DataLoader or random "
            "augmentation): give fixed tensors, a Dataset, or a DataLoader with shuffle=False"
        )
    first = take(problem.train, slice(0, min(64, batch_size(problem.train))))
    probe = replace_train(problem, first)
    with torch.no_grad():
        a = call_user(lambda: probe.loss(probe.init), "evaluating the loss")
        b = call_user(lambda: probe.loss(probe.init), "evaluating the loss")
    if not isinstance(a, torch.Tensor) or a.ndim != 0:
        raise LandscapeError("the loss must return one number (a 0-d tensor) per batch")
    if not torch.isfinite(a):
        raise LandscapeError(
            f"the loss at the model's own parameters is {float(a)}: check the model's outputs "
            "against the loss (and the data for NaN)"
        )
    if not torch.equal(a, b):
        raise LandscapeError(
            f"the same point gave two losses ({float(a):.6g}, {float(b):.6g}): the model is "
            "not deterministic in eval mode (random layers left on, random augmentation inside "
            "the model or the loss)"
        )


def _moved(batch: Batch, problem: ModuleProblem) -> Batch:
    return map_batch(
        batch,
        lambda t: t.to(problem.device, problem.dtype if t.is_floating_point() else t.dtype),
    )


def replace_train(problem: ModuleProblem, batch: Batch) -> ModuleProblem:
    return replace(
        problem, train=batch, recompute_batchnorm=False, _points_mode=problem._points_mode
    )
