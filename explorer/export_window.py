"""The whole window as a picture (PNG, or that picture inside a PDF or SVG page).

A screenshot of the window, not a paper figure (those come from matplotlib, in vector form):
the window is rendered to an image at the chosen DPI and written as PNG, or placed on a PDF
page or in an SVG ``<image>``. Qt's vector painters were tried and left: their PDF gradients
fail ("colors of different spec") and their SVG strokes rely on ``non-scaling-stroke``, which
librsvg draws as filled blobs; an embedded image looks the same in every viewer.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Generator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QMarginsF,
    QPoint,
    QRect,
    QRectF,
    QSize,
    QSizeF,
)
from PySide6.QtGui import QImage, QPageSize, QPainter, QPdfWriter, QRegion
from PySide6.QtWidgets import QWidget

from compute import LandscapeError, atomic_write, output_path

SUFFIXES = (".png", ".svg", ".pdf")


STRIP_PIXELS = 1_500_000  # output pixels per strip: ~15 ms of painting on this CPU


def render_strips(widget: QWidget, dpi: int) -> Generator[float, None, QImage]:
    """The widget as an image at ``dpi`` (the screen's 96 dpi scaled), painted in horizontal
    strips: each ``next()`` paints one strip and yields the fraction done, so the caller can
    return to the event loop between strips (a 1440×900 window at 300 dpi is 12.7 Mpx, 130 ms
    of painting in one go). The image is the generator's return value."""
    scale = dpi / 96
    size = widget.size()
    image = QImage(
        QSize(round(size.width() * scale), round(size.height() * scale)),
        QImage.Format.Format_ARGB32,
    )
    image.setDotsPerMeterX(round(dpi / 0.0254))
    image.setDotsPerMeterY(round(dpi / 0.0254))
    image.fill(0xFFFFFFFF)
    count = max(1, math.ceil(image.width() * image.height() / STRIP_PIXELS))
    for i in range(count):
        top, bottom = size.height() * i // count, size.height() * (i + 1) // count
        painter = QPainter(image)
        try:
            painter.scale(scale, scale)
            source = QRegion(QRect(0, top, size.width(), bottom - top))
            widget.render(painter, QPoint(0, top), source)
        finally:
            painter.end()
        yield (i + 1) / count
    return image


def _png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):  # type: ignore[call-overload]  # PySide6 wants str
        raise LandscapeError("could not encode the window as PNG")
    return bytes(data.data())


def _svg(image: QImage, png: bytes, meta: dict[str, Any]) -> str:
    w, h = image.width(), image.height()
    href = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{w}" height="{h}" viewBox="0 0 {w} {h}">\n'
        f"<title>Landscape Explorer window</title>\n<desc>{escape(json.dumps(meta))}</desc>\n"
        f'<image width="{w}" height="{h}" xlink:href={quoteattr(href)}/>\n'
        "</svg>\n"
    )


def window_target(path: str | Path, dpi: int) -> Path:
    """The checked output path of a window export (.png, .pdf, .svg; dpi in 50…1200)."""
    if not 50 <= dpi <= 1200:
        raise LandscapeError(f"dpi must be between 50 and 1200, got {dpi}")
    return output_path(path, SUFFIXES)


def write_window(image: QImage, target: Path, dpi: int, meta: dict[str, Any]) -> list[Path]:
    """``image`` (the window at ``dpi``) as PNG, a one-page PDF or an SVG holding the image;
    the file and its JSON sidecar are written whole or not at all. Safe off the GUI thread
    (QImage and QPdfWriter are not widgets)."""
    suffix = target.suffix.lower()
    if suffix == ".pdf":
        tmp = target.with_name(f".{target.name}.tmp.pdf")
        writer = QPdfWriter(str(tmp))
        writer.setResolution(dpi)
        points = QSizeF(image.width() * 72 / dpi, image.height() * 72 / dpi)
        writer.setPageSize(QPageSize(points, QPageSize.Unit.Point))
        writer.setPageMargins(QMarginsF(0, 0, 0, 0))
        writer.setTitle("Landscape Explorer window")
        painter = QPainter(writer)
        painter.drawImage(QRectF(0, 0, writer.width(), writer.height()), image)
        ok = painter.end()
        del writer
        if not ok or not tmp.exists() or tmp.stat().st_size == 0:
            tmp.unlink(missing_ok=True)
            raise LandscapeError(f"could not write {target}")
        tmp.replace(target)
    else:
        png = _png_bytes(image)
        with atomic_write(target, "wb" if suffix == ".png" else "w") as fh:
            fh.write(png if suffix == ".png" else _svg(image, png, meta))  # type: ignore[arg-type]
    from compute import write_sidecar  # with the figure exports (matplotlib): when first used

    return [target, write_sidecar(target, meta)]
