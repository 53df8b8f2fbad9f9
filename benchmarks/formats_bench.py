"""Exporting a 256² surface to the reference tool's .h5 and to ParaView's .vts: under 1 s.

    .venv/bin/python benchmarks/formats_bench.py [--size N]

Ours: ``write_reference_surface`` (h5py) and ``write_vtk`` (pyvista, binary .vts) of a 256²
slice with its four fields (train/test loss and accuracy). Baseline: the ``.npz`` that
``slice`` wrote before (``np.savez_compressed`` of the same arrays). Every file is read back
and compared with the input. Ends with ``ratio: X`` = the 1 s budget / our time for both files
(higher is better; above 1 the budget is met).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import h5py
import numpy as np
from machine_load import busy_seconds, other_load

from compute.formats.reference import reference_fields, write_reference_surface
from compute.formats.surface import Surface
from compute.formats.vtk import write_vtk

BUDGET = 1.0


def best(fn, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=256)
    args = parser.parse_args()
    n = args.size
    a, b = np.linspace(-1, 1, n), np.linspace(-1, 1, n)
    loss = 2.3 + np.add.outer(b**2, a**2) + 0.1 * np.sin(5 * np.add.outer(b, a))
    values = {"loss": loss, "accuracy": 1 / (1 + loss), "test_loss": loss + 0.1}
    values["test_accuracy"] = 1 / (1 + values["test_loss"])
    surface = Surface(a, b, reference_fields(values))
    import pyvista as pv  # loaded once, outside the timing (as in a running program)

    before = busy_seconds()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        h5, vts, npz = (Path(folder) / f"s.{ext}" for ext in ("h5", "vts", "npz"))
        t_h5 = best(lambda: write_reference_surface(h5, surface))
        t_vts = best(lambda: write_vtk(vts, surface, "train_loss"))
        t_npz = best(lambda: np.savez_compressed(npz, a=a, b=b, **values))
        with h5py.File(h5) as f:
            assert np.array_equal(f["train_loss"][:], loss)
            assert np.allclose(f["train_acc"][:], 100 * values["accuracy"])
        mesh = pv.read(vts)
        assert np.array_equal(mesh.point_data["train_loss"], loss.ravel())
        assert np.array_equal(np.load(npz)["loss"], loss)
        sizes = {p.suffix: p.stat().st_size / 1e6 for p in (h5, vts, npz)}
    wall = time.perf_counter() - t0
    ours = t_h5 + t_vts
    print(f"{n}×{n} surface, 4 fields, best of 5")
    print(f".h5 (h5py, the reference tool's layout): {1000 * t_h5:.1f} ms, {sizes['.h5']:.2f} MB")
    print(f".vts (pyvista, binary): {1000 * t_vts:.1f} ms, {sizes['.vts']:.2f} MB")
    print(f"baseline .npz (np.savez_compressed, slice's old output): {1000 * t_npz:.1f} ms")
    print(f"both exchange files: {1000 * ours:.1f} ms (budget {1000 * BUDGET:.0f} ms)")
    print(other_load(before, wall))
    print(f"ratio: {BUDGET / ours:.1f}")


if __name__ == "__main__":
    main()
