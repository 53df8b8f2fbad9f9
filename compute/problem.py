"""A scenario made concrete: the toys' exact losses and the networks behind one interface."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

from compute.network_problem import NetworkProblem
from compute.objective import Objective


@dataclass(frozen=True, eq=False)
class ToyProblem:
    """An exact toy landscape (n = 1 or 2): the map's coordinates are θ itself.

    Shares NetworkProblem's interface (``objective()``, ``init``, ``references``,
    ``baselines``, ``device``) so that every tool treats the two alike; a toy has no
    initialization, reference points or baselines of its own.
    """

    id: str
    params: Mapping[str, Any]
    toy: Objective
    init: torch.Tensor | None = None
    references: Mapping[str, torch.Tensor] = field(default_factory=dict)
    baselines: Mapping[str, float] = field(default_factory=dict)
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    @property
    def dim(self) -> int:
        return self.toy.dim

    def objective(self) -> Objective:
        return self.toy


Problem = ToyProblem | NetworkProblem
"""What every tool takes: ``objective()`` (full space), ``init`` (θ₀ or None), ``references``
(named points), ``baselines`` (named loss levels), ``device``."""


def is_network(problem: Problem) -> bool:
    return isinstance(problem, NetworkProblem)
