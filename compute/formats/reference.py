"""The reference tool's surface file (tomgoldstein/loss-landscape, ``plot_surface.py``), both ways.

Its layout, as ``plot_surface.py`` writes and ``plot_2D.py`` / ``h52vtp.py`` read it::

    xcoordinates  float64 (nx,)      np.linspace(xmin, xmax, xnum)
    ycoordinates  float64 (ny,)      (2-D surfaces only)
    train_loss    float64 (…)        loss at (x, y); -1 where not computed yet
    train_acc     float64 (…)        accuracy in percent (100·correct/total)
    test_loss, test_acc               the same on the test set (when computed)
    dir_file      string             the direction file's name

The value of point (x[i], y[j]) sits at flat index ``j·nx + i`` (``np.meshgrid(x, y)`` order,
its ``scheduler.get_unplotted_indices``). The tool declares the array (nx, ny), which is only
consistent with that order for square grids; we write (ny, nx), the same bytes for square
grids and the shape its ``plot_2D.py`` contours need for any grid, and read either.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, cast

import numpy as np

from compute.errors import LandscapeError, short
from compute.formats.surface import MAX_SIDE, Surface
from compute.outputs import atomic_write, output_path

OURS_TO_REFERENCE = {
    "loss": "train_loss",
    "accuracy": "train_acc",
    "test_loss": "test_loss",
    "test_accuracy": "test_acc",
}
"""The explorer's slice fields → the reference tool's dataset names."""
PERCENT = ("accuracy", "test_accuracy")
"""Fields we keep as fractions in [0, 1] and the reference tool as percentages."""
META_ATTR = "landscape_explorer"
"""Root attribute carrying our provenance as JSON (invisible to the tool's readers)."""
NOT_COMPUTED = -1.0
"""The tool's mark for a value not computed yet (``crunch`` starts from -ones)."""


def reference_fields(values: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """A slice's fields (``loss``, ``accuracy``, ``test_loss``, ``test_accuracy``; (ny, nx)
    each) under the reference tool's names, accuracies in percent; other fields keep their
    names."""
    out = {}
    for name, v in values.items():
        scale = 100.0 if name in PERCENT else 1.0
        out[OURS_TO_REFERENCE.get(name, name)] = scale * np.asarray(v, dtype=np.float64)
    return out


def write_reference_surface(
    path: str | Path, surface: Surface, dir_file: str | None = None
) -> Path:
    """Write ``surface`` (fields already under the tool's names, e.g. ``reference_fields``)
    in the tool's layout, atomically; ``dir_file`` names a directions file written beside it.
    Our provenance goes into the root attribute ``landscape_explorer`` (JSON)."""
    import h5py

    target = output_path(path, (".h5",))
    with atomic_write(target, "w+b") as fh, h5py.File(cast(IO[bytes], fh), "w") as f:
        f.create_dataset("xcoordinates", data=np.asarray(surface.x, dtype=np.float64))
        f.create_dataset("ycoordinates", data=np.asarray(surface.y, dtype=np.float64))
        for name, values in surface.fields.items():
            f.create_dataset(name, data=np.asarray(values, dtype=np.float64))
        if dir_file is not None:
            f["dir_file"] = dir_file
        f.attrs[META_ATTR] = json.dumps(dict(surface.meta), sort_keys=True)
    return target


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _axis(f: Any, key: str, source: str) -> np.ndarray:
    if key not in f:
        what = "a 1-D surface (no ycoordinates)" if key == "ycoordinates" else "not a surface"
        raise LandscapeError(
            f"{source} is {what}: a 2-D surface file of the reference tool has xcoordinates "
            "and ycoordinates"
        )
    data = f[key]
    if getattr(data, "ndim", 0) != 1 or not 2 <= data.shape[0] <= MAX_SIDE:
        raise LandscapeError(f"{key} in {source} must hold 2 to {MAX_SIDE} numbers")
    return np.asarray(data[()], dtype=np.float64)


def open_reference_file(path: str | Path, kind: str) -> tuple[Any, str]:
    """The reference tool's ``.h5`` at ``path`` open for reading, and its short name for
    messages; a missing file or one that is not HDF5 is refused in one line (``kind``:
    "surface", "direction")."""
    import h5py

    source = Path(path)
    if not source.is_file():
        raise LandscapeError(f"no {kind} file {short(str(source))}")
    name = short(source.name)
    try:
        return h5py.File(source, "r"), name
    except OSError:
        raise LandscapeError(f"{name} is not an HDF5 file (the reference tool's .h5)") from None


def read_reference_surface(path: str | Path) -> Surface:
    """The 2-D surface file ``path`` of the reference tool, values as computed there.

    Every dataset of nx·ny numbers becomes a field (ny, nx) (``train_loss``, ``train_acc``,
    ``test_loss``, ``test_acc``, Hessian maps, …), in the file's units (accuracies in
    percent); points the tool had not computed yet (-1 in a loss) become NaN and are counted
    in ``meta["not_computed"]``. Refuses, in one line, a missing or non-HDF5 file, a 1-D
    surface, axes that do not increase, and a file with no field.
    """
    import h5py

    source = Path(path)
    f, name = open_reference_file(source, "surface")
    with f:
        x, y = _axis(f, "xcoordinates", name), _axis(f, "ycoordinates", name)
        nx, ny = len(x), len(y)
        fields: dict[str, np.ndarray] = {}
        not_computed: dict[str, int] = {}
        for key in f:
            data = f[key]
            if key in ("xcoordinates", "ycoordinates") or not isinstance(data, h5py.Dataset):
                continue
            if data.dtype.kind not in "fiu" or data.size != nx * ny or data.ndim not in (1, 2):
                continue
            values = np.asarray(data[()], dtype=np.float64).reshape(ny, nx)  # the tool's order
            if key.endswith("loss"):
                missing = values == NOT_COMPUTED
                if missing.any():
                    not_computed[key] = int(missing.sum())
                    values = np.where(missing, np.nan, values)
            fields[key] = values
        if not fields:
            raise LandscapeError(f"{name} has coordinates but no field of {ny}×{nx} values")
        meta: dict[str, Any] = {}
        if META_ATTR in f.attrs:
            try:
                meta = dict(json.loads(str(f.attrs[META_ATTR])))
            except (ValueError, TypeError):
                meta = {}
        dir_file = f.get("dir_file")
        if isinstance(dir_file, h5py.Dataset) and dir_file.dtype.kind in "SOU":
            raw = dir_file[()]
            meta["dir_file"] = raw.decode() if isinstance(raw, bytes) else str(raw)
    order = [k for k in OURS_TO_REFERENCE.values() if k in fields]
    fields = {k: fields[k] for k in [*order, *sorted(set(fields) - set(order))]}
    meta = meta | {"source": source.name, "sha256": _sha256(source)}
    if not_computed:
        meta["not_computed"] = not_computed
    if not np.all(np.diff(x) > 0) or not np.all(np.diff(y) > 0):
        raise LandscapeError(f"the coordinates in {name} must increase strictly")
    return Surface(x, y, fields, meta=meta)
