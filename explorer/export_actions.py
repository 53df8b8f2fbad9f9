"""Export for papers: figures via matplotlib (compute.export), the window via Qt painters."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QMarginsF, QPoint, QRect, QSize, QSizeF
from PySide6.QtGui import QImage, QPageSize, QPainter, QPdfWriter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QWidget

from compute import LandscapeError, LandscapeGrid
from compute.export import RunTrace, Scene, write_sidecar
from compute.session import to_json
from explorer.state import AppState


def scene_from(
    state: AppState, grid: LandscapeGrid, critical: list[Any], levels: np.ndarray | None
) -> Scene:
    """The exportable picture of the current state (grid, runs, critical points, metadata)."""
    s = state.session
    runs = tuple(
        RunTrace(
            f"run {r.id} · {r.settings.optimizer.name} lr={r.settings.optimizer.lr:g}",
            r.settings.color,
            np.array(r.path).reshape(-1, len(r.settings.start)),
            np.array(r.loss),
            np.array(r.grad_norm),
            r.status,
        )
        for r in state.runs.values()
        if r.settings.visible and r.path
    )
    return Scene(
        state.axis_names(),
        grid,
        s.log_scale,
        levels,
        s.modes().constraint,
        runs,
        tuple(critical),
        metadata(state),
        title=_title(state),
    )


def metadata(state: AppState) -> dict[str, Any]:
    """Scenario, parameters, modes and runs: enough to trace a figure back to its settings."""
    return {
        "session": to_json(state.session),
        "exported": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def _title(state: AppState) -> str:
    s = state.session
    params = ", ".join(
        f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in s.params.items()
    )
    mode = []
    if s.l2:
        mode.append(f"L2 λ={s.l2:g}")
    if s.constraint:
        mode.append(s.constraint)
    return f"{s.scenario} ({params})" + (f" · {' · '.join(mode)}" if mode else "")


def _paint(widget: QWidget, device: QImage | QSvgGenerator | QPdfWriter, scale: float) -> bool:
    painter = QPainter(device)
    try:
        painter.scale(scale, scale)
        widget.render(painter, QPoint(0, 0))
    finally:
        ok = painter.end()
    return bool(ok)


def export_window(widget: QWidget, path: str | Path, dpi: int, meta: dict[str, Any]) -> list[Path]:
    """The whole window as PNG (at ``dpi``, screen = 96), SVG or PDF (vector, via Qt painters)."""
    target = Path(path)
    suffix = target.suffix.lower()
    size = widget.size()
    if not 50 <= dpi <= 1200:
        raise LandscapeError(f"dpi must be between 50 and 1200, got {dpi}")
    if suffix == ".png":
        scale = dpi / 96
        image = QImage(
            QSize(round(size.width() * scale), round(size.height() * scale)),
            QImage.Format.Format_ARGB32,
        )
        image.setDotsPerMeterX(round(dpi / 0.0254))
        image.setDotsPerMeterY(round(dpi / 0.0254))
        image.fill(0xFFFFFFFF)
        ok = _paint(widget, image, scale) and image.save(str(target))
    elif suffix == ".svg":
        gen = QSvgGenerator()
        gen.setFileName(str(target))
        gen.setSize(size)
        gen.setViewBox(QRect(0, 0, size.width(), size.height()))
        gen.setTitle("Landscape Explorer window")
        gen.setDescription(json.dumps(meta))
        ok = _paint(widget, gen, 1.0)
    elif suffix == ".pdf":
        writer = QPdfWriter(str(target))
        writer.setResolution(dpi)
        writer.setPageSize(QPageSize(QSizeF(size.width(), size.height()), QPageSize.Unit.Point))
        writer.setPageMargins(QMarginsF(0, 0, 0, 0))
        writer.setTitle("Landscape Explorer window")
        ok = _paint(widget, writer, writer.width() / size.width())
    else:
        raise LandscapeError(f"cannot export the window as {suffix!r}: use .png, .svg or .pdf")
    if not ok or not target.exists():
        raise LandscapeError(f"could not write {target}")
    return [target, write_sidecar(target, meta | {"kind": "window"})]
