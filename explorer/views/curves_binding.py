"""The curves view subscribed to the state: every run's series, the scenario's metric and
reference levels."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Qt

from compute import Landscape
from explorer.results import LANDSCAPE
from explorer.state import AppState, RunsChanged, SessionChanged
from explorer.views.curves import DASHED, DOTTED, CurvesView
from explorer.views.run_redraw import RunRedraw

SOLID = Qt.PenStyle.SolidLine
TOY_LEGEND = "Per run: F (top), ‖∇F‖ (middle; dotted: projected gradient on the constraint set)."
NETWORK_LEGEND = (
    "Top: training loss F (solid), test loss (dashed), reference levels (dotted lines); "
    "‖∇F‖ of the step's (mini)batch; bottom: {metric}."
)
METRIC_LINES = (("metric", SOLID), ("aligned_distance", DASHED), ("function_distance", DOTTED))
"""Drawn in the third plot: the scenario's metric, and for teacher scenarios the distance up
to symmetries and the distance between the functions."""
CURVATURE_LINES = (("lambda_max", SOLID), ("lambda_min", DASHED))
"""The fourth plot (shown when runs measure it): λ_max and λ_min of ∇²F along the run, with
2/η dotted for full-batch gradient descent (the edge of stability)."""


_STYLE_NAMES = {"metric": "solid", "aligned_distance": "dashed", "function_distance": "dotted"}


class CurvesBinding(QObject):
    """Keeps ``view`` in step with ``state`` (redrawn at most ~15 times a second)."""

    def __init__(self, state: AppState, view: CurvesView) -> None:
        super().__init__(view)
        self.state, self.view = state, view
        self._redraw = RunRedraw(state, self._draw, 66, self)
        state.events.scenario.connect(self._scenario)
        state.on_result(LANDSCAPE, self._landscape)
        state.events.runs.connect(self._runs)

    def _scenario(self, _: SessionChanged) -> None:
        self.view.clear_runs()
        self.view.set_baselines({})
        self.view.set_metric(None)
        self.view.set_legend(TOY_LEGEND if not self.state.sliced else "")

    def _landscape(self, landscape: Landscape | None) -> None:
        if landscape is None:
            return
        labels = {m.key: m.label for m in landscape.objective.metrics}
        metric = labels.get("metric")
        self.view.set_metric(metric, log=metric is not None and "‖" in metric)
        self.view.set_baselines(dict(landscape.problem.baselines))
        if self.state.sliced:
            shown = [f"{labels[k]} ({s})" for k, s in _STYLE_NAMES.items() if k in labels]
            self.view.set_legend(NETWORK_LEGEND.format(metric=", ".join(shown) or "no metric"))
        for rid in self.state.runs:
            self._redraw.mark(rid)

    def _runs(self, _: RunsChanged) -> None:
        for rid in {r for r, _ in self.view.lines} - set(self.state.runs):
            self.view.remove_run(rid)
        for rid in self.state.runs:
            self._redraw.mark(rid)

    def _draw(self, dirty: set[int]) -> None:
        for rid in dirty:
            run = self.state.runs.get(rid)
            if run is None:
                continue
            d, color, shown = run.data, run.settings.color, run.settings.visible
            steps = d.steps
            self.view.set_series(rid, "loss", steps, d.loss, color, SOLID, shown)
            self.view.set_series(rid, "grad", steps, d.grad_norm, color, SOLID, shown)
            constrained = self.state.session.constraint is not None and not run.settings.in_plane
            projected = d.projected if constrained else np.full(len(steps), np.nan)
            self.view.set_series(rid, "projected", steps, projected, color, DOTTED, shown)
            keys = set(d.metric_keys())
            for key, style in (("test_loss", DASHED), *METRIC_LINES, *CURVATURE_LINES):
                values = d.metric(key) if key in keys else np.full(len(steps), np.nan)
                self.view.set_series(rid, key, steps, values, color, style, shown)
            config = run.settings.optimizer
            gd = config.optimizer == "gd" and config.batch_size == 0
            measured = "lambda_max" in keys and shown
            self.view.set_curvature(rid, measured, color, 2.0 / config.lr if gd else None)
        self.view.fit_ranges()
