"""Keeps the landscape view in step with the state: map, geometry, critical points, basins,
hover read-out. Every computation runs in a worker slot; results for stale requests drop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from PySide6.QtCore import QObject, QTimer, Signal

from compute import CriticalPoint, GridBlock, OptimizerConfig, critical_points, second_order
from compute.basins import BasinBlock, BasinMap, basin_map
from compute.frames import GradientField, MapFrame, landscape_frames
from explorer.jobs import Jobs
from explorer.requests import LandscapeRequest
from explorer.state import AppState
from explorer.views.landscape import LandscapeView
from explorer.views.style import basin_legend, curvature_image, label_image

CRITICAL_DEBOUNCE_MS = 150


class LandscapeController(QObject):
    """Submits landscape jobs on state changes and draws their results on ``view``.

    Signals: ``sigCritical(points)`` when critical points arrive, ``sigProgress(task, fraction)``
    (fraction ≥ 1 or < 0: finished / failed), ``sigReadout(text)``, ``sigError(text)``.
    """

    sigCritical = Signal(list)
    sigProgress = Signal(str, float)
    sigReadout = Signal(str)
    sigError = Signal(str)
    sigBasinLegend = Signal(str)

    def __init__(
        self,
        state: AppState,
        view: LandscapeView,
        jobs: Jobs,
        optimizer: Callable[[], OptimizerConfig],
    ) -> None:
        super().__init__(view)
        self.state, self.view, self.jobs, self.optimizer = state, view, jobs, optimizer
        self.critical: list[CriticalPoint] = []
        self.fields: dict[str, np.ndarray] = {}
        self.gradient: GradientField | None = None
        self.basins: BasinMap | None = None
        self._critical_timer = QTimer(self, singleShot=True, interval=CRITICAL_DEBOUNCE_MS)
        self._critical_timer.timeout.connect(self.refresh_critical)
        self._basin_block: BasinBlock | None = None
        self._basin_redraw = QTimer(self, singleShot=True, interval=200)
        self._basin_redraw.timeout.connect(self._draw_basin_block)

    def stop(self) -> None:
        """Another scenario: drop this landscape's pending work and results."""
        self._critical_timer.stop()
        for slot in ("critical", "basins", "hover"):
            self.jobs.cancel(slot)
        self.critical, self.fields, self.gradient, self.basins = [], {}, None, None
        self.sigCritical.emit([])

    def request(self) -> LandscapeRequest:
        return LandscapeRequest.from_session(self.state.session)

    # the map ------------------------------------------------------------------------------
    def refresh_map(self, geometry: bool = True) -> None:
        """Recompute the map now (cheap), then its geometry fields unless superseded."""
        req = self.request()
        overlays = self.state.session.overlays
        want_geometry = geometry and bool({"gradient", "curvature"} & set(overlays))
        if geometry:
            self.fields, self.gradient = {}, None
        self.jobs.submit(
            "map",
            lambda: landscape_frames(
                req.regularised, req.window, req.resolution, req.log_scale, want_geometry
            ),
            self._map_items,
            lambda _: self.sigProgress.emit("fields", 1.0),
            self._failed,
        )

    def _map_items(self, items: list[Any]) -> None:
        for item in items:
            if isinstance(item, MapFrame):
                self.view.show_frame(item)
            elif isinstance(item, GradientField):
                self.gradient = item
            elif isinstance(item, GridBlock):
                for key, rows in item.values.items():
                    self.fields.setdefault(key, np.full((item.total, *rows.shape[1:]), np.nan))
                    self.fields[key][item.start : item.stop] = rows
                self.sigProgress.emit("fields", item.stop / item.total)
        self.apply_overlays()

    def apply_overlays(self) -> None:
        overlays = set(self.state.session.overlays)
        self.view.show_isolines("isolines" in overlays)
        self.view.show_gradient(self.gradient if "gradient" in overlays else None)
        hess_min = self.fields.get("hess_min")
        self.view.show_overlay_image(
            "curvature",
            curvature_image(hess_min) if "curvature" in overlays and hess_min is not None else None,
        )
        shown_basins = self.basins if "basins" in overlays else None
        self.view.show_overlay_image(
            "basins", label_image(shown_basins.labels) if shown_basins is not None else None
        )
        self.sigBasinLegend.emit(basin_legend(shown_basins) if shown_basins is not None else "")
        self.view.show_critical(self.critical if "critical" in overlays else [])
        self.view.show_constraint(self.state.session.modes().constraint)

    # critical points and basins -----------------------------------------------------------
    def schedule_critical(self) -> None:
        self.critical = []
        self.basins = None
        self.jobs.cancel("critical")
        self.jobs.cancel("basins")
        self._critical_timer.start()

    def refresh_critical(self) -> None:
        req = self.request()
        self.sigProgress.emit("critical points", 0.0)
        self.jobs.submit(
            "critical",
            lambda: critical_points(req.objective, req.modes, req.window),
            lambda stages: self.sigProgress.emit(f"critical points: {stages[-1]}", 0.5),
            self._critical_done,
            self._failed,
        )

    def _critical_done(self, points: list[CriticalPoint]) -> None:
        self.critical = points
        self.sigProgress.emit("critical points", 1.0)
        self.sigCritical.emit(points)
        self.apply_overlays()
        if "basins" in self.state.session.overlays:
            self.refresh_basins()

    def refresh_basins(self) -> None:
        """One batched run from every cell (needs the critical points of this landscape)."""
        if self.jobs.busy("critical") or self._critical_timer.isActive():
            return  # started when the critical points arrive
        req, config, critical = self.request(), self.optimizer(), list(self.critical)
        resolution = min(req.resolution, 128)
        self.basins, self._basin_block = None, None
        self.sigProgress.emit("basin map", 0.0)
        self.jobs.submit(
            "basins",
            lambda: basin_map(req.objective, req.modes, req.window, resolution, config, critical),
            self._basin_items,
            self._basins_done,
            self._failed,
        )

    def _basin_items(self, blocks: list[BasinBlock]) -> None:
        """Partial maps arrive ~20 times a second; the overlay is redrawn at most 5 times."""
        self._basin_block = blocks[-1]
        if not self._basin_redraw.isActive():
            self._basin_redraw.start()

    def _draw_basin_block(self) -> None:
        block = self._basin_block
        if block is None or self.basins is not None:
            return
        if "basins" in self.state.session.overlays:
            self.view.show_overlay_image("basins", label_image(block.labels))
        self.sigProgress.emit("basin map", block.done_fraction)

    def _basins_done(self, result: BasinMap) -> None:
        self.basins = result
        self.sigProgress.emit("basin map", 1.0)
        self.apply_overlays()

    # hover ----------------------------------------------------------------------------------
    def hover(self, x: float, y: float) -> None:
        """Exact F, ‖∇F‖ and Hessian eigenvalues at the cursor, computed off the GUI thread."""
        req = self.request()
        theta = (x, y)[: req.objective.dim]

        def job() -> Any:
            d = second_order(req.regularised.loss, req.objective.as_tensor([theta]))
            yield (
                theta,
                float(d.loss[0]),
                float(torch.linalg.vector_norm(d.grad[0])),
                d.hessian_eigenvalues()[0].numpy(),
            )

        self.jobs.submit("hover", job, self._readout)

    def _readout(self, items: list[Any]) -> None:
        theta, loss, gnorm, eig = items[-1]
        names = self.state.axis_names()
        where = ", ".join(f"{n}={v:.4g}" for n, v in zip(names, theta, strict=True))
        eigs = ", ".join(f"{v:.4g}" for v in eig)
        self.sigReadout.emit(f"{where}   F={loss:.6g}   ‖∇F‖={gnorm:.3g}   λ(∇²F)=({eigs})")

    def _failed(self, exc: Exception) -> None:
        self.sigError.emit(f"{type(exc).__name__}: {exc}")
