"""What the user's gestures on the map mean, as state changes (Qt-free): a click starts runs,
Ctrl+click starts every optimizer, a dragged start moves a run, "Train from θ₀"."""

from __future__ import annotations

from dataclasses import replace

from compute import OPTIMIZERS, RunConfig, RunSettings, scenario, start_theta
from explorer.state import AppState

NEWTON_NOTE = "Newton is left out of full-space network runs (it needs the full Hessian)"


class Gestures:
    """Turns gestures into undoable state changes; each gesture is one undo step."""

    def __init__(self, state: AppState) -> None:
        self.state = state

    def _optimizers(self, every: bool) -> tuple[str, ...]:
        s = self.state.session
        if not every:
            return (s.optimizer.optimizer,)
        if s.sliced and not s.in_plane:
            return tuple(n for n in OPTIMIZERS if n != "newton")
        return OPTIMIZERS

    def _config(self, name: str) -> RunConfig:
        base = self.state.session.optimizer
        if name == base.optimizer:
            return base
        spec = scenario(self.state.session.scenario)
        return RunConfig.for_optimizer(
            name,
            spec.default_lr,
            momentum=base.momentum,
            steps=base.steps,
            batch_size=base.batch_size if name != "newton" else 0,
            seed=base.seed,
            curvature_every=base.curvature_every,
        )

    def _settings(self, coords: tuple[float, ...], config: RunConfig, k: int) -> RunSettings:
        s, landscape = self.state.session, self.state.results.landscape
        color = self.state.next_color(k)
        if not s.sliced:
            return RunSettings(coords, config, color)
        theta = start_theta(landscape, coords) if landscape is not None else b""
        return RunSettings(coords, config, color, in_plane=s.in_plane, theta=theta, plane=s.plane)

    def click(self, x: float, y: float, every: bool = False) -> list[int]:
        """Runs from the clicked point (every optimizer with ``every``); refused outside the
        computed window, where the map shows nothing."""
        s = self.state.session
        coords = (x, y)[: len(s.window) // 2]
        if not _inside(coords, s.window):
            self.state.notify("That point is outside the computed map: zoom out or pan first.")
            return []
        names = self._optimizers(every)
        settings = [self._settings(coords, self._config(n), k) for k, n in enumerate(names)]
        ids = self.state.add_runs(settings)
        what = "every optimizer" if every else names[0]
        where = ", ".join(f"{v:.3g}" for v in coords)
        extra = f" ({NEWTON_NOTE})" if every and len(names) < len(OPTIMIZERS) else ""
        self.state.notify(f"Started {what} from ({where}){extra}. Ctrl+Z undoes the click.")
        return ids

    def train_from_init(self) -> list[int]:
        """A full-space run from the scenario's θ₀ (drawn where θ₀ projects on the plane)."""
        s = self.state.session
        a, b, _ = self.state.results.marks.get("init", (0.0, 0.0, 0.0))
        settings = RunSettings(
            (a, b), s.optimizer, self.state.next_color(), at="init", plane=s.plane
        )
        return self.state.add_runs([settings], "train from θ₀")

    def move(self, rid: int, x: float, y: float) -> None:
        """A start handle dragged to (x, y): the run restarts from there (undoable)."""
        run = self.state.runs.get(rid)
        if run is None:
            return
        coords = (x, y)[: len(run.settings.start)]
        settings = replace(run.settings, start=coords, note="")
        landscape = self.state.results.landscape
        if self.state.sliced and landscape is not None:
            spec = self.state.session.plane
            theta = start_theta(landscape, coords)
            settings = replace(settings, at="point", theta=theta, plane=spec)
        self.state.move_run(rid, settings)


def _inside(coords: tuple[float, ...], window: tuple[float, ...]) -> bool:
    return all(lo <= c <= hi for c, lo, hi in zip(coords, window[::2], window[1::2], strict=False))
