"""The numbers behind every panel, as CSV (one table, units in the column names) or NPZ.

CSV: the first row names every column with its unit or meaning (``w``, ``v``, ``loss F``,
``display log10(F - min F + delta)``); no comment lines; the parameters, modes and provenance
go to the sidecar ``<file>.json``. A full-space curvature map has its own grid: its rows follow
the map's (columns ``w (curvature map)``, ``v (curvature map)`` and its quantity, blank in the
map's rows and the other way round). NPZ: named arrays per panel (``a_loss``, ``b_run1_path``;
the curvature map as ``hessian_a`` (na,), ``hessian_b`` (nb,), ``hessian_<field>`` (nb, na))
and the provenance as a JSON string ``provenance``.
"""

from __future__ import annotations

import csv
import io
import json
import string
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from compute.errors import LandscapeError
from compute.figures.overlay_table import overlay_arrays
from compute.figures.panels import (
    CurvesPanel,
    MapPanel,
    Panel,
    SeriesPanel,
    SpectrumPanel,
    SurfacePanel,
)
from compute.figures.render import readable, write_sidecar
from compute.outputs import atomic_write, one_unit, output_path

DATA_FORMATS = (".csv", ".npz")


def _plain(name: str) -> str:
    """An axis name without mathtext dollars ("$w$" → "w")."""
    return name.replace("$", "").replace("\\", "")


def _map_table(p: MapPanel) -> tuple[list[str], list[np.ndarray]]:
    f = p.frame
    names = [_plain(n) for n in p.axis_names]
    disp = "display log10(F - min F + delta)" if f.log_scale else "display F"
    if p.dim == 2:
        xx, yy = np.meshgrid(f.axes[0], f.axes[1])  # row = y, x fastest
        cols = [xx.ravel(), yy.ravel(), np.ravel(f.loss), np.ravel(f.display)]
        header = [names[0], names[1], "loss F", disp]
        for key, values in f.extra.items():
            header.append(key)
            cols.append(np.ravel(values))
        if p.curvature is not None:
            header.append("lambda_min of Hessian")
            cols.append(np.ravel(p.curvature))
        if p.hessian is not None:
            return _with_curvature_map(p, header, cols)
        return header, cols
    return [names[0], "loss F", disp], [
        np.asarray(f.axes[0]),
        np.ravel(f.loss),
        np.ravel(f.display),
    ]


HESSIAN_COLUMNS = {
    "ratio": "|lambda_min/lambda_max| of full Hessian",
    "lambda_min": "lambda_min of full Hessian",
    "lambda_max": "lambda_max of full Hessian",
}


def _with_curvature_map(
    p: MapPanel, header: list[str], cols: list[np.ndarray]
) -> tuple[list[str], list[np.ndarray]]:
    """The map's rows (its grid, curvature-map columns blank) followed by the curvature map's
    own rows (its a, b and value, the map's columns blank): its grid is not the map's."""
    h = p.hessian
    assert h is not None
    names = [_plain(n) for n in p.axis_names]
    aa, bb = np.meshgrid(h.a, h.b)  # row = b, a fastest, as the map
    extra = [aa.ravel(), bb.ravel(), np.ravel(h.values)]
    n, m = len(cols[0]), aa.size

    def blank(k: int) -> np.ndarray:
        return np.full(k, None, dtype=object)

    out = [np.concatenate([np.asarray(c, dtype=object), blank(m)]) for c in cols]
    out += [np.concatenate([blank(n), np.asarray(e, dtype=object)]) for e in extra]
    more = [f"{names[0]} (curvature map)", f"{names[1]} (curvature map)"]
    return header + more + [HESSIAN_COLUMNS[h.field]], out


def _curves_table(p: CurvesPanel, numbers: Mapping[int, int]) -> tuple[list[str], list[np.ndarray]]:
    keys = sorted({k for r in p.runs for k in r.metrics})
    header = ["run", "step", "loss F", "gradient norm |grad F|", "projected gradient norm"]
    header += [f"{k} ({p.metric_labels.get(k, k)})" for k in keys]
    cols: list[list[float]] = [[] for _ in header]
    for run in p.runs:
        steps = run.step_axis()
        projected = np.full(len(steps), np.nan) if run.projected is None else run.projected
        series = [np.full(len(steps), numbers[id(run)]), steps, run.loss, run.grad_norm, projected]
        series += [np.asarray(run.metrics.get(k, np.full(len(steps), np.nan))) for k in keys]
        for c, values in zip(cols, series, strict=True):
            c.extend(np.asarray(values, dtype=float).tolist())
    return header, [np.asarray(c) for c in cols]


def _spectrum_columns(p: SpectrumPanel) -> tuple[np.ndarray, np.ndarray]:
    """Each eigenvalue's rank (extremes: 1 = the largest, 2 = the second, …; −1 = the smallest,
    −2 = the next; NaN for every eigenvalue of a dense pass) and whether it is resolved (1: it is
    the eigenvalue of that rank to the stated accuracy, 0: not resolved)."""
    k = len(p.eigenvalues)
    if p.all_eigenvalues:
        return np.full(k, np.nan), np.ones(k)
    top = np.arange(1, p.n_top + 1, dtype=float)
    rank = np.concatenate([top, -np.arange(1, k - p.n_top + 1, dtype=float)])
    resolved = np.asarray(p.resolved, dtype=float) if len(p.resolved) else np.ones(k)
    return rank, resolved


def _spectrum_table(p: SpectrumPanel) -> tuple[list[str], list[np.ndarray]]:
    n = max(len(p.grid), len(p.eigenvalues))

    def pad(a: np.ndarray) -> np.ndarray:
        return np.concatenate([np.asarray(a, dtype=float), np.full(n - len(a), np.nan)])

    rank, resolved = _spectrum_columns(p)
    matrix = "eigenvalues" if p.matrix == "hessian" else f"eigenvalues ({p.matrix})"
    header = ["eigenvalue grid lambda", "SLQ density", matrix, "rank", "resolved"]
    return header, [pad(p.grid), pad(p.density), pad(p.eigenvalues), pad(rank), pad(resolved)]


def _series_table(p: SeriesPanel) -> tuple[list[str], list[np.ndarray]]:
    header = ["series", _plain(p.xlabel), _plain(p.ylabel)]
    cols: list[list[Any]] = [[], [], []]
    for s in p.series:
        cols[0].extend([_plain(s.label)] * len(s.x))
        cols[1].extend(np.asarray(s.x, dtype=float).tolist())
        cols[2].extend(np.asarray(s.y, dtype=float).tolist())
    return header, [np.asarray(c, dtype=object) for c in cols]


def _table(p: Panel, numbers: Mapping[int, int]) -> tuple[list[str], list[np.ndarray]]:
    if isinstance(p, MapPanel):
        return _map_table(p)
    if isinstance(p, CurvesPanel):
        return _curves_table(p, numbers)
    if isinstance(p, SpectrumPanel):
        return _spectrum_table(p)
    if isinstance(p, SurfacePanel):
        return _map_table(p.map)
    return _series_table(p)


def _arrays(p: Panel, numbers: Mapping[int, int]) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    if isinstance(p, MapPanel):
        f = p.frame
        out |= {f"axis{i}": np.asarray(a) for i, a in enumerate(f.axes)}
        out |= {"loss": f.loss, "display": f.display, "levels": f.levels}
        out |= {f"extra_{k}": v for k, v in f.extra.items()}
        out |= dict(p.plane)  # a slice's origin, d1, d2
        out |= overlay_arrays(p)  # each overlay's own arrays (the overlay table)
    if isinstance(p, MapPanel | CurvesPanel):
        for run in p.runs:
            k = f"run{numbers[id(run)]}"
            out |= {
                f"{k}_steps": run.step_axis(),
                f"{k}_loss": run.loss,
                f"{k}_grad_norm": run.grad_norm,
            }
            out |= {f"{k}_path": run.path, f"{k}_path_steps": run.path_axis()}
            out |= {f"{k}_{m}": np.asarray(v) for m, v in run.metrics.items()}
            if run.thetas is not None:
                out[f"{k}_theta"] = run.thetas
            if run.distance is not None:
                out[f"{k}_distance"] = run.distance
    if isinstance(p, SpectrumPanel):
        rank, resolved = _spectrum_columns(p)
        out |= {"grid": p.grid, "density": p.density, "eigenvalues": p.eigenvalues}
        out |= {"rank": rank, "resolved": resolved.astype(bool), "matrix": np.asarray(p.matrix)}
    if isinstance(p, SeriesPanel):
        for i, s in enumerate(p.series):
            out |= {f"series{i}_x": np.asarray(s.x), f"series{i}_y": np.asarray(s.y)}
            if s.band is not None:
                out |= {
                    f"series{i}_lo": np.asarray(s.band[0]),
                    f"series{i}_hi": np.asarray(s.band[1]),
                }
    return {k: np.asarray(v) for k, v in out.items()}


def export_data(panels: Sequence[Panel], path: str | Path, record: Mapping[str, Any]) -> list[Path]:
    """Write the panels' numbers to ``path`` (.csv or .npz) and a sidecar with ``record``.

    CSV: one table; with several panels a first column ``panel`` (a, b, …) and the union of
    their columns (blank where a panel has none). NPZ: arrays prefixed ``a_``, ``b_``, … (no
    prefix for one panel), runs numbered as in the figure, ``provenance`` JSON. Returns
    [file, sidecar]; bad targets and failed writes raise a one-line LandscapeError.
    """
    target = output_path(path, DATA_FORMATS)
    panels = [p.map if isinstance(p, SurfacePanel) else p for p in panels]  # the same numbers
    if not panels:
        raise LandscapeError("nothing to export: no panels")
    from compute.figures.run_colours import runs_of

    numbers = {id(r): i + 1 for i, r in enumerate(runs_of(panels))}
    prefixes = [
        f"{string.ascii_lowercase[i]}_" if len(panels) > 1 else "" for i in range(len(panels))
    ]
    with one_unit():  # the file and its sidecar appear together or not at all
        if target.suffix.lower() == ".npz":
            arrays: dict[str, Any] = {}
            for prefix, p in zip(prefixes, panels, strict=True):
                arrays |= {prefix + k: v for k, v in _arrays(p, numbers).items()}
            arrays["provenance"] = np.array(json.dumps(record, sort_keys=True))
            buffer = io.BytesIO()
            np.savez_compressed(buffer, **arrays)
            with atomic_write(target) as fh:
                fh.write(buffer.getvalue())  # type: ignore[arg-type]
        else:
            tables = [_table(p, numbers) for p in panels]
            header: list[str] = []
            for h, _ in tables:
                header += [c for c in h if c not in header]
            with atomic_write(target, "w") as fh:
                writer = csv.writer(fh)  # type: ignore[arg-type]
                writer.writerow((["panel"] if len(panels) > 1 else []) + header)
                for prefix, (h, cols) in zip(prefixes, tables, strict=True):
                    where = {name: i for i, name in enumerate(h)}
                    for row in range(len(cols[0]) if cols else 0):
                        cells = [_cell(cols[where[c]][row]) if c in where else "" for c in header]
                        writer.writerow(([prefix.rstrip("_")] if len(panels) > 1 else []) + cells)
        side = write_sidecar(target, record)
    return [readable(target), readable(side)]


def _cell(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return repr(float(value))  # inf / nan spelled out (csv readers and pandas parse them)
    return value
