"""Scenario parameters: bounded real numbers or named choices, validated from the CLI, the
window and session files alike (torch-free)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from compute.errors import LandscapeError, short

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
