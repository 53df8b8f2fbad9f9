"""The initialization lab's Qt-free state: the settings of its three experiments, what their
sweeps and runs have produced so far, and change events for the views."""

from __future__ import annotations

import dataclasses
import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from compute import (
    DEPTH_PRESETS,
    INIT_SCHEMES,
    NORM_PRESETS,
    DepthSweepConfig,
    DepthSweepProgress,
    DepthSweepResult,
    LandscapeError,
    NormSweepConfig,
    NormSweepProgress,
    NormSweepResult,
    RunConfig,
    SchemeNorms,
    SchemeRunChunk,
    SchemeTrainingConfig,
    figure_style,
)
from explorer.events import Event

SCHEME_COLORS = figure_style.SCHEME_COLORS  # one colour per scheme, as in the exported figures
SCHEME_LABELS = figure_style.SCHEME_LABELS
TABS = ("forward", "depth", "training")
MARK_FIELDS = frozenset({"width", "depth", "input", "activation", "matrices", "gain", "normalize"})
"""Changing one of these leaves a preset's setting, so its per-pass marks no longer apply."""


@dataclass
class ForwardData:
    """The norm sweep being shown: ``config`` it ran with, per-scheme summaries over the
    ``trials_done`` trials so far (``final``: all of them), its marks and wall time (s)."""

    config: NormSweepConfig
    schemes: tuple[SchemeNorms, ...]
    trials_done: int
    final: bool
    marks: tuple[int, ...] = ()
    seconds: float = 0.0


@dataclass
class TrainingCurve:
    """One scheme's run so far: steps (k,), loss F (k,), test accuracy (k,) (NaN where not
    evaluated), its state (``running``, ``converged``, ``max_steps``, ``diverged``, ``error``),
    the step it stopped at and, for ``error``, why."""

    scheme: str
    steps: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    status: str = "running"
    stopped_at: int = 0
    error: str = ""

    def add(self, item: SchemeRunChunk) -> None:
        self.status = item.status
        if item.chunk is None:
            self.error = item.error
            return
        c = item.chunk
        self.steps += c.steps.tolist()
        self.loss += c.loss[:, 0].tolist()
        acc = c.metrics.get("test_accuracy", np.full((len(c.steps), 1), np.nan))
        self.accuracy += acc[:, 0].tolist()
        self.stopped_at = int(c.stopped_at[0]) if self.status != "running" else int(c.step)


@dataclass(frozen=True)
class TabMessage:
    """Something to tell the user on lab tab ``tab``: kind ``info`` or ``error``."""

    tab: str
    text: str
    kind: str = "info"


@dataclass(frozen=True)
class TabProgress:
    """Lab tab ``tab``'s job is at ``fraction`` (< 1 running, ≥ 1 done, < 0 stopped or failed)."""

    tab: str
    fraction: float


class LabEvents:
    """The lab state's events and their typed payloads (the explorer's one ``Event`` type)."""

    def __init__(self) -> None:
        self.forward_config = Event[NormSweepConfig]("forward_config")
        self.forward_data = Event[ForwardData | None]("forward_data")
        self.depth_data = Event[Mapping[str, DepthSweepResult]]("depth_data")
        self.training_config = Event[SchemeTrainingConfig]("training_config")
        self.training_data = Event[Mapping[str, TrainingCurve]]("training_data")
        self.message = Event[TabMessage]("message")
        self.busy = Event[TabProgress]("busy")


def parse_depths(text: str) -> tuple[int, ...]:
    """``"2, 4, 8"`` → (2, 4, 8): whole numbers separated by commas or spaces."""
    parts = [p for p in re.split(r"[,\s]+", text.strip()) if p]
    try:
        values = tuple(int(p) for p in parts)
    except ValueError:
        raise LandscapeError(f"depths must be whole numbers such as 2,4,8, got {text!r}") from None
    if not values:
        raise LandscapeError("give one or more depths, such as 2,4,8,16")
    return values


class LabState:
    """Settings and results of the lab; views subscribe, the window runs the jobs.

    Events (``state.events.NAME.connect(callback)``): ``forward_config`` (the sweep's settings
    changed: widgets mirror them and a new sweep is due), ``forward_data`` (new summaries to
    draw), ``training_config`` (the training settings changed: widgets mirror them),
    ``depth_data``, ``training_data``, ``message`` [``TabMessage``], ``busy``
    [``TabProgress``]. Only the state emits.
    Refused settings (a LandscapeError from compute) leave everything as it was.
    """

    def __init__(self) -> None:
        self.events = LabEvents()
        self.forward_config = NormSweepConfig()
        self.forward_marks: tuple[int, ...] = ()
        self.forward: ForwardData | None = None
        self.depth_presets: tuple[str, ...] = ("linear-gd",)
        self.depth_overrides: dict[str, Any] = {}
        self.depth_curves: dict[str, DepthSweepResult] = {}
        self.depth_status = ""
        self.training_config = SchemeTrainingConfig(
            ("default", "xavier", "scaled", "fixup"), 20, 32, RunConfig("adam", lr=0.01, steps=300)
        )
        self.training: dict[str, TrainingCurve] = {}
        self.training_clock = 0.0

    # events -------------------------------------------------------------------------------
    def notify(self, tab: str, text: str, kind: str = "info") -> None:
        self.events.message.emit(TabMessage(tab, text, kind))

    def progress(self, tab: str, fraction: float) -> None:
        self.events.busy.emit(TabProgress(tab, fraction))

    def stopped(self, tab: str, reason: str = "", kind: str = "info") -> None:
        """A job of ``tab`` ended early: cancelled by the user, or failed (``reason``)."""
        self.progress(tab, -1.0)
        if reason:
            self.notify(tab, reason, kind)

    # forward norms ------------------------------------------------------------------------
    def set_forward(self, **changes: Any) -> str:
        """Change the sweep's settings; returns "" or the compute's reason for refusing."""
        try:
            config = dataclasses.replace(self.forward_config, **changes)
        except LandscapeError as exc:
            self.notify("forward", f"Refused: {exc}. The previous setting is kept.", "error")
            return str(exc)
        if config == self.forward_config:
            return ""
        if MARK_FIELDS & {k for k, v in changes.items() if v != getattr(self.forward_config, k)}:
            self.forward_marks = ()
        self.forward_config = config
        self.events.forward_config.emit(self.forward_config)
        return ""

    def toggle_scheme(self, scheme: str, on: bool) -> str:
        """Add or remove a scheme (kept in INIT_SCHEMES' order)."""
        chosen = set(self.forward_config.schemes)
        chosen = chosen | {scheme} if on else chosen - {scheme}
        return self.set_forward(schemes=tuple(s for s in INIT_SCHEMES if s in chosen))

    def apply_norm_preset(self, name: str) -> None:
        preset = NORM_PRESETS[name]
        backward = self.forward_config.backward
        self.forward_config = dataclasses.replace(preset.config, backward=backward)
        self.forward_marks = preset.marks
        self.notify("forward", preset.description)
        self.events.forward_config.emit(self.forward_config)

    def forward_started(self) -> None:
        self.progress("forward", 0.0)

    def forward_progress(self, config: NormSweepConfig, items: list[NormSweepProgress]) -> None:
        partial = [p for p in items if p.partial is not None]
        if partial:
            last = partial[-1]
            assert last.partial is not None
            marks = self.forward_marks
            self.forward = ForwardData(config, last.partial, last.trials_done, False, marks)
            self.events.forward_data.emit(self.forward)
        self.progress("forward", min(items[-1].fraction, 0.999))

    def forward_done(self, result: NormSweepResult) -> None:
        c = result.config
        self.forward = ForwardData(c, result.schemes, c.trials, True, result.marks, result.seconds)
        self.events.forward_data.emit(self.forward)
        self.progress("forward", 1.0)
        self.notify(
            "forward",
            f"{c.trials} trials × {len(c.schemes)} schemes, width {c.width}, depth {c.depth}: "
            f"{result.seconds:.2f} s",
        )

    # near-identity depth sweep ------------------------------------------------------------
    def depth_configs(self) -> list[DepthSweepConfig]:
        """The configs of the chosen presets with the user's overrides (may raise)."""
        if not self.depth_presets:
            raise LandscapeError("choose one or more presets")
        return [
            dataclasses.replace(DEPTH_PRESETS[name], **self.depth_overrides)
            for name in self.depth_presets
        ]

    def set_depth_overrides(self, **changes: Any) -> str:
        """Override preset fields (``depths``, ``steps``, ``lr``, ``init_norm``; None: the
        preset's own); returns "" or why the result is impossible (overrides unchanged)."""
        new = dict(self.depth_overrides)
        for name, value in changes.items():
            if value is None:
                new.pop(name, None)
            else:
                new[name] = value
        old, self.depth_overrides = self.depth_overrides, new
        try:
            self.depth_configs()
        except LandscapeError as exc:
            self.depth_overrides = old
            self.notify("depth", f"Refused: {exc}", "error")
            return str(exc)
        return ""

    def depth_progress(self, items: list[DepthSweepProgress]) -> None:
        last = items[-1]
        if last.partial.fits:
            self.depth_curves[last.partial.label] = last.partial
            self.events.depth_data.emit(dict(self.depth_curves))
        self.depth_status = f"{last.partial.label}: depth {last.depth}, step {last.step}"
        self.progress("depth", min(last.fraction, 0.999))

    def depth_started(self) -> None:
        self.progress("depth", 0.0)

    def depth_done(self, results: list[DepthSweepResult]) -> None:
        seconds = sum(f.seconds for r in results for f in r.fits)
        self.progress("depth", 1.0)
        self.notify("depth", f"{len(results)} sweep(s) done in {seconds:.1f} s")

    def depth_finished(self, result: DepthSweepResult) -> None:
        self.depth_curves[result.label] = result
        self.events.depth_data.emit(dict(self.depth_curves))

    def clear_depth(self) -> None:
        self.depth_curves.clear()
        self.events.depth_data.emit(dict(self.depth_curves))

    # training with each scheme ------------------------------------------------------------
    def set_training(self, **changes: Any) -> str:
        """Change ``schemes``, ``blocks``, ``width`` or the run's ``optimizer``, ``lr``,
        ``steps``; returns "" or the compute's reason for refusing (settings unchanged)."""
        run_fields = {k: changes.pop(k) for k in ("optimizer", "lr", "steps") if k in changes}
        try:
            run = dataclasses.replace(self.training_config.run, **run_fields)
            config = dataclasses.replace(self.training_config, run=run, **changes)
        except LandscapeError as exc:
            self.notify("training", f"Refused: {exc}. The previous setting is kept.", "error")
            return str(exc)
        if config != self.training_config:
            self.training_config = config
            self.events.training_config.emit(config)
        return ""

    def training_started(self) -> None:
        self.training_clock = time.perf_counter()
        self.training = {s: TrainingCurve(s) for s in self.training_config.schemes}
        self.events.training_data.emit(dict(self.training))
        self.progress("training", 0.0)

    def training_progress(self, items: list[SchemeRunChunk]) -> None:
        for item in items:
            self.training.setdefault(item.scheme, TrainingCurve(item.scheme)).add(item)
        self.events.training_data.emit(dict(self.training))
        steps = self.training_config.run.steps
        done = sum(c.stopped_at if c.status == "running" else steps for c in self.training.values())
        self.progress("training", min(done / (steps * max(1, len(self.training))), 0.999))

    def training_finished(self) -> None:
        for curve in self.training.values():
            if curve.status == "running":
                curve.status = "max_steps"
        self.events.training_data.emit(dict(self.training))
        self.progress("training", 1.0)
        c = self.training_config
        seconds = time.perf_counter() - self.training_clock
        self.notify(
            "training",
            f"{len(self.training)} runs of {c.run.steps} steps, {c.blocks} blocks of width "
            f"{c.width}: {seconds:.1f} s",
        )


def final_text(value: float) -> str:
    """A ratio for a table cell: 4 significant digits (``7.522e+14``)."""
    return f"{value:.4g}" if math.isfinite(value) else "—"
