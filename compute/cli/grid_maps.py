"""Grid maps beside a command's own output: ``hessian --curvature-map`` (λ_min, λ_max of the
full-space Hessian over a slice's grid; Li et al.'s |λ_min/λ_max|) and ``critical --basins``
(the attractor the optimizer reaches from each cell). Both run where ``--scheduler`` says
(this process or a Dask cluster) and write a ``.npz`` with their settings as metadata."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from compute.cli.options import plane_options, scheduler_options, window_option
from compute.errors import LandscapeError

MAP_OUTPUTS = (".npz",)
CURVATURE_RESOLUTION = 21
BASIN_RESOLUTION = 41


def _map_group(
    p: argparse.ArgumentParser, title: str, flag: str, what: str, resolution: tuple[int | None, str]
) -> argparse._ArgumentGroup:
    """The group of a map's options: ``flag OUT.npz``, ``--resolution`` and where to run."""
    g = p.add_argument_group(title)
    g.add_argument(flag, default=None, metavar="OUT.npz", help=what)
    g.add_argument("--resolution", type=int, default=resolution[0], metavar="N", help=resolution[1])
    scheduler_options(p)
    return g


def add_curvature_map_options(p: argparse.ArgumentParser) -> None:
    """``hessian``'s map mode: a plane and a window as ``slice`` takes them, where to run."""
    g = _map_group(
        p,
        "curvature map over a slice (instead of one point)",
        "--curvature-map",
        "write λ_min, λ_max of the full-space Hessian at every cell of the map's grid",
        (None, f"cells per axis (default {CURVATURE_RESOLUTION})"),
    )
    plane_options(g, train_steps=False)  # hessian's own --train-steps trains for the plane
    window_option(g)
    p.set_defaults(steps=None, batch_size=0, momentum=None)


def add_basin_options(p: argparse.ArgumentParser) -> None:
    """``critical``'s basin map: the file, its resolution, where to run."""
    _map_group(
        p,
        "basin map of the optimizer (--optimizer, --lr)",
        "--basins",
        "write the attractor that --optimizer reaches from each cell (a basin map)",
        (
            BASIN_RESOLUTION,
            f"cells per axis at most (default {BASIN_RESOLUTION}; fewer where the runs "
            "would take over ~20 s)",
        ),
    )


def check_map(path: str | None) -> None:
    """A map's output name, before anything heavy loads."""
    if path is not None:
        from compute.outputs import output_path

        output_path(path, MAP_OUTPUTS)


MAP_ONLY = ("plane", "points", "center", "window", "resolution", "scheduler")


def check_curvature_map(args: argparse.Namespace) -> None:
    """``hessian``: the map's options act only with ``--curvature-map``."""
    check_map(args.curvature_map)
    if args.curvature_map is None:
        given = [n for n in MAP_ONLY if getattr(args, n, None) is not None]
        if given:
            flag = "--" + given[0].replace("_", "-")
            raise LandscapeError(f"{flag} is for --curvature-map OUT.npz (a map over a slice)")


def _write(path: str, arrays: dict[str, Any], meta: dict[str, Any]) -> None:
    import numpy as np

    from compute.outputs import output_path, write_with

    arrays = {**arrays, "metadata": np.array(json.dumps(meta))}
    write_with(output_path(path, MAP_OUTPUTS), lambda fh: np.savez_compressed(fh, **arrays))


def _on_executor(args: argparse.Namespace, make: Callable[[Any], Any], what: str, frac: Any) -> Any:
    from compute.cli.progress import drain_progress
    from compute.cli.scheduling import executor_from

    with executor_from(args) as executor:
        return drain_progress(make(executor), what, frac)


def curvature_map_command(args: argparse.Namespace) -> int:
    """``hessian --curvature-map OUT.npz``: the map over the slice of ``--plane``."""
    from compute.cli.building import landscape_from
    from compute.cli.scheduling import scheduler_from
    from compute.geometry.grid import Window, check_resolution
    from compute.landscapes.landscape import hessian_map

    check_map(args.curvature_map)
    scheduler_from(args)
    resolution = args.resolution or CURVATURE_RESOLUTION
    check_resolution(resolution)
    landscape, window, meta, _ = landscape_from(args)
    if len(window) != 4:
        raise LandscapeError("a curvature map needs a 2-D map (this scenario has one parameter)")
    shape = (resolution, resolution)
    m = _on_executor(
        args,
        lambda ex: hessian_map(landscape, Window(window), shape, executor=ex),
        "curvature map",
        lambda cells: (cells.done, cells.total),
    )
    meta |= {
        "hvp_count": int(m.hvp_count),
        "unconverged_cells": int((~m.converged).sum()),
        "scheduler": args.scheduler or "this process",
    }
    arrays = {"a": m.a, "b": m.b, "lam_min": m.lam_min, "lam_max": m.lam_max, "ratio": m.ratio}
    arrays |= {"residuals": m.residuals, "converged": m.converged}
    _write(args.curvature_map, arrays, meta)
    if args.json:
        print(json.dumps({"out": args.curvature_map, **meta}))
    return 0


def basin_map_command(
    args: argparse.Namespace, landscape: Any, window: Any, critical: list[Any], meta: dict[str, Any]
) -> dict[str, Any]:
    """``critical --basins OUT.npz``: the basin map of the landscape's critical points;
    returns its summary (shares of the cells, the note) for the command's output."""
    import numpy as np

    from compute.cli.building import config_from
    from compute.dynamics.basins import basin_budget, basin_map
    from compute.geometry.grid import Window

    config = config_from(args, landscape.problem, 1000)
    resolution, config = basin_budget(landscape.map_objective, args.resolution, config)
    m = _on_executor(
        args,
        lambda ex: basin_map(
            landscape.map_objective,
            landscape.map_modes,
            Window(window),
            resolution,
            config,
            critical,
            executor=ex,
        ),
        "basin map",
        lambda block: (int(1000 * block.done_fraction), 1000),
    )
    summary = {
        "out": args.basins,
        "resolution": resolution,
        "optimizer": config.describe(),
        "steps": config.steps,
        "share": m.share(),
        "attractors": [{"label": a.label, "kind": a.kind, "loss": a.loss} for a in m.attractors],
        "note": m.note,
        "scheduler": args.scheduler or "this process",
    }
    arrays = {f"axis{i}": ax for i, ax in enumerate(m.axes)}
    arrays |= {"labels": m.labels, "final_points": m.final_points, "steps": m.steps}
    points = [a.points for a in m.attractors]
    arrays["attractor_points"] = np.concatenate(points) if points else np.zeros((0, m.labels.ndim))
    arrays["attractor_of_point"] = np.repeat(np.arange(len(points)), [len(q) for q in points])
    _write(args.basins, arrays, {**meta, "basins": summary})
    return summary
