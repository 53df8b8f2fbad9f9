"""The ``scenarios`` command: every registered scenario, as text or JSON."""

from __future__ import annotations

import argparse
import json
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("scenarios", help="list the scenarios")
    p.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    from compute.scenarios import SCENARIOS

    if args.json:
        print(json.dumps({"scenarios": [s.to_json() for s in SCENARIOS.values()]}, indent=2))
    else:
        for spec in SCENARIOS.values():
            tag = "[network] " if spec.capabilities.sliced else ""
            print(f"{spec.id:20s} {tag}{spec.formula}")
    return 0
