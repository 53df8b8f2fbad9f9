"""Running the installed console script in a subprocess."""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

EXE = shutil.which("landscape-explorer") or str(
    Path(sys.executable).with_name("landscape-explorer")
)


def cli(*args):
    return subprocess.run(
        [EXE, *args], capture_output=True, text=True, timeout=300, cwd=tempfile.gettempdir()
    )
