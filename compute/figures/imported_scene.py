"""An imported surface (values computed elsewhere) as a scene: its map, read-only, no runs."""

from __future__ import annotations

from pathlib import Path

from compute.figures.panels import MapPanel, Scene
from compute.formats.surface import Surface
from compute.landscapes.frames import make_frame


def scene_from_surface(
    surface: Surface, source: str | Path | None = None, field: str | None = None, log: bool = True
) -> Scene:
    """The map of ``field`` (default: the first, the training loss) on the surface's grid, on a
    log (``log``) or linear colour scale; the other fields ride along as the frame's extras.
    The provenance names the imported file and its hash."""
    name = field or next(iter(surface.fields))
    values = surface.values(name)
    extra = {k: v for k, v in surface.fields.items() if k != name}
    frame = make_frame((surface.x, surface.y), values, log, extra=extra)
    panel = MapPanel(
        frame,
        ("$x$", "$y$"),
        title=name.replace("_", " "),
        subject=f"imported from {origin_of(surface, source)}",
        quantity=surface_quantity(surface, source, name),
        window=surface.window,
    )
    record = {
        "surface_file": str(source) if source else None,
        "imported": dict(surface.meta),
        "field": name,
        "log_scale": log,
    }
    return Scene(panel, provenance=record)


def origin_of(surface: Surface, source: str | Path | None = None) -> str:
    """Where an imported surface comes from: its own "source" entry, else the file's name."""
    return str(surface.meta.get("source", Path(source).name if source else "a file"))


def surface_quantity(
    surface: Surface, source: str | Path | None = None, field: str | None = None
) -> str:
    """What the map of ``field`` (default: the first) of an imported surface shows, as a
    ``MapPanel.quantity``: the field with its origin (values computed elsewhere compare only
    with the same field of the same origin)."""
    return f"{field or next(iter(surface.fields))} from {origin_of(surface, source)}"
