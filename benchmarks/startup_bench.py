"""Start-up: time to the first painted map (offscreen) and to ``landscape-explorer --help``.

Each measurement launches a fresh Python process and times it from the parent (interpreter
start-up included), three times, and reports the median.

- window: ours builds the window as ``explorer.app.run_app`` does (torch and the first problem,
  scipy, matplotlib and torch._dynamo load when first used or behind the first paint); the
  baseline first imports everything eagerly, as the application did before issue 12 (torch,
  torch._dynamo, scipy.ndimage/spatial, matplotlib and every compute module before the first
  paint). Both report the first map's shape and minimum, which must agree.
- --help: ours is the console script's entry point; the baseline imports torch and every
  command module before parsing, as the CLI did before. Both outputs must be identical.

Targets on the development machine (2 cores): window 3 s, --help 0.5 s.

    python benchmarks/startup_bench.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine_load import busy_seconds, other_load

EAGER = """
import torch, torch._dynamo, scipy.ndimage, scipy.spatial, matplotlib.pyplot
import compute.cli.building, compute.cli.grid, compute.cli.slice, compute.cli.hessian
import compute.critical.search, compute.dynamics.basins, compute.curvature
import compute.landscapes.point_spectrum, compute.figures.render
"""

WINDOW = """
import os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
{eager}
from PySide6 import QtWidgets
from explorer.app import configure_pyqtgraph
configure_pyqtgraph()
app = QtWidgets.QApplication(sys.argv[:1])
from explorer.main_window import MainWindow
w = MainWindow(restore_autosave=False)
w.show()
app.processEvents()
shown = time.time()
while w.state.results.frame is None:
    app.processEvents()
    time.sleep(0.002)
app.processEvents()  # the throttled redraw that paints it
w.view.grab()
painted = time.time()
loss = w.state.results.frame.loss
print(f"{{shown}} {{painted}} {{loss.shape}} {{float(loss.min()):.6g}}")
w.close()
"""

HELP = """
{eager}
import sys
from explorer.launcher import main
sys.exit(main(["--help"]))
"""


def _launch(code: str, env: dict[str, str]) -> tuple[float, str]:
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return start, out.stdout


def window_times(eager: bool, env: dict[str, str]) -> tuple[float, float, str]:
    start, out = _launch(WINDOW.format(eager=EAGER if eager else ""), env)
    shown, painted, *picture = out.split()
    return float(shown) - start, float(painted) - start, " ".join(picture)


def help_time(eager: bool, env: dict[str, str]) -> tuple[float, str]:
    start, out = _launch(HELP.format(eager=EAGER if eager else ""), env)
    return time.time() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    root = Path(__file__).resolve().parents[1]
    tmp = tempfile.mkdtemp(prefix="startup-bench-")
    env = os.environ | {
        "PYTHONPATH": str(root),
        "OMP_WAIT_POLICY": "PASSIVE",
        "LANDSCAPE_EXPLORER_AUTOSAVE": f"{tmp}/autosave.json",
        "LANDSCAPE_EXPLORER_SETTINGS": f"{tmp}/settings.ini",
    }
    load = busy_seconds()
    wall = time.perf_counter()
    runs: dict[bool, list[tuple[float, float, str]]] = {True: [], False: []}
    helps: dict[bool, list[tuple[float, str]]] = {True: [], False: []}
    for _ in range(args.repeat):
        for eager in (True, False):  # interleaved: both see the same machine
            runs[eager].append(window_times(eager, env))
            helps[eager].append(help_time(eager, env))
    pictures = {r[2] for rs in runs.values() for r in rs}
    texts = {h[1] for hs in helps.values() for h in hs}
    assert len(pictures) == 1, f"the first maps differ: {pictures}"
    assert len(texts) == 1, "the --help outputs differ"
    med = {
        eager: (
            statistics.median(r[0] for r in runs[eager]),
            statistics.median(r[1] for r in runs[eager]),
            statistics.median(h[0] for h in helps[eager]),
        )
        for eager in (True, False)
    }
    print(f"first map {pictures.pop()} (both agree); --help outputs identical")
    for eager, name in ((True, "baseline (eager imports)"), (False, "ours")):
        shown, painted, help_s = med[eager]
        print(f"{name:26s} window shown {shown:.2f} s, map painted {painted:.2f} s, "
              f"--help {help_s:.2f} s")  # fmt: skip
    print("targets: map painted ≤ 3 s, --help ≤ 0.5 s")
    print(other_load(load, time.perf_counter() - wall))
    print(f"help ratio: {med[True][2] / med[False][2]:.2f}")
    print(f"ratio: {med[True][1] / med[False][1]:.2f}")


if __name__ == "__main__":
    main()
