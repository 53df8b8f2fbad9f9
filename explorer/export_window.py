"""The whole window as PNG, SVG or PDF via Qt painters (paper figures come from matplotlib)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMarginsF, QPoint, QRect, QSize, QSizeF
from PySide6.QtGui import QImage, QPageSize, QPainter, QPdfWriter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QWidget

from compute import LandscapeError, write_sidecar


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
