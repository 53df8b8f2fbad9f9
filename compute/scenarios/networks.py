"""The built-in network scenarios (seeds 000, 001, 003 and the digits): formulas, parameters.

Each registers itself in the catalogue (``register_scenario``). Torch-free: the builders of
``compute.networks.teacher_builders`` and ``compute.networks.predictor_builders`` are imported
when a problem is built.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from compute.objectives.capabilities import Capabilities
from compute.scenarios.params import Parametrised, ParamSpec, ParamValue
from compute.vocabulary import NETWORK_LR

if TYPE_CHECKING:
    from compute.objectives.problem import Problem

NETWORK_WINDOW = (-1.0, 1.0, -1.0, 1.0)
"""The (a, b) window of a fresh slice."""
SLICE_AXES = ("a", "b")
"""The map's axes on a slice θ₀ + a·d₁ + b·d₂."""
TEACHER_BUILDERS = "compute.networks.teacher_builders"
PREDICTOR_BUILDERS = "compute.networks.predictor_builders"


def _builder(module: str, name: str) -> Callable[..., Any]:
    """``<module>.<name>``, imported when a problem is built (torch loads)."""

    def build(**values: Any) -> Any:
        return getattr(importlib.import_module(module), name)(**values)

    return build


@dataclass(frozen=True)
class NetworkSpec(Parametrised):
    """A trainable network scenario: formula, parameters (dimensions, counts, noise, seed).

    ``build(**values)`` makes the concrete ``NetworkProblem`` (data, teacher, init), or a
    generator of its stages returning it; the same values always give the same problem.
    ``capabilities``: what every problem of the scenario offers (a slice; a teacher of the
    student's own architecture, so planes towards it make sense; a classifier).
    """

    id: str
    title: str
    formula: str
    seed: str
    metric: str | None
    build: Callable[..., Any]
    params: tuple[ParamSpec, ...] = field(default_factory=tuple)
    capabilities: Capabilities = field(
        default_factory=lambda: Capabilities(sliced=True, teacher=True)
    )
    window: tuple[float, ...] = NETWORK_WINDOW
    map_dim: int = 2
    axis_names: tuple[str, ...] = SLICE_AXES
    default_lr: Mapping[str, float] = field(default_factory=lambda: dict(NETWORK_LR))

    def caveats(self, values: Mapping[str, ParamValue]) -> tuple[str, ...]:
        return ()

    def problem_stream(
        self, overrides: Mapping[str, object] | None = None, device: str = "cpu"
    ) -> Generator[str, None, Problem]:
        """Build the problem stage by stage, yielding what it is doing (a builder that trains,
        like ``relaxation``'s warm start, yields its progress), then move it to ``device``."""
        from compute.networks.sliced import resolve_device

        values = self.resolve(overrides)
        target = resolve_device(device)
        args = {p.name: int(values[p.name]) if p.integer else values[p.name] for p in self.params}
        yield (
            "data, teacher and initialization"
            if self.capabilities.teacher
            else ("data and initialization")
        )
        built = self.build(**args)
        problem = (yield from built) if inspect.isgenerator(built) else built
        if target.type != "cpu":
            yield f"moving to {target}"
        return replace(problem, id=self.id, params=values).to(target)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": "network",
            "title": self.title,
            "formula": self.formula,
            "seed": self.seed,
            "metric": self.metric,
            "params": [p.to_json() for p in self.params],
        }


def _int(name: str, default: int, doc: str, lo: int, hi: int) -> ParamSpec:
    span = (float(lo), float(max(lo + 1, min(hi, 4 * default))))
    return ParamSpec(name, default, doc, lo, hi, span=span, integer=True)


def _real(name: str, default: float, doc: str, lo: float, hi: float) -> ParamSpec:
    return ParamSpec(name, default, doc, lo, hi, span=(lo, min(hi, max(1.0, 4 * default))))


NO_TEACHER = Capabilities(sliced=True)
SEED = _int("seed", 0, "seed of the data, the teacher and the initialization", 0, 2**31 - 1)
DIM = _int("dim", 8, "input dimension d", 1, 256)
SAMPLES = _int("samples", 1024, "training samples N", 8, 100_000)
TEST = _int("test_samples", 256, "held-out samples drawn like the training ones", 1, 100_000)
NOISE = _real("noise", 0.0, "standard deviation of Gaussian label noise", 0.0, 100.0)
TEACHER_SCALE = _real("teacher_scale", 1.0, "teacher entries ~ N(0, scale²/fan_in)", 0.0, 100.0)
INIT_NORM = _real("init_norm", 0.2, "Frobenius norm of each initial weight matrix", 0.0, 100.0)

NETWORKS: tuple[NetworkSpec, ...] = (
    NetworkSpec(
        "li-yuan",
        "Li & Yuan (2017): identity-mapping student and teacher",
        "f(x, W) = ‖ReLU((I + W)ᵀx)‖₁,  x ~ N(0, I_d),  F(W) = ½ mean (f(x, W) − f(x, W*))²",
        "000 Li & Yuan student–teacher",
        "‖W − W*‖_F",
        _builder(TEACHER_BUILDERS, "li_yuan"),
        (
            DIM,
            SAMPLES,
            TEST,
            _real("teacher_norm", 0.5, "‖W*‖_F (small, as the theorem assumes)", 0.0, 100.0),
            _real("init_norm", 0.1, "‖W₀‖_F of the student's initialization", 0.0, 100.0),
            NOISE,
            SEED,
        ),
    ),
    NetworkSpec(
        "resnet-block",
        "One-block ResNet student and teacher",
        "f(x) = ‖W₂ᵀReLU(W₁ᵀx) + x‖₁,  W₁ ∈ ℝ^{d×h}, W₂ ∈ ℝ^{h×d},  F = ½ mean (f − f*)²",
        "000 one-block ResNet",
        "‖(W₁, W₂) − (W₁*, W₂*)‖_F",
        _builder(TEACHER_BUILDERS, "resnet_block"),
        (
            DIM,
            _int("hidden", 8, "hidden units h", 1, 1024),
            SAMPLES,
            TEST,
            TEACHER_SCALE,
            INIT_NORM,
            NOISE,
            SEED,
        ),
    ),
    NetworkSpec(
        "li-yuan-on-resnet",
        "Li–Yuan student fitted to a one-block ResNet teacher",
        "student ‖ReLU((I + W)ᵀx)‖₁,  teacher ‖W₂*ᵀReLU(W₁*ᵀx) + x‖₁,  F = ½ mean (f − f*)²",
        "000 Li–Yuan on ResNet (loss only)",
        None,
        _builder(TEACHER_BUILDERS, "li_yuan_on_resnet"),
        (
            DIM,
            _int("hidden", 8, "teacher hidden units h", 1, 1024),
            SAMPLES,
            TEST,
            TEACHER_SCALE,
            INIT_NORM,
            NOISE,
            SEED,
        ),
        capabilities=NO_TEACHER,
    ),
    NetworkSpec(
        "relaxation",
        "ResNet block warm-started from the Li–Yuan weights (relaxation)",
        "f(x) = ‖W₂ᵀReLU(W₁ᵀx) + x‖₁ from W₁ = W₂ = W_LY (Li–Yuan student fitted first)",
        "000 relaxation",
        "‖(W₁, W₂) − (W₁*, W₂*)‖_F",
        _builder(TEACHER_BUILDERS, "relaxation"),
        (
            DIM,
            SAMPLES,
            TEST,
            TEACHER_SCALE,
            INIT_NORM,
            NOISE,
            _int(
                "relax_steps",
                1000,
                "full-batch Adam steps fitting the Li–Yuan student",
                0,
                100_000,
            ),
            _real("relax_lr", 0.01, "learning rate of that fit", 1e-6, 10.0),
            SEED,
        ),
    ),
    NetworkSpec(
        "residual-predictor",
        "Shamir (2018): residual predictor vs the best linear predictor",
        "p(x) = wᵀ(x + V ReLU(Ux + c))  (skip: wᵀx + vᵀReLU(Ux + c)),  F = ½ mean (p − y)²,"
        "  F_lin = min_w ½ mean (wᵀx − y)²",
        "001 Shamir, Theorems 1–4",
        "F − F_lin",
        _builder(PREDICTOR_BUILDERS, "residual_predictor"),
        (
            DIM,
            _int("hidden", 16, "hidden units of f_θ", 1, 1024),
            SAMPLES,
            TEST,
            _int("teacher_units", 4, "ReLU units in the target y", 0, 1024),
            _real("noise", 0.1, "standard deviation of Gaussian label noise", 0.0, 100.0),
            ParamSpec(
                "variant",
                "residual",
                "residual: wᵀ(x + V f); skip: wᵀx + vᵀf "
                "(Theorem 4, train with projected SGD onto a ball)",
                choices=("residual", "skip"),
            ),
            SEED,
        ),
        capabilities=NO_TEACHER,
    ),
    NetworkSpec(
        "linear-residual",
        "Hardt & Ma (2016): deep linear residual network",
        "h(x) = (I + A_l)…(I + A_1)x,  Y = RX + ξ,  F = mean ‖Y − h(X)‖²",
        "003 Hardt & Ma",
        "max_i ‖A_i‖₂",
        _builder(PREDICTOR_BUILDERS, "linear_residual"),
        (
            _int("dim", 4, "dimension d", 1, 256),
            _int("depth", 5, "layers l", 1, 64),
            SAMPLES,
            TEST,
            _real("r_norm", 1.0, "R = exp(M) with ‖M‖_F = r_norm", 0.0, 20.0),
            _real("init_norm", 0.05, "‖A_i‖_F at initialization", 0.0, 100.0),
            _real("noise", 0.1, "standard deviation of ξ", 0.0, 100.0),
            SEED,
        ),
    ),
    NetworkSpec(
        "digits-resnet",
        "Residual MLP on scikit-learn's 8×8 digits",
        "h₀ = ReLU(W_in x + b_in),  h_k = h_{k−1} + W_k2 ReLU(W_k1 h_{k−1} + b_k1) + b_k2,"
        "  logits = W_out h_L + b_out,  cross-entropy",
        "003 Hardt & Ma: residual units without normalisation, on real images",
        "test accuracy",
        _builder(PREDICTOR_BUILDERS, "digits_resnet"),
        (
            _int("width", 32, "units per layer", 1, 1024),
            _int("blocks", 2, "residual blocks", 0, 100),
            _real("test_fraction", 0.2, "share of the 1797 images held out", 0.05, 0.5),
            ParamSpec(
                "init",
                "default",
                "initialization: nn.Linear's default, or a scheme of the initialization "
                "lab (xavier N(0, 1/d), scaled N(0, 1/(dL)), α- / β-scaling, Fixup)",
                choices=("default", "xavier", "scaled", "alpha", "beta", "fixup"),
            ),
            SEED,
        ),
        capabilities=Capabilities(sliced=True, classifier=True),
    ),
)
