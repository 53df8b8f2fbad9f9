"""The ``landscape-explorer`` console script: the headless CLI plus the ``gui`` command."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

# Before torch loads: idle OpenMP threads must sleep, not spin. Several workers run torch at
# once here, and spinning threads starve them on a 2-core machine (a 512² grid took 1.6 s
# instead of 0.16 s).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from compute import cli_main, keep_freed_memory


def launch_gui(args: argparse.Namespace) -> int:
    """Open the explorer window (Qt is imported only here, so headless commands never load it)."""
    from explorer.app import run_app

    return run_app(args.session, args.model)


def main(argv: Sequence[str] | None = None) -> int:
    keep_freed_memory()  # freed tensors reused, not mapped afresh (compute.allocator)
    return cli_main(argv, gui=launch_gui)


if __name__ == "__main__":
    sys.exit(main())
