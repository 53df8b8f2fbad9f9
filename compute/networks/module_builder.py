"""From what a user's factory returns — ``dict(model=net, train=(x, y), loss=F.cross_entropy)``
and optional keys — to a ``ModuleProblem``, checked step by step with one clear line for
everything that does not fit (and the user's traceback kept for the window and ``--verbose``).
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import torch
from torch import nn

from compute.errors import LandscapeError
from compute.networks.module_checkpoints import checkpoint_theta, trajectory_of
from compute.networks.module_checks import (
    activations_per_sample,
    call_user,
    check_determinism,
    check_model_memory,
    class_count,
    read_data,
)
from compute.networks.module_data import batch_size, nbytes
from compute.networks.module_fusion import fused_parts
from compute.networks.module_parts import BATCHNORM, ModuleParts
from compute.networks.module_problem import ModuleProblem
from compute.networks.sliced import resolve_device
from compute.objectives.layout import ParamLayout

KEYS = ("model", "train", "loss", "test", "metrics", "points", "trajectory", "samples")
"""What a factory may return (the first three are required)."""


@dataclass(frozen=True)
class ModuleOptions:
    """How a user's model is turned into a landscape.

    samples : size of the fixed evaluation set (0: all the data); seed : which subset
    biases : ``zero`` (1-D parameters get no direction, the reference tool's default) or
        ``normalised`` (normalised as one filter)
    batchnorm : ``centre`` (eval mode, the centre's running statistics, the reference tool's
        choice) or ``recompute`` (statistics recomputed from the training data at each point)
    include_frozen : also move parameters with ``requires_grad=False``
    """

    samples: int = 0
    seed: int = 0
    biases: str = "zero"
    batchnorm: str = "centre"
    include_frozen: bool = False

    def notes(self, has_batchnorm: bool, train: int, test: int | None) -> tuple[str, ...]:
        out = [
            f"each value averages {train} training samples"
            + (f" ({test} test samples)" if test else ""),
            "dropout and other train-mode layers off while evaluating; train mode for runs",
        ]
        if has_batchnorm:
            out.append(
                "BatchNorm: statistics recomputed from the training data at every point"
                if self.batchnorm == "recompute"
                else "BatchNorm: eval mode with the centre's running statistics"
            )
        out.append(
            "directions: weights filter-normalised per output unit; biases and other 1-D "
            + (
                "parameters normalised as one filter"
                if self.biases == "normalised"
                else "parameters zero"
            )
        )
        return tuple(out)


def _loss_by_model(loss: Callable[..., Any]) -> bool:
    """``loss(model, batch)`` (first parameter named ``model``) or ``loss(output, target)``."""
    try:
        first = next(iter(inspect.signature(loss).parameters), "")
    except (TypeError, ValueError):
        return False
    return first == "model"


def _moving(model: nn.Module, include_frozen: bool) -> list[tuple[str, torch.Tensor]]:
    named: list[tuple[str, torch.Tensor]] = [
        (n, p) for n, p in model.named_parameters() if include_frozen or p.requires_grad
    ]
    for name, p in named:
        if not p.is_floating_point():
            raise LandscapeError(f"parameter {name} is not floating point: it cannot move")
    if not named:
        raise LandscapeError("the model has no trainable parameters (all requires_grad=False)")
    return named


def _layout(named: list[tuple[str, torch.Tensor]], biases: str) -> ParamLayout:
    flat = "vector" if biases == "normalised" else "bias"
    return ParamLayout.of(
        [(n, tuple(p.shape), "weight" if p.ndim >= 2 else flat) for n, p in named]
    )


def module_problem(
    problem_id: str,
    values: Mapping[str, Any],
    given: Any,
    options: ModuleOptions,
    device: str = "cpu",
) -> Generator[str, None, ModuleProblem]:
    """The problem of a factory's output ``given`` (see ``KEYS``), built stage by stage."""
    # Long by design: the checks of a user's factory output, in the order that gives the clearest
    # first error, then one build.
    if not isinstance(given, Mapping):
        raise LandscapeError(
            f"the factory must return a dict (model=..., train=..., loss=...), got "
            f"{type(given).__name__}"
        )
    unknown = sorted(set(map(str, given)) - set(KEYS))
    if unknown:
        raise LandscapeError(f"unknown key(s) {unknown} (known: {', '.join(KEYS)})")
    for key in ("model", "train", "loss"):
        if key not in given:
            raise LandscapeError(f"the factory's dict lacks {key!r} (needs model, train, loss)")
    model, loss = given["model"], given["loss"]
    if not isinstance(model, nn.Module):
        raise LandscapeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not callable(loss):
        raise LandscapeError("loss must be a function loss(output, target) or loss(model, batch)")
    metrics = given.get("metrics") or {}
    if not isinstance(metrics, Mapping) or not all(callable(f) for f in metrics.values()):
        raise LandscapeError("metrics must be a dict of name → function like the loss")
    target = resolve_device(device)
    samples = int(given.get("samples") or options.samples)
    yield "evaluation set"
    train = read_data(given["train"], samples, options.seed, "train", True)
    test = (
        None
        if given.get("test") is None
        else read_data(given["test"], samples, options.seed, "test")
    )
    named = _moving(model, options.include_frozen)
    names = tuple(n for n, _ in named)
    shapes = [p.shape for _, p in named]
    layout = _layout(named, options.biases)
    check_model_memory(layout.size, nbytes(train) + (nbytes(test) if test is not None else 0))
    has_bn = any(isinstance(m, BATCHNORM) for m in model.modules())
    if options.batchnorm == "recompute" and not has_bn:
        raise LandscapeError("batchnorm=recompute: the model has no BatchNorm layers")
    yield "private copies of the model"
    moving = {id(p) for _, p in named}  # a tied parameter appears under several names
    state = model.state_dict(keep_vars=True)
    fixed = {k: v.detach().clone() for k, v in state.items() if id(v) not in moving}
    by_model = _loss_by_model(loss)
    evaluator = copy.deepcopy(model).eval()
    trainer = copy.deepcopy(model).train()
    parts = ModuleParts(evaluator, trainer, names, fixed, loss, by_model, dict(metrics))
    init = torch.cat([p.detach().reshape(-1) for _, p in named]).float()
    refs = {"init": init}
    for name, point in (given.get("points") or {}).items():
        if str(name) == "init":
            raise LandscapeError(
                "the point 'init' is the model as handed over: name yours otherwise"
            )
        refs[str(name)] = checkpoint_theta(names, shapes, point, repr(str(name)))
    trajectory = None
    if given.get("trajectory") is not None:
        trajectory = trajectory_of(given["trajectory"], names, shapes)
        refs.setdefault("final", trajectory[-1])
    width = call_user(
        lambda: activations_per_sample(evaluator, train, by_model, loss), "running the model"
    )
    classes = class_count(evaluator, train, by_model)
    problem = ModuleProblem(
        problem_id,
        dict(values),
        parts,
        layout,
        train,
        test,
        init,
        refs,
        trajectory,
        classes,
        width,
        options.batchnorm == "recompute",
        options.notes(has_bn, batch_size(train), None if test is None else batch_size(test)),
    )
    first = call_user(lambda: problem.first_layer, "running the model")
    if first is not None:
        problem = replace(problem, notes=(*problem.notes, first.note()))
    fused = None
    if options.batchnorm != "recompute":  # that loop evaluates the model as written
        fused = call_user(lambda: fused_parts(parts, layout, init, train), "running the model")
    if fused is not None:
        problem = replace(problem, value_parts=fused[0], notes=(*problem.notes, fused[1]))
    problem = problem.to(target, torch.float32)
    yield "determinism check"
    check_determinism(problem, given["train"], samples, options.seed)
    return problem
