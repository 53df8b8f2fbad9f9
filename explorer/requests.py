"""Frozen compute requests built from the state on the GUI thread (they cross to workers)."""

from __future__ import annotations

from dataclasses import dataclass

from compute import Modes, Objective, Window, scenario
from compute.session import Session


@dataclass(frozen=True)
class LandscapeRequest:
    """Everything a worker needs to compute on the current landscape; owns its objects."""

    objective: Objective
    modes: Modes
    window: Window
    resolution: int
    log_scale: bool

    @classmethod
    def from_session(cls, s: Session) -> LandscapeRequest:
        return cls(
            scenario(s.scenario).objective(s.params),
            s.modes(),
            Window(s.window),
            s.resolution,
            s.log_scale,
        )

    @property
    def regularised(self) -> Objective:
        """The objective with the L2 term (what the map, readout and overlays show)."""
        return self.modes.apply(self.objective)
