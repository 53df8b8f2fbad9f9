"""What every tool takes: a ``Problem`` (an objective with its start, named points and
capabilities), and the exact toys' implementation of it.

Generic code asks a problem what it can do (``Capabilities``), never what it is: the built-in
toys, the built-in networks and a user's own model answer the same questions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import torch

from compute.errors import LandscapeError
from compute.objectives.capabilities import Capabilities
from compute.objectives.objective import Objective

if TYPE_CHECKING:
    from compute.objectives.layout import ParamLayout

__all__ = ["Capabilities", "Problem", "ToyProblem"]


class Problem(Protocol):
    """A scenario made concrete: the objective and everything the tools read besides it.

    ``objective()`` is the full-space training loss (``compute.objectives.Objective``);
    ``init`` θ₀ (n,) or None (toys start where the user clicks); ``references`` named points
    (n,) to mark (``init``, ``teacher``, checkpoints); ``baselines`` named loss levels
    (``F_lin``); ``layout`` the named blocks of θ (None for toys).
    """

    @property
    def id(self) -> str: ...
    @property
    def params(self) -> Mapping[str, Any]: ...
    @property
    def init(self) -> torch.Tensor | None: ...
    @property
    def references(self) -> Mapping[str, torch.Tensor]: ...
    @property
    def baselines(self) -> Mapping[str, float]: ...
    @property
    def device(self) -> torch.device: ...
    @property
    def dtype(self) -> torch.dtype: ...
    @property
    def dim(self) -> int: ...
    @property
    def layout(self) -> ParamLayout | None: ...
    @property
    def capabilities(self) -> Capabilities: ...
    @property
    def notes(self) -> tuple[str, ...]:
        """How the problem is evaluated, in words (for the window and files' provenance)."""
        ...

    def objective(self) -> Objective: ...

    def reference(self, name: str) -> torch.Tensor: ...

    def as_theta(self, values: object) -> torch.Tensor:
        """θ on the problem's device and dtype, checked for length."""
        ...

    def to(
        self, device: str | torch.device | None = None, dtype: torch.dtype | None = None
    ) -> Problem:
        """The same problem on another device and/or float dtype."""
        ...


@dataclass(frozen=True, eq=False)
class ToyProblem:
    """An exact toy landscape (n = 1 or 2): the map's coordinates are θ itself.

    A toy has no initialization, reference points, baselines or parameter blocks of its own;
    it is an exact float64 function evaluated on the CPU.
    """

    id: str
    params: Mapping[str, Any]
    toy: Objective
    init: torch.Tensor | None = None
    references: Mapping[str, torch.Tensor] = field(default_factory=dict)
    baselines: Mapping[str, float] = field(default_factory=dict)
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    capabilities: Capabilities = field(default_factory=Capabilities)
    notes: tuple[str, ...] = ()

    @property
    def dim(self) -> int:
        return self.toy.dim

    @property
    def dtype(self) -> torch.dtype:
        return self.toy.dtype

    @property
    def layout(self) -> ParamLayout | None:
        return None

    def objective(self) -> Objective:
        return self.toy

    def reference(self, name: str) -> torch.Tensor:
        raise LandscapeError(f"{self.id} is an exact toy: it has no reference point {name!r}")

    def as_theta(self, values: object) -> torch.Tensor:
        theta = self.toy.as_tensor(values)
        if theta.shape[-1:] != (self.dim,):
            raise LandscapeError(
                f"{self.id} has {self.dim} parameters, got θ of shape {tuple(theta.shape)}"
            )
        return theta

    def to(
        self, device: str | torch.device | None = None, dtype: torch.dtype | None = None
    ) -> ToyProblem:
        """A toy is exact float64 on the CPU: the same problem whatever is asked."""
        return self
