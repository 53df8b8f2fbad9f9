"""ParaView's files: a surface as a VTK structured grid (``.vts``) or polydata (``.vtp``,
with the runs as lines), written by pyvista (VTK's own writers), not by hand."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from compute.errors import LandscapeError, short
from compute.formats.surface import Surface, surface_heights
from compute.geometry.isolines import display_values
from compute.outputs import output_path

VTK_FORMATS = (".vts", ".vtp")


def _pyvista() -> Any:
    try:
        import pyvista
    except ImportError:
        raise LandscapeError(
            "VTK export needs pyvista: pip install -e '.[vtk]' (make installs it)"
        ) from None
    return pyvista


def heights(surface: Surface, field: str, log_height: bool) -> np.ndarray:
    """z (ny, nx) of the drawn surface: ``field`` (or log₁₀ of it, shifted as the map's log
    scale), non-finite values lifted to the largest finite height (ParaView cannot place a
    NaN point); the field's own values stay in the point data."""
    z = display_values(surface.values(field), log_height)
    finite = np.isfinite(z)
    top = float(z[finite].max()) if finite.any() else 0.0
    return np.where(finite, z, top)


def _save(mesh: Any, target: Path) -> Path:
    """``mesh.save`` to a temporary file beside ``target``, renamed over it on success."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=target.suffix)
    os.close(fd)
    try:
        mesh.save(tmp, binary=True)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except OSError as err:
        raise LandscapeError(f"cannot write {short(str(target))}: {err.strerror}") from None
    finally:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
    return target


def write_vtk(
    path: str | Path, surface: Surface, field: str | None = None, log_height: bool = False
) -> Path:
    """Write ``surface`` for ParaView: points (x, y, z) with z the height of ``field``
    (default: the first field, the loss), every field as point data.

    ``.vts``: a structured grid of nx × ny points (VTK order: x fastest, i.e. the C-order
    ravel of a (ny, nx) field). ``.vtp``: the same points as (nx − 1)(ny − 1) quads, then each
    path's points as one polyline, lying on the surface (bilinear heights); point data
    ``run`` is −1 on the surface and k on path k.
    """
    target = output_path(path, VTK_FORMATS)
    pv = _pyvista()
    name = field or next(iter(surface.fields))
    z = heights(surface, name, log_height)
    nx, ny = len(surface.x), len(surface.y)
    xx, yy = np.meshgrid(surface.x, surface.y)  # (ny, nx): C ravel = x fastest
    points = np.column_stack([xx.ravel(), yy.ravel(), z.ravel()])
    data = {k: np.asarray(v, dtype=np.float64).ravel() for k, v in surface.fields.items()}
    if target.suffix.lower() == ".vts":
        mesh = pv.StructuredGrid()
        mesh.points = points
        mesh.dimensions = (nx, ny, 1)
        for k, v in data.items():
            mesh.point_data[k] = v
        return _save(mesh, target)
    i, j = np.meshgrid(np.arange(nx - 1), np.arange(ny - 1))
    p = (j * nx + i).ravel()
    quads = np.column_stack([np.full(p.size, 4), p, p + 1, p + 1 + nx, p + nx]).ravel()
    run = [np.full(nx * ny, -1.0)]
    all_points, lines, offset = [points], [], nx * ny
    for index, path_ in enumerate(surface.paths):
        xy = np.asarray(path_.points, dtype=float).reshape(-1, 2)
        zk = surface_heights(surface.x, surface.y, z, xy)
        keep = np.isfinite(zk)
        xy, zk = xy[keep], zk[keep]
        if len(xy) < 2:
            continue
        all_points.append(np.column_stack([xy, zk]))
        lines.append(np.r_[len(xy), offset + np.arange(len(xy))])
        for key, v in surface.fields.items():
            data[key] = np.r_[data[key], surface_heights(surface.x, surface.y, v, xy)]
        run.append(np.full(len(xy), float(index)))
        offset += len(xy)
    mesh = pv.PolyData(np.vstack(all_points), faces=quads)
    if lines:
        mesh.lines = np.concatenate(lines)
    for k, v in data.items():
        mesh.point_data[k] = v
    mesh.point_data["run"] = np.concatenate(run)
    return _save(mesh, target)
