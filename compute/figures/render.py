"""Saving a composed figure: PDF, PNG or SVG written atomically, provenance inside the file
where the format has a place for it and always in a sidecar ``<file>.json``."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any, cast

import matplotlib

from compute.figures.compose import Composition, compose
from compute.figures.panels import Panel
from compute.figures.provenance import embedded, sidecar_text
from compute.figures.venues import check_dpi, rc_params
from compute.figures.words import plain_text
from compute.outputs import atomic_write, one_unit, output_path

FIGURE_FORMATS = (".pdf", ".png", ".svg")


READABLE = 0o644
"""Exported files are readable by everyone (``atomic_write``'s temporary files are 0600)."""


def readable(target: Path) -> Path:
    """Give ``target`` READABLE permissions (ignored where the file system refuses)."""
    with contextlib.suppress(OSError):
        os.chmod(target, READABLE)
    return target


def sidecar_path(target: Path) -> Path:
    return target.with_name(target.name + ".json")


def write_sidecar(target: Path, record: Mapping[str, Any], stamped: bool = True) -> Path:
    """``<target>.json`` with ``record``, the file's name and (``stamped``) the time
    (atomically)."""
    side = sidecar_path(target)
    with atomic_write(side, "w") as fh:
        cast(IO[str], fh).write(sidecar_text(record, target, stamped))
    return readable(side)


def save(
    composition: Composition,
    path: str | Path,
    record: Mapping[str, Any],
    dpi: int = 300,
    stamped: bool = True,
) -> list[Path]:
    """Write ``composition`` to ``path`` (.pdf, .png or .svg) and its sidecar.

    Heat maps are rasterised at ``dpi`` inside vector files; text and lines stay vector; fonts
    are embedded (TrueType). The file carries its titles in Unicode (PDF/PNG/SVG Title) and
    ``record`` (PDF Subject, PNG Description, SVG description), and no time stamp; the sidecar
    adds the file name and, unless not ``stamped``, the time. Returns [file, sidecar]. A bad
    target (empty name, folder, wrong suffix, missing folder, not a regular file) or a failed
    write (full disk) raises a one-line LandscapeError and leaves no partial file.
    """
    target = output_path(path, FIGURE_FORMATS)
    dpi = check_dpi(dpi)
    fmt = target.suffix.lower()[1:]
    # the file's title in Unicode: metadata shows no mathtext (and titles are one line there)
    titles = (plain_text(t).replace("\n", " ") for t in composition.titles if t)
    title = " / ".join(titles) or "landscape-explorer figure"
    with one_unit():  # the figure and its sidecar appear together or not at all
        with matplotlib.rc_context(rc_params(composition.venue)), atomic_write(target) as fh:
            composition.figure.savefig(
                fh, format=fmt, dpi=dpi, metadata=embedded(record, fmt, title[:200])
            )
        side = write_sidecar(target, record, stamped)
    return [readable(target), readable(side)]


def render_figure(
    panels: Sequence[Panel],
    path: str | Path,
    record: Mapping[str, Any],
    layout: str | None = None,
    width: str | float = "double",
    shared: bool = False,
    dpi: int = 300,
) -> list[Path]:
    """``compose`` the panels and ``save`` them (the target is checked before any drawing)."""
    output_path(path, FIGURE_FORMATS)
    check_dpi(dpi)
    return save(compose(panels, layout, width, shared), path, record, dpi)
