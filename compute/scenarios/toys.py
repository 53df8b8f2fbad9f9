"""The exact toy scenarios (seeds 001, 003, 004): formulas, parameters, default windows.

Each registers itself in the catalogue (``register_scenario``). Torch-free: a toy's loss is
built (``compute.objectives.toys``) only when its problem is.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from compute.objectives.capabilities import Capabilities
from compute.scenarios.params import Parametrised, ParamSpec, ParamValue
from compute.vocabulary import DEFAULT_LR

if TYPE_CHECKING:
    from compute.objectives.problem import Problem

ACTIVATION_NAMES = ("relu", "square", "sigmoid", "leaky_relu", "softplus", "tanh")
"""The activations φ of the ``activation`` toy (``compute.objectives.toys.ACTIVATIONS``)."""


def _formula(name: str) -> Callable[..., Any]:
    """``compute.objectives.toys.<name>``, imported when a toy is built (torch loads then)."""

    def build(**values: Any) -> Any:
        return getattr(importlib.import_module("compute.objectives.toys"), name)(**values)

    return build


@dataclass(frozen=True)
class ToySpec(Parametrised):
    """A named exact landscape: formula, parameters, default view and a builder of its loss.

    ``window`` is ``(xmin, xmax, ymin, ymax)`` for two-parameter scenarios and
    ``(xmin, xmax)`` for one-parameter ones (the loss curve is drawn instead of a map).
    ``build(**values) -> loss(θ[..., n])`` makes the loss from the parameter values.
    """

    id: str
    title: str
    formula: str
    seed: str
    axis_names: tuple[str, ...]
    window: tuple[float, ...]
    build: Callable[..., Any]
    params: tuple[ParamSpec, ...] = field(default_factory=tuple)
    default_lr: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_LR))
    warn: Callable[[Mapping[str, ParamValue]], tuple[str, ...]] | None = None
    """``warn(values)``: one-line warnings for valid values outside the formula's assumptions
    (psd-factorization with M not ⪰ 0); see ``caveats``."""
    capabilities: Capabilities = field(default_factory=Capabilities)

    @property
    def dim(self) -> int:
        return len(self.axis_names)

    @property
    def map_dim(self) -> int:
        """Axes of the map: the toy's own coordinates."""
        return self.dim

    def caveats(self, values: Mapping[str, ParamValue]) -> tuple[str, ...]:
        return self.warn(values) if self.warn is not None else ()

    def problem_stream(
        self, overrides: Mapping[str, object] | None = None, device: str = "cpu"
    ) -> Generator[str, None, Problem]:
        """The toy as a problem (instant; a generator like the networks' builders). Toys are
        exact float64 functions evaluated on the CPU whatever ``device`` says."""
        from compute.objectives.objective import Objective
        from compute.objectives.problem import ToyProblem

        values = self.resolve(overrides)
        yield "loss"
        objective = Objective(self.id, self.dim, self.axis_names, self.build(**values))
        return ToyProblem(self.id, values, objective)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": "toy",
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


TOYS: tuple[ToySpec, ...] = (
    ToySpec(
        "shamir",
        "Shamir (2018), Example 1: residual unit vs linear predictor",
        "F(w, v) = ½ (w (1 + ε v) − 1)²",
        "001 Shamir, Example 1",
        ("w", "v"),
        (-3.0, 3.0, -3.0, 3.0),
        _formula("shamir"),
        (_real("eps", 1.0, "ε: the fixed residual branch f(x) = ε x", 1e-3, 10.0, (0.05, 3)),),
    ),
    ToySpec(
        "factorization",
        "Scalar factorization (1 − uv)²",
        "F(u, v) = (y − u v)²",
        "004 lecture notes §5.3.1",
        ("u", "v"),
        (-2.0, 2.0, -2.0, 2.0),
        _formula("factorization"),
        (_real("y", 1.0, "target y", -100.0, 100.0),),
    ),
    ToySpec(
        "psd-factorization",
        "Symmetric factorization ‖M − uuᵀ‖²_F",
        "F(u) = ‖M − u uᵀ‖²_F,  M = [[m11, m12], [m12, m22]] ⪰ 0",
        "004 lecture notes, Proposition 5.1",
        ("u1", "u2"),
        (-2.0, 2.0, -2.0, 2.0),
        _formula("psd_factorization"),
        (
            _real("m11", 2.0, "M₁₁", -100.0, 100.0, (0.0, 4.0)),
            _real("m12", 0.5, "M₁₂ = M₂₁", -100.0, 100.0, (-2.0, 2.0)),
            _real("m22", 1.0, "M₂₂", -100.0, 100.0, (0.0, 4.0)),
        ),
        warn=_psd_caveats,
    ),
    ToySpec(
        "activation",
        "One weight through an activation: (1 − φ(w))² and sums of two",
        "F(w) = (y1 − φ(w) x1)² + (y2 − φ(w) x2)²",
        "004 lecture notes §5.3.2",
        ("w",),
        (-3.0, 3.0),
        _formula("activation"),
        (
            ParamSpec("phi", "relu", "activation φ", choices=ACTIVATION_NAMES),
            _real("x1", 1.0, "first sample input x₁"),
            _real("y1", 1.0, "first sample target y₁"),
            _real("x2", 0.0, "second sample input x₂ (0 with y₂ = 0: no second sample)"),
            _real("y2", 0.0, "second sample target y₂"),
        ),
    ),
    ToySpec(
        "deep-linear",
        "Scalar linear residual net (1 + w₂)(1 + w₁) x",
        "F(w1, w2) = (y − (1 + w2)(1 + w1) x)²",
        "003 Hardt & Ma; 004 Example 5.1",
        ("w1", "w2"),
        (-3.0, 2.0, -3.0, 2.0),
        _formula("deep_linear"),
        (_real("x", 1.0, "input x"), _real("y", 1.0, "target y")),
    ),
)
