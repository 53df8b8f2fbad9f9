"""compute is usable headless: importing it (and running the CLI) never loads Qt."""

import subprocess
import sys

CHECK = """
import sys
import compute, compute.cli.main
from compute.scenarios import build_problem
from compute import drain, evaluate_grid, scenario, Window
drain(evaluate_grid(build_problem("shamir").objective(), Window((0, 1, 0, 1)), 4))
bad = [m for m in sys.modules if m.split(".")[0] in
       ("PySide6", "shiboken6", "pyqtgraph", "superqt", "explorer")]
print(",".join(bad))
"""


def test_compute_imports_no_qt():
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
