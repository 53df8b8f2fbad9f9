"""A user's own model as a scenario: ``my_model.py:make`` (or ``mypkg.models:make``) names a
function that returns ``dict(model=net, train=(x, y), loss=F.cross_entropy)``; its keyword
arguments become the scenario's parameters (sliders in the window, ``--set`` on the command
line). Registered in the catalogue like every built-in scenario (``register_model``).

Loading a model file runs its code: the command line runs what it is told to; the window asks
first (``explorer``) and keeps the file's hash (``ModelReference.digest``) in sessions.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import math
import sys
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compute.errors import LandscapeError, user_code_error
from compute.objectives.problem import Capabilities, Problem
from compute.scenarios.catalogue import SCENARIOS, register_scenario
from compute.scenarios.params import Parametrised, ParamSpec, ParamValue
from compute.vocabulary import NETWORK_LR

PREFIX = "model:"
"""Scenario ids of users' models: ``model:`` + the reference (``model:/abs/path.py:make``)."""
NETWORK_WINDOW = (-1.0, 1.0, -1.0, 1.0)
OPTIONS = (
    ParamSpec(
        "eval_samples",
        0,
        "samples the landscape averages over (0: all the data; a seeded subset otherwise)",
        0,
        10_000_000,
        span=(0, 4096),
        integer=True,
    ),
    ParamSpec("eval_seed", 0, "seed of that subset", 0, 2**31 - 1, span=(0, 100), integer=True),
    ParamSpec(
        "biases",
        "zero",
        "directions of biases and BatchNorm parameters: zero (the reference tool's default) "
        "or normalised as one filter",
        choices=("zero", "normalised"),
    ),
    ParamSpec(
        "batchnorm",
        "centre",
        "BatchNorm statistics at every point: the centre's running statistics (eval mode), or "
        "recomputed from the training data at each point (slower: one pass per point)",
        choices=("centre", "recompute"),
    ),
)
"""Parameters every user model has besides its factory's own (how it is evaluated)."""


@dataclass(frozen=True)
class ModelReference:
    """Where a factory lives: a Python file (``source`` an absolute path) or an importable
    module (``source`` a dotted name), and the function's name."""

    source: str
    function: str

    @classmethod
    def parse(cls, text: str) -> ModelReference:
        """``path/to/file.py:make`` or ``package.module:make``."""
        source, sep, function = str(text).strip().rpartition(":")
        if not sep or not source or not function.isidentifier():
            raise LandscapeError(
                f"--model {text[:80]!r} must be FILE.py:FUNCTION or package.module:FUNCTION"
            )
        if source.endswith(".py") or "/" in source or "\\" in source:
            path = Path(source).expanduser().resolve()
            if not path.is_file():
                raise LandscapeError(f"model file {source} does not exist")
            source = str(path)
        return cls(source, function)

    @property
    def is_file(self) -> bool:
        return self.source.endswith(".py")

    @property
    def text(self) -> str:
        return f"{self.source}:{self.function}"

    @property
    def scenario_id(self) -> str:
        return PREFIX + self.text

    @property
    def name(self) -> str:
        where = Path(self.source).name if self.is_file else self.source
        return f"{self.function} from {where}"

    def path(self) -> Path | None:
        """The file that holds the factory (a module's file once imported), or None."""
        if self.is_file:
            return Path(self.source)
        spec = importlib.util.find_spec(self.source)
        return Path(spec.origin) if spec is not None and spec.origin else None

    def digest(self) -> str:
        """SHA-256 of the factory's file ("" where there is none)."""
        path = self.path()
        if path is None or not path.is_file():
            return ""
        return hashlib.sha256(path.read_bytes()).hexdigest()

    def load(self) -> Callable[..., Any]:
        """Import the file or module (running its code) and return the factory."""
        try:
            if self.is_file and not Path(self.source).is_file():
                # a cluster worker elsewhere: the file was uploaded (Client.upload_file) into
                # its working folder, importable under its own name
                module = importlib.import_module(Path(self.source).stem)
            elif self.is_file:
                name = "landscape_model_" + hashlib.sha1(self.source.encode()).hexdigest()[:12]
                spec = importlib.util.spec_from_file_location(name, self.source)
                if spec is None or spec.loader is None:
                    raise LandscapeError(f"{self.source} is not a Python file")
                module = importlib.util.module_from_spec(spec)
                sys.modules[name] = module
                spec.loader.exec_module(module)
            else:
                module = importlib.import_module(self.source)
        except LandscapeError:
            raise
        except SyntaxError as exc:
            where = f"{Path(exc.filename or self.source).name}, line {exc.lineno}"
            raise user_code_error(f"the model file has a syntax error ({where})", exc) from None
        except Exception as exc:  # the user's code ran and raised
            raise user_code_error(f"importing {self.name.split(' from ')[1]}", exc) from None
        factory = getattr(module, self.function, None)
        if not callable(factory):
            raise LandscapeError(f"{self.source} has no function {self.function}")
        return factory


def _param_of(p: inspect.Parameter) -> ParamSpec:
    """A factory's keyword argument as a scenario parameter (its default: a number, a bool or
    a fixed string)."""
    default = p.default
    if default is inspect.Parameter.empty:
        raise LandscapeError(
            f"the factory's argument {p.name!r} needs a default value (it becomes a parameter)"
        )
    if isinstance(default, bool):
        return ParamSpec(p.name, str(default).lower(), p.name, choices=("true", "false"))
    if isinstance(default, int):
        span = (0.0, float(max(1, 4 * default))) if default >= 0 else (4.0 * default, 0.0)
        return ParamSpec(p.name, float(default), p.name, -1e12, 1e12, span=span, integer=True)
    if isinstance(default, float):
        hi = max(1.0, 4 * abs(default)) if math.isfinite(default) else 1.0
        return ParamSpec(
            p.name, default, p.name, -1e300, 1e300, span=(-hi, hi) if default < 0 else (0.0, hi)
        )
    if isinstance(default, str):
        return ParamSpec(p.name, default, p.name, choices=(default,))
    raise LandscapeError(
        f"the factory's argument {p.name!r} has a default of type {type(default).__name__}: "
        "use a number, a bool or a string"
    )


def _arguments(spec: ModelSpec, values: Mapping[str, ParamValue]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for p in spec.params[len(OPTIONS) :]:
        v = values[p.name]
        if p.choices == ("true", "false"):
            out[p.name] = v == "true"
        elif p.integer:
            out[p.name] = int(float(v))
        else:
            out[p.name] = v
    return out


@dataclass(frozen=True)
class ModelSpec(Parametrised):
    """A user's model as a scenario: the factory's reference, its parameters (the factory's
    keyword arguments after the evaluation options ``OPTIONS``)."""

    reference: ModelReference
    id: str
    title: str
    formula: str
    params: tuple[ParamSpec, ...]
    seed: str = "your own model"
    window: tuple[float, ...] = NETWORK_WINDOW
    map_dim: int = 2
    axis_names: tuple[str, ...] = ("a", "b")
    default_lr: Mapping[str, float] = field(default_factory=lambda: dict(NETWORK_LR))
    capabilities: Capabilities = field(default_factory=lambda: Capabilities(sliced=True))

    def caveats(self, values: Mapping[str, ParamValue]) -> tuple[str, ...]:
        return ()

    @property
    def source_files(self) -> tuple[str, ...]:
        """The model file a cluster's workers must import (uploaded to them)."""
        return (self.reference.source,) if self.reference.is_file else ()

    def problem_stream(
        self, overrides: Mapping[str, object] | None = None, device: str = "cpu"
    ) -> Generator[str, None, Problem]:
        """Import the file, call the factory with the parameter values, build the problem."""
        from compute.networks.module_builder import ModuleOptions, module_problem
        from compute.networks.module_parts import GLOBAL_RANDOM

        values = self.resolve(overrides)
        yield f"importing {self.reference.name}"
        factory = self.reference.load()
        kwargs = _arguments(self, values)
        yield f"calling {self.reference.function}()"
        try:
            # The same description builds the same model, whatever else runs: the factory's
            # draws from torch's global generator are not interleaved with another thread's
            # (held only here, never across a yield: a cancelled stream must not keep it).
            with GLOBAL_RANDOM:
                given = factory(**kwargs)
        except LandscapeError:
            raise
        except Exception as exc:  # the user's factory raised
            raise user_code_error(f"{self.reference.function}() raised", exc) from None
        options = ModuleOptions(
            samples=int(float(values["eval_samples"])),
            seed=int(float(values["eval_seed"])),
            biases=str(values["biases"]),
            batchnorm=str(values["batchnorm"]),
        )
        return (yield from module_problem(self.id, values, given, options, device))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": "model",
            "title": self.title,
            "formula": self.formula,
            "seed": self.seed,
            "model": self.reference.text,
            "params": [p.to_json() for p in self.params],
        }


def model_spec(reference: ModelReference) -> ModelSpec:
    """The scenario of a factory (imports its file to read the signature and docstring)."""
    factory = reference.load()
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        raise LandscapeError(f"{reference.name} is not a plain function") from None
    own = [
        _param_of(p)
        for p in signature.parameters.values()
        if p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    ]
    clash = {p.name for p in own} & {p.name for p in OPTIONS}
    if clash:
        raise LandscapeError(f"the factory's arguments {sorted(clash)} clash with built-in ones")
    doc = (inspect.getdoc(factory) or "").strip().splitlines()
    return ModelSpec(
        reference,
        reference.scenario_id,
        f"Your model: {reference.name}",
        doc[0] if doc else f"{reference.function}(): your model, data and loss",
        (*OPTIONS, *own),
    )


def register_model(text: str) -> ModelSpec:
    """Register (or refresh) the scenario of ``FILE.py:FUNCTION`` / ``module:FUNCTION`` (or
    of a ``model:…`` scenario id) and return it."""
    raw = text[len(PREFIX) :] if text.startswith(PREFIX) else text
    spec = model_spec(ModelReference.parse(raw))
    register_scenario(spec, replace=True)
    return spec


def is_model_id(scenario_id: str) -> bool:
    return scenario_id.startswith(PREFIX)


def registered_model(scenario_id: str) -> ModelSpec | None:
    spec = SCENARIOS.get(scenario_id)
    return spec if isinstance(spec, ModelSpec) else None
