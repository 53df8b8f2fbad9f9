"""Shipping grid work to Dask workers by description, not by value.

A problem built from a registered scenario travels as its recipe: the scenario's spec (pickled
with cloudpickle: a user's spec with it), its parameter values, device and dtype, and a
fingerprint of its start point, reference points and data. A worker rebuilds the problem once
(cached per process), checks the fingerprint, and the plane vectors travel inside the work,
once per worker. A problem that no registered scenario describes travels by value.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import cloudpickle
import numpy as np
import torch

from compute.errors import LandscapeError
from compute.generators import drain
from compute.scenarios.catalogue import SCENARIOS

_LOCK = threading.Lock()
_PROBLEMS: OrderedDict[tuple[str, str, str, str], Any] = OrderedDict()
_WORK: OrderedDict[str, Any] = OrderedDict()
CACHED = 4
"""Problems and shared works kept per worker process (least recently used dropped)."""


def _tensor_bytes(value: Any) -> bytes:
    if isinstance(value, torch.Tensor):
        return value.detach().to("cpu").contiguous().numpy().tobytes()
    return b""


def fingerprint(problem: Any) -> str:
    """sha256 over what a rebuilt problem must reproduce: θ₀, the reference points, and the
    data splits where the problem has data (``x_train``, ``y_train``, ``x_test``, ``y_test``)."""
    h = hashlib.sha256(f"{problem.id}|{problem.dim}|{problem.dtype}".encode())
    h.update(_tensor_bytes(problem.init))
    for name in sorted(problem.references):
        h.update(name.encode() + _tensor_bytes(problem.references[name]))
    data = getattr(problem, "data", None)
    for split in ("x_train", "y_train", "x_test", "y_test"):
        h.update(_tensor_bytes(getattr(data, split, None)))
    return h.hexdigest()


@dataclass(frozen=True)
class ProblemRecipe:
    """How a worker rebuilds a problem: ``spec.problem_stream(params, device)`` in ``dtype``
    on ``threads`` torch threads, checked against ``fingerprint``.

    The thread count matters where building trains (a user's factory that fits its model
    first): a CPU reduction is split across threads, so the sums, and the trained weights,
    differ in their last bits with the number of threads. ``choices`` are what the problem
    decided by timing (``measured_choices``: how a user's model is batched over points), which
    the rebuilt copy repeats rather than time anew: the two ways give different bits.
    """

    spec: Any
    params: dict[str, Any]
    device: str
    dtype: str
    fingerprint: str
    threads: int = 1
    choices: Mapping[str, str] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.spec.id, self.fingerprint, self.device, self.dtype)


def recipe_of(problem: Any) -> ProblemRecipe | None:
    """The recipe of a problem built from a registered scenario; None for any other object."""
    pid, params = getattr(problem, "id", None), getattr(problem, "params", None)
    if not isinstance(pid, str) or pid not in SCENARIOS or not isinstance(params, Mapping):
        return None
    if not hasattr(problem, "objective") or not hasattr(problem, "device"):
        return None
    device = problem.device.type
    return ProblemRecipe(
        SCENARIOS[pid],
        dict(params),
        device,
        str(problem.dtype),
        fingerprint(problem),
        torch.get_num_threads(),
        problem.measured_choices() if hasattr(problem, "measured_choices") else {},
    )


def rebuild_problem(recipe: ProblemRecipe) -> Any:
    """The problem of ``recipe`` in this process (built once, then cached)."""
    with _LOCK:
        if recipe.key in _PROBLEMS:
            _PROBLEMS.move_to_end(recipe.key)
            return _repeat(_PROBLEMS[recipe.key], recipe)
    sid = recipe.spec.id
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(recipe.threads)  # as the client built it (see ProblemRecipe)
        problem = drain(recipe.spec.problem_stream(recipe.params, recipe.device))
    except (ImportError, OSError) as exc:
        raise LandscapeError(
            f"a worker cannot build scenario {sid!r}: {type(exc).__name__}: {exc} (a model "
            "file must be importable on every worker: put it on a path the workers share, "
            "or let the explorer upload it with the client's upload_file)"
        ) from None
    finally:
        torch.set_num_threads(threads)
    dtype = getattr(torch, recipe.dtype.removeprefix("torch."))
    if problem.dtype != dtype:
        problem = problem.to(dtype=dtype)
    if fingerprint(problem) != recipe.fingerprint:
        raise LandscapeError(
            f"a worker rebuilt scenario {sid!r} with other data or start point than this "
            "process (different package versions or data files?): the cluster's results "
            "would not be this problem's"
        )
    with _LOCK:
        _PROBLEMS[recipe.key] = problem
        while len(_PROBLEMS) > CACHED:
            _PROBLEMS.popitem(last=False)
    return _repeat(problem, recipe)


def _repeat(problem: Any, recipe: ProblemRecipe) -> Any:
    if recipe.choices:
        problem.repeat_choices(recipe.choices)
    return problem


@dataclass(frozen=True)
class Shipment:
    """A value pickled by description: ``blob``, the device types of its problems (CUDA ones
    ask workers for a GPU) and the source files their scenarios declare (``source_files``: a
    user's model, uploaded to the workers with the client's ``upload_file``)."""

    blob: bytes
    devices: frozenset[str]
    files: tuple[str, ...]


class _ByDescription(cloudpickle.Pickler):  # type: ignore[misc]
    """cloudpickle, with every problem of a registered scenario pickled as its recipe."""

    def __init__(self, file: io.BytesIO) -> None:
        super().__init__(file, protocol=5)
        self.recipes: dict[int, ProblemRecipe] = {}

    def reducer_override(self, obj: Any) -> Any:
        if not isinstance(obj, type | np.ndarray | torch.Tensor):
            recipe = self.recipes.get(id(obj)) or recipe_of(obj)
            if recipe is not None:
                self.recipes[id(obj)] = recipe
                return rebuild_problem, (recipe,)
        return super().reducer_override(obj)


def ship(value: Any) -> Shipment:
    """``value`` pickled with its problems by description."""
    buffer = io.BytesIO()
    pickler = _ByDescription(buffer)
    pickler.dump(value)
    recipes = pickler.recipes.values()
    files = sorted({str(f) for r in recipes for f in getattr(r.spec, "source_files", ())})
    devices = frozenset(r.device for r in recipes)
    return Shipment(buffer.getvalue(), devices, tuple(files))


def loads_cached(token: str, blob: bytes) -> Any:
    """The shared work of ``token``, unpickled (and its problem rebuilt) once per process."""
    with _LOCK:
        if token in _WORK:
            _WORK.move_to_end(token)
            return _WORK[token]
    try:
        value = cloudpickle.loads(blob)
    except LandscapeError:
        raise
    except Exception as exc:  # a module the worker cannot import, a version mismatch
        raise LandscapeError(
            f"a worker cannot load the shared work: {type(exc).__name__}: {exc} (is the same "
            "landscape-explorer, and any model file, installed on every worker?)"
        ) from None
    with _LOCK:
        _WORK[token] = value
        while len(_WORK) > CACHED:
            _WORK.popitem(last=False)
    return value
