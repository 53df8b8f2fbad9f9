"""The catalogue of scenarios: ``register_scenario(spec)`` adds one, ``scenario(id)`` finds it.

The built-in toys and networks register themselves through the same call as a scenario added
from outside (a test, a notebook, a user's own model): nothing else in ``compute`` or
``explorer`` names a scenario. Torch-free: listing and validating scenarios costs nothing.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from compute.errors import LandscapeError
from compute.objectives.capabilities import Capabilities
from compute.scenarios.params import ParamSpec, ParamValue

if TYPE_CHECKING:
    from compute.objectives.problem import Problem


class ScenarioSpec(Protocol):
    """A named landscape before it is built: what the CLI lists and the window offers.

    Attributes
    ----------
    id, title, formula, seed
        Identity, a one-line title, the formula (plain text) and the seed document it shows.
    params
        Its parameters (sliders in the window, ``--set NAME=VALUE`` on the command line).
    window
        The default view: ``(xmin, xmax[, ymin, ymax])`` of the map.
    map_dim
        Axes of the map (1: a loss curve, 2: a map).
    axis_names
        Names of the map's axes (a toy's coordinates; ``a``, ``b`` on a slice).
    default_lr
        Default step size per optimizer.
    capabilities
        What its problems offer that is known before building (``sliced``, ``teacher``,
        ``classifier``); the built problem's own ``capabilities`` are authoritative.
    """

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def formula(self) -> str: ...
    @property
    def seed(self) -> str: ...
    @property
    def params(self) -> tuple[ParamSpec, ...]: ...
    @property
    def window(self) -> tuple[float, ...]: ...
    @property
    def map_dim(self) -> int: ...
    @property
    def axis_names(self) -> tuple[str, ...]: ...
    @property
    def default_lr(self) -> Mapping[str, float]: ...
    @property
    def capabilities(self) -> Capabilities: ...

    def param(self, name: str) -> ParamSpec: ...
    def defaults(self) -> dict[str, ParamValue]: ...
    def resolve(self, overrides: Mapping[str, object] | None = None) -> dict[str, ParamValue]: ...

    def problem_stream(
        self, overrides: Mapping[str, object] | None = None, device: str = "cpu"
    ) -> Generator[str, None, Problem]:
        """Build the problem, yielding what it is doing; returns it on ``device``."""
        ...

    def caveats(self, values: Mapping[str, ParamValue]) -> tuple[str, ...]:
        """One-line warnings for valid values outside the formula's assumptions."""
        ...

    def to_json(self) -> dict[str, Any]: ...


class _Catalogue(Mapping[str, ScenarioSpec]):
    """id → spec, in registration order (built-ins first)."""

    def __init__(self) -> None:
        self._specs: dict[str, ScenarioSpec] = {}

    def __getitem__(self, key: str) -> ScenarioSpec:
        return self._specs[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)

    def add(self, spec: ScenarioSpec, replace: bool) -> None:
        if not spec.id or not spec.id.strip() or len(spec.id) > 200:
            raise LandscapeError("a scenario needs a non-empty id of at most 200 characters")
        if spec.id in self._specs and not replace and self._specs[spec.id] is not spec:
            raise LandscapeError(f"a scenario {spec.id!r} is registered already")
        if spec.map_dim not in (1, 2) or len(spec.window) != 2 * spec.map_dim:
            raise LandscapeError(f"scenario {spec.id!r}: its window must match its map_dim")
        self._specs[spec.id] = spec

    def remove(self, scenario_id: str) -> None:
        self._specs.pop(scenario_id, None)


SCENARIOS = _Catalogue()
"""Every registered scenario: id → ``ScenarioSpec``."""


def register_scenario(spec: ScenarioSpec, replace: bool = False) -> ScenarioSpec:
    """Add ``spec`` to the catalogue (the CLI lists it, the window offers it, sessions name it).

    Refuses an empty id, a window that does not match ``map_dim``, and an id that is taken
    (unless ``replace``). Returns the spec, so it can be used as a decorator-like call.
    """
    SCENARIOS.add(spec, replace)
    return spec


def unregister_scenario(scenario_id: str) -> None:
    """Remove a scenario added with ``register_scenario`` (nothing happens for unknown ids)."""
    SCENARIOS.remove(scenario_id)


def scenario(scenario_id: str) -> ScenarioSpec:
    """The spec of a registered scenario, or a LandscapeError listing the known ids."""
    try:
        return SCENARIOS[scenario_id]
    except KeyError:
        known = ", ".join(k for k in SCENARIOS if ":" not in k)  # not users' model files
        shown = scenario_id if len(scenario_id) <= 40 else scenario_id[:37] + "..."
        raise LandscapeError(f"unknown scenario {shown!r} (known: {known})") from None


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
    return tuple(spec.caveats(spec.resolve(params)))


def build_problem(
    scenario_id: str, overrides: Mapping[str, object] | None = None, device: str = "cpu"
) -> Problem:
    """The problem of a registered scenario with ``overrides`` of its defaults, built at once
    (``ScenarioSpec.problem_stream`` without its progress)."""
    from compute.generators import drain

    return drain(scenario(scenario_id).problem_stream(overrides, device))
