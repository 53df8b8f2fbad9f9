"""The reference tool's direction file (``net_plotter.setup_direction``), both ways.

Its layout: groups ``xdirection`` and ``ydirection``, each holding one dataset per parameter
tensor of the network, named ``"0"``, ``"1"``, … in ``net.parameters()`` order and shaped like
that tensor (``h5_util.write_list``). The plane is θ(a, b) = θ₀ + a·xdirection + b·ydirection
(``net_plotter.set_weights``). Our problems name their parameter blocks in a ``ParamLayout``
(the same order as the flat θ): block k ↔ dataset ``"k"``.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any, cast

import numpy as np
import torch

from compute.errors import LandscapeError, short
from compute.geometry.planes import Plane
from compute.landscapes.plane_choice import PlaneSpec, plane_spec
from compute.objectives.layout import ParamLayout
from compute.objectives.problem import Problem
from compute.outputs import atomic_write, output_path

GROUPS = ("xdirection", "ydirection")


def _blocks_text(layout: ParamLayout, limit: int = 4) -> str:
    shown = [f"{b.name} {tuple(b.shape)}" for b in layout.blocks[:limit]]
    more = len(layout.blocks) - limit
    return ", ".join(shown) + (f", … ({more} more)" if more > 0 else "")


def write_reference_directions(
    path: str | Path,
    d1: torch.Tensor | np.ndarray,
    d2: torch.Tensor | np.ndarray,
    layout: ParamLayout,
) -> Path:
    """Write the plane's directions d₁, d₂ ((n,) each, flat θ order) as the tool's
    ``xdirection`` / ``ydirection`` groups: one float32 dataset per block of ``layout``,
    shaped like the block (atomically)."""
    import h5py

    target = output_path(path, (".h5",))
    with atomic_write(target, "w+b") as fh, h5py.File(cast(IO[bytes], fh), "w") as f:
        for group, d in zip(GROUPS, (d1, d2), strict=True):
            flat = torch.as_tensor(d).detach().to("cpu", torch.float32).numpy().ravel()
            if flat.size != layout.size:
                raise LandscapeError(
                    f"a direction has {flat.size} numbers, the layout {layout.size}"
                )
            g = f.create_group(group)
            for k, block in enumerate(layout.blocks):
                g.create_dataset(str(k), data=flat[block.offset : block.stop].reshape(block.shape))
    return target


def _direction(f: Any, group: str, layout: ParamLayout, what: str, source: str) -> np.ndarray:
    import h5py

    if group not in f or not isinstance(f[group], h5py.Group):
        missing = "a 1-D direction file (no ydirection)" if group == "ydirection" else "not"
        raise LandscapeError(
            f"{source} is {missing} a direction file of the reference tool: a plane needs "
            "the groups xdirection and ydirection"
        )
    g = f[group]
    names = [str(k) for k in range(len(g))]
    if sorted(g.keys()) != sorted(names):
        raise LandscapeError(f"{group} in {source} must hold datasets named 0, 1, 2, …")
    tensors = [g[n] for n in names]
    tensors = [t for t in tensors if t.ndim > 0]  # the tool skips scalars (projection.py)
    if len(tensors) != len(layout.blocks):
        raise LandscapeError(
            f"{source} has {len(tensors)} parameter tensors in {group}, {what} has "
            f"{len(layout.blocks)} ({_blocks_text(layout)}): not the same model"
        )
    flat = np.empty(layout.size, dtype=np.float64)
    for k, (t, block) in enumerate(zip(tensors, layout.blocks, strict=True)):
        if tuple(t.shape) != tuple(block.shape):
            raise LandscapeError(
                f"tensor {k} of {group} in {source} has shape {tuple(t.shape)}, but {what}'s "
                f"block {block.name} is {tuple(block.shape)}: not the same model"
            )
        values = np.asarray(t[()], dtype=np.float64)
        if not np.all(np.isfinite(values)):
            raise LandscapeError(f"tensor {k} of {group} in {source} is not finite")
        flat[block.offset : block.stop] = values.ravel()
    return flat


def read_reference_directions(
    path: str | Path, layout: ParamLayout, what: str = "the model"
) -> tuple[np.ndarray, np.ndarray]:
    """d₁, d₂ ((n,) float64, flat θ order) from the tool's direction file ``path``, checked
    tensor by tensor against ``layout`` (``what`` names the model in messages): a different
    number of tensors or any other shape is refused in one line."""
    from compute.formats.reference import open_reference_file

    f, name = open_reference_file(path, "direction")
    with f:
        d1 = _direction(f, "xdirection", layout, what, name)
        d2 = _direction(f, "ydirection", layout, what, name)
    return d1, d2


def plane_from_directions(
    problem: Problem, path: str | Path, origin: torch.Tensor | None = None
) -> Plane:
    """The reference tool's plane θ(a, b) = origin + a·xdirection + b·ydirection for
    ``problem`` (origin: θ₀ unless given), window [-1, 1]² as the tool's default."""
    layout = problem.layout
    if layout is None:
        raise LandscapeError(
            f"{problem.id} has no parameter blocks: direction files are for networks"
        )
    d1, d2 = read_reference_directions(path, layout, problem.id)
    start = problem.init if origin is None else origin
    if start is None:
        raise LandscapeError(f"{problem.id} has no θ₀ to centre the plane on")
    centre = start.to("cpu", problem.dtype)
    if not np.any(d1) or not np.any(d2):
        raise LandscapeError(f"a direction in {short(Path(path).name)} is zero: no plane")
    return Plane(
        centre,
        torch.as_tensor(d1, dtype=problem.dtype),
        torch.as_tensor(d2, dtype=problem.dtype),
        "directions",
        False,
    )


def directions_plane_spec(
    problem: Problem, path: str | Path
) -> tuple[PlaneSpec, tuple[float, float, float, float]]:
    """The plane of a direction file around ``problem``'s θ₀ as a session keeps it (with its
    vectors, so the session reopens on it without the file) and the tool's window [-1, 1]²."""
    plane = plane_from_directions(problem, path)
    return plane_spec(plane, short(Path(path).name)), plane.window
