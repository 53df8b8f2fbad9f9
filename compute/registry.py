"""Scenario id → builder, with the parameter specs the CLI and the GUI present."""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from compute.errors import LandscapeError, short
from compute.objective import LossFn, Objective
from compute.objectives import toys
from compute.optimizers import DEFAULT_LR
from compute.problem import ToyProblem

if TYPE_CHECKING:
    from compute.network_registry import NetworkSpec

ParamValue = float | str


@dataclass(frozen=True)
class ParamSpec:
    """One scenario parameter: a bounded real number, or one of a few named choices."""

    name: str
    default: ParamValue
    doc: str
    minimum: float = -math.inf
    maximum: float = math.inf
    choices: tuple[str, ...] = ()
    span: tuple[float, float] = (-3.0, 3.0)  # the range a slider covers (inputs may go beyond)
    integer: bool = False  # whole numbers only (dimensions, counts, seeds)

    def parse(self, raw: object) -> ParamValue:
        """Validate a user value (a string from the CLI, a number from the GUI)."""
        if self.choices:
            text = str(raw)
            if text not in self.choices:
                raise LandscapeError(
                    f"parameter {self.name}={short(text)} is not one of {', '.join(self.choices)}"
                )
            return text
        try:
            value = float(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise LandscapeError(f"parameter {self.name}={short(raw)} is not a number") from None
        except OverflowError:
            raise LandscapeError(f"parameter {self.name} is too large") from None
        if not math.isfinite(value):
            raise LandscapeError(f"parameter {self.name} must be finite, got {short(raw)}")
        if not self.minimum <= value <= self.maximum:
            raise LandscapeError(
                f"parameter {self.name}={value:g} is outside [{self.minimum:g}, {self.maximum:g}]"
            )
        if self.integer:
            if value != int(value):
                raise LandscapeError(f"parameter {self.name}={value:g} must be a whole number")
            return float(int(value))
        return value

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "default": self.default, "doc": self.doc}
        if self.choices:
            data["choices"] = list(self.choices)
        else:
            data["minimum"] = self.minimum if math.isfinite(self.minimum) else None
            data["maximum"] = self.maximum if math.isfinite(self.maximum) else None
            data["span"] = list(self.span)
        if self.integer:
            data["integer"] = True
        return data


class Parametrised:
    """Parameter lookup, defaults and validation shared by toy and network scenarios.

    Subclasses are dataclasses with ``id: str`` and ``params: tuple[ParamSpec, ...]``.
    """

    id: str
    params: tuple[ParamSpec, ...]

    def param(self, name: str) -> ParamSpec:
        for spec in self.params:
            if spec.name == name:
                return spec
        known = ", ".join(p.name for p in self.params) or "none"
        raise LandscapeError(
            f"scenario {self.id!r} has no parameter {short(name)} (known: {known})"
        )

    def defaults(self) -> dict[str, ParamValue]:
        return {p.name: p.default for p in self.params}

    def resolve(self, overrides: Mapping[str, object] | None = None) -> dict[str, ParamValue]:
        """Defaults updated with validated overrides."""
        values = self.defaults()
        for name, raw in (overrides or {}).items():
            values[name] = self.param(name).parse(raw)
        return values


@dataclass(frozen=True)
class ScenarioSpec(Parametrised):
    """A named landscape: formula, parameters, default view and a builder of its loss.

    ``window`` is ``(xmin, xmax, ymin, ymax)`` for two-parameter scenarios and
    ``(xmin, xmax)`` for one-parameter ones (the loss curve is drawn instead of a map).
    """

    id: str
    title: str
    formula: str
    seed: str
    axis_names: tuple[str, ...]
    window: tuple[float, ...]
    build: Callable[..., LossFn]
    params: tuple[ParamSpec, ...] = field(default_factory=tuple)
    kind: str = "toy"
    default_lr: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_LR))
    caveats: Callable[[Mapping[str, ParamValue]], tuple[str, ...]] | None = None
    """``caveats(values)``: one-line warnings for valid values outside the formula's
    assumptions (psd-factorization with M not ⪰ 0); see ``scenario_warnings``."""

    @property
    def dim(self) -> int:
        return len(self.axis_names)

    @property
    def map_dim(self) -> int:
        """Axes of the map: the toy's own coordinates."""
        return self.dim

    def objective(self, overrides: Mapping[str, object] | None = None) -> Objective:
        """The loss with the given parameter values (defaults for the rest)."""
        values = self.resolve(overrides)
        return Objective(self.id, self.dim, self.axis_names, self.build(**values))

    def problem_stream(
        self, overrides: Mapping[str, object] | None = None, device: str = "cpu"
    ) -> Generator[str, None, ToyProblem]:
        """The toy as a problem (instant; a generator like the networks' builders). Toys are
        exact float64 functions evaluated on the CPU whatever ``device`` says."""
        values = self.resolve(overrides)
        yield "loss"
        return ToyProblem(self.id, values, self.objective(values))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "formula": self.formula,
            "seed": self.seed,
            "dim": self.dim,
            "axis_names": list(self.axis_names),
            "window": list(self.window),
            "params": [p.to_json() for p in self.params],
        }


def _psd_caveats(values: Mapping[str, ParamValue]) -> tuple[str, ...]:
    """M = [[m11, m12], [m12, m22]] must be positive semidefinite (Proposition 5.1 of seed 004).

    λ_min(M) = (m11 + m22)/2 − √(((m11 − m22)/2)² + m12²); a warning when λ_min < 0 beyond
    rounding (1e-12 relative to the largest entry).
    """
    m11, m12, m22 = (float(values[k]) for k in ("m11", "m12", "m22"))
    lam_min = (m11 + m22) / 2 - math.hypot((m11 - m22) / 2, m12)
    if lam_min >= -1e-12 * max(1.0, abs(m11), abs(m12), abs(m22)):
        return ()
    return (
        f"M = [[{m11:g}, {m12:g}], [{m12:g}, {m22:g}]] is not positive semidefinite "
        f"(λ_min = {lam_min:.3g}): the formula assumes M ⪰ 0, and Proposition 5.1 "
        "(every second-order stationary point is a global minimum, ‖u‖² = λ_max) need not hold",
    )


def _real(
    name: str,
    default: float,
    doc: str,
    lo: float = -1e6,
    hi: float = 1e6,
    span: tuple[float, float] = (-3.0, 3.0),
) -> ParamSpec:
    return ParamSpec(name, default, doc, lo, hi, span=span)


SCENARIOS: dict[str, ScenarioSpec] = {
    spec.id: spec
    for spec in (
        ScenarioSpec(
            "shamir",
            "Shamir (2018), Example 1: residual unit vs linear predictor",
            "F(w, v) = ½ (w (1 + ε v) − 1)²",
            "001 Shamir, Example 1",
            ("w", "v"),
            (-3.0, 3.0, -3.0, 3.0),
            toys.shamir,
            (_real("eps", 1.0, "ε: the fixed residual branch f(x) = ε x", 1e-3, 10.0, (0.05, 3)),),
        ),
        ScenarioSpec(
            "factorization",
            "Scalar factorization (1 − uv)²",
            "F(u, v) = (y − u v)²",
            "004 lecture notes §5.3.1",
            ("u", "v"),
            (-2.0, 2.0, -2.0, 2.0),
            toys.factorization,
            (_real("y", 1.0, "target y", -100.0, 100.0),),
        ),
        ScenarioSpec(
            "psd-factorization",
            "Symmetric factorization ‖M − uuᵀ‖²_F",
            "F(u) = ‖M − u uᵀ‖²_F,  M = [[m11, m12], [m12, m22]] ⪰ 0",
            "004 lecture notes, Proposition 5.1",
            ("u1", "u2"),
            (-2.0, 2.0, -2.0, 2.0),
            toys.psd_factorization,
            (
                _real("m11", 2.0, "M₁₁", -100.0, 100.0, (0.0, 4.0)),
                _real("m12", 0.5, "M₁₂ = M₂₁", -100.0, 100.0, (-2.0, 2.0)),
                _real("m22", 1.0, "M₂₂", -100.0, 100.0, (0.0, 4.0)),
            ),
            caveats=_psd_caveats,
        ),
        ScenarioSpec(
            "activation",
            "One weight through an activation: (1 − φ(w))² and sums of two",
            "F(w) = (y1 − φ(w) x1)² + (y2 − φ(w) x2)²",
            "004 lecture notes §5.3.2",
            ("w",),
            (-3.0, 3.0),
            toys.activation,
            (
                ParamSpec("phi", "relu", "activation φ", choices=tuple(toys.ACTIVATIONS)),
                _real("x1", 1.0, "first sample input x₁"),
                _real("y1", 1.0, "first sample target y₁"),
                _real("x2", 0.0, "second sample input x₂ (0 with y₂ = 0: no second sample)"),
                _real("y2", 0.0, "second sample target y₂"),
            ),
        ),
        ScenarioSpec(
            "deep-linear",
            "Scalar linear residual net (1 + w₂)(1 + w₁) x",
            "F(w1, w2) = (y − (1 + w2)(1 + w1) x)²",
            "003 Hardt & Ma; 004 Example 5.1",
            ("w1", "w2"),
            (-3.0, 2.0, -3.0, 2.0),
            toys.deep_linear,
            (_real("x", 1.0, "input x"), _real("y", 1.0, "target y")),
        ),
    )
}


def scenario_warnings(
    scenario_id: str, params: Mapping[str, object] | None = None
) -> tuple[str, ...]:
    """One-line warnings for a scenario whose (valid) parameter values fall outside the
    assumptions of its formula, e.g. psd-factorization with M not positive semidefinite.

    Qt-free, for the GUI's banner, the CLI's stderr and the ``"warnings"`` field of JSON
    outputs. ``params`` are overrides of the defaults (a session's ``params``); unknown
    scenarios or invalid values raise LandscapeError as everywhere else. Empty: no caveat.
    """
    spec = scenario(scenario_id)
    values = spec.resolve(params)
    caveats = getattr(spec, "caveats", None)
    return tuple(caveats(values)) if caveats is not None else ()


def toy(scenario_id: str) -> ScenarioSpec:
    """The spec of a toy scenario id, or a LandscapeError listing the known toys."""
    try:
        return SCENARIOS[scenario_id]
    except KeyError:
        known = ", ".join(SCENARIOS)
        raise LandscapeError(f"unknown toy scenario {scenario_id!r} (known: {known})") from None


def scenario(scenario_id: str) -> ScenarioSpec | NetworkSpec:
    """The spec of any scenario id (toy or network), or a LandscapeError listing the ids.

    Both kinds share ``id, title, formula, seed, params, kind, window, map_dim, default_lr,
    resolve(), objective(), problem_stream(), to_json()``.
    """
    from compute.network_registry import NETWORKS  # the networks build on this module

    if scenario_id in SCENARIOS:
        return SCENARIOS[scenario_id]
    if scenario_id in NETWORKS:
        return NETWORKS[scenario_id]
    known = ", ".join([*SCENARIOS, *NETWORKS])
    shown = scenario_id if len(scenario_id) <= 40 else scenario_id[:37] + "..."
    raise LandscapeError(f"unknown scenario {shown!r} (known: {known})")
