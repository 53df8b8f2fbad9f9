"""The ``render`` command: session files → one figure (PDF, PNG, SVG), its data (CSV, NPZ) or an
animation (GIF, MP4), with a provenance sidecar.

Matplotlib, torch and the numerics are imported inside ``run`` so that ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from compute.errors import LandscapeError

PANELS = ("map", "curves", "spectrum", "surface", "profile")
OUTPUTS = (".pdf", ".png", ".svg", ".csv", ".npz", ".gif", ".mp4")


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "render",
        help="render session files headlessly: one figure (PDF, PNG, SVG), data or animation",
        description="Compute what the window shows for each session and draw it: one panel "
        "per session (or per session and panel kind), labelled (a), (b), … The suffix of "
        "--out chooses: .pdf/.png/.svg a figure, .csv/.npz its data, .gif/.mp4 the first "
        "session's runs moving over its map. Provenance goes into FILE.json beside it.",
    )
    p.add_argument(
        "sessions",
        nargs="+",
        metavar="SESSION.json",
        help="session files (or surface files made by import-surface)",
    )
    p.add_argument("--out", required=True, help=f"output file ({', '.join(OUTPUTS)})")
    p.add_argument(
        "--panel",
        default="map",
        metavar="KIND[,KIND]",
        help="map, curves, spectrum or surface (the map in 3-D; several: map,curves gives each "
        "session's map and curves); a .gif/.mp4 of surface turns it once around",
    )
    p.add_argument("--azimuth", type=float, default=-60.0, help="surface: view azimuth (degrees)")
    p.add_argument(
        "--elevation", type=float, default=30.0, help="surface: view elevation (degrees)"
    )
    p.add_argument("--layout", default=None, metavar="ROWSxCOLS", help="e.g. 1x3 (default: a row)")
    p.add_argument(
        "--width",
        default=None,
        metavar="single|double|slide|INCHES",
        help="figure width: single 3.25 in, double 6.75 in, slide 4.96 in (default: single for "
        "one panel, double for more)",
    )
    p.add_argument(
        "--shared-scale",
        action="store_true",
        help="one colour scale and colour bar (refused for maps of different losses, or whose "
        "values lie orders of magnitude apart)",
    )
    p.add_argument("--dpi", type=int, default=300, help="raster resolution (PNG; maps in PDF/SVG)")
    p.add_argument("--max-steps", type=int, default=None, metavar="N", help="cap every run's steps")
    p.add_argument(
        "--fps", type=int, default=_DEFAULTS["fps"], help="animations: frames per second"
    )
    p.add_argument(
        "--seconds",
        type=float,
        default=_DEFAULTS["seconds"],
        help="animations: length in seconds",
    )
    p.add_argument(
        "--fly",
        type=int,
        default=None,
        metavar="N",
        help="animations: a marker flies along kept path N (1, 2, … as in the map's legend) "
        "instead of the runs moving; with --panel map,profile the profile's cursor follows it",
    )
    p.add_argument("--device", default="cpu", help="networks: cpu or cuda")
    p.add_argument("--json", action="store_true", help="print what was written as JSON")


def _kinds(text: str) -> tuple[str, ...]:
    kinds = tuple(k.strip() for k in text.split(",") if k.strip())
    bad = [k for k in kinds if k not in PANELS]
    if not kinds or bad:
        raise LandscapeError(f"--panel {text[:30]!r}: use {', '.join(PANELS)} (comma-separated)")
    return kinds


def _size(path: Path) -> str:
    kb = path.stat().st_size / 1024
    return f"{kb:.0f} KB" if kb < 1024 else f"{kb / 1024:.1f} MB"


def check(args: argparse.Namespace) -> None:
    """Everything ``render`` can refuse before torch loads: the target, panels, sizes (the
    figure's pixels and an animation's frames against a memory budget), the device and that
    each session is a regular file."""
    from compute.cli.checks import check_device
    from compute.figures.venues import check_animation, check_budget, check_dpi, parse_layout
    from compute.outputs import output_path
    from compute.sessions.reading import check_regular

    target = output_path(args.out, OUTPUTS)
    kinds = _kinds(args.panel)
    if args.max_steps is not None and args.max_steps < 1:
        raise LandscapeError(f"--max-steps must be at least 1, got {args.max_steps}")
    dpi = check_dpi(args.dpi)
    check_device(args.device)
    count = len(args.sessions) * len(kinds)
    rows, cols = parse_layout(args.layout, count)
    width = args.width or ("single" if count == 1 else "double")
    animation = target.suffix.lower() in (".gif", ".mp4")
    _check_fly(args.fly, kinds, target.suffix, animation)
    if animation:
        frames = check_animation(args.fps, args.seconds)
        check_budget(width, 1, 1, min(dpi, 200), frames)
    else:
        for name in ("fps", "seconds"):
            if getattr(args, name) != _DEFAULTS[name]:
                raise LandscapeError(
                    f"--{name} is for animations (.gif, .mp4), not {target.suffix}"
                )
        check_budget(width, rows, cols, dpi)
    for s in args.sessions:
        check_regular(Path(s))


_DEFAULTS = {"fps": 20, "seconds": 6.0}


def _check_fly(fly: int | None, kinds: tuple[str, ...], suffix: str, animation: bool) -> None:
    """--fly N: an animation (.gif, .mp4) of the map (and the profile), N ≥ 1."""
    if fly is None:
        return
    if not animation:
        raise LandscapeError(f"--fly is for animations (.gif, .mp4), not {suffix}")
    if fly < 1:
        raise LandscapeError(f"--fly numbers the kept paths from 1, got {fly}")
    if "map" not in kinds or not set(kinds) <= {"map", "profile"}:
        raise LandscapeError(
            "--fly draws the map (and the profile): use --panel map or map,profile"
        )


def _load(path: str, several: bool) -> Any:
    """A session (strictly: refused by field name; a user's model file it names is run, as the
    command line runs what it is told to) or an imported surface file; with several, the
    error names the file."""
    from compute.formats.imported import is_surface_file, load_surface
    from compute.sessions.file import load

    try:
        return load_surface(path) if is_surface_file(path) else load(path, run_models=True)
    except LandscapeError as exc:
        if several and Path(path).name not in str(exc):
            raise LandscapeError(f"{path}: {exc}") from None
        raise


def run(args: argparse.Namespace) -> int:
    """``render``: session files → figure / data / animation, with a provenance sidecar."""
    # Long by design: one command's checks, in the order a user needs the errors (all before any
    # work), then the one output it writes.
    from compute.outputs import output_path

    target = output_path(args.out, OUTPUTS)  # refused before any work
    kinds = _kinds(args.panel)
    suffix = target.suffix.lower()
    if args.max_steps is not None and args.max_steps < 1:
        raise LandscapeError(f"--max-steps must be at least 1, got {args.max_steps}")
    from compute.figures.venues import check_dpi, parse_layout, venue

    check_dpi(args.dpi)
    if args.width is not None:
        venue(args.width)
    parse_layout(args.layout, len(args.sessions) * len(kinds))
    sessions = [(Path(s), _load(s, len(args.sessions) > 1)) for s in args.sessions]
    from compute.cli.progress import drain_progress
    from compute.figures.imported_scene import scene_from_surface
    from compute.figures.panels import Panel, Scene, SurfacePanel
    from compute.figures.provenance import figure_record
    from compute.figures.scene import scene_from_session
    from compute.formats.surface import Surface

    if args.shared_scale and {"map", "surface"} & set(kinds):  # refused before any training
        from compute.figures.imported_scene import surface_quantity
        from compute.figures.shared_scale import check_one_quantity

        check_one_quantity(
            [
                (p.name, surface_quantity(s, p) if isinstance(s, Surface) else s.scenario)
                for p, s in sessions
            ]
        )
    start = time.perf_counter()
    scenes: list[Scene] = []
    for path, session in sessions:
        if isinstance(session, Surface):
            scenes.append(scene_from_surface(session, path))
            continue
        gen = scene_from_session(session, path, "spectrum" in kinds, args.max_steps, args.device)
        try:
            scenes.append(
                drain_progress(
                    gen, f"computing {path.name}", lambda p: (int(1000 * p.fraction), 1000)
                )
            )
        except LandscapeError as exc:
            if len(sessions) > 1 and path.name not in str(exc):
                raise LandscapeError(f"{path}: {exc}") from None
            raise
    view = (args.azimuth, args.elevation)
    panels: list[Panel] = [scene.panel(kind, *view) for scene in scenes for kind in kinds]
    record = figure_record(
        [s.provenance for s in scenes],
        "render",
        {
            "command": ["render", *sys.argv[2:]] if sys.argv[1:2] == ["render"] else None,
            "panel": list(kinds),
            "layout": args.layout,
            "width": args.width,
            "shared_scale": args.shared_scale,
            "view": list(view) if "surface" in kinds else None,
            "dpi": args.dpi,
        },
    )
    width = args.width or ("single" if len(panels) == 1 else "double")
    if suffix in (".csv", ".npz"):
        from compute.figures.data import export_data

        written = export_data(panels, target, record)
    elif suffix in (".gif", ".mp4"):
        from compute.figures.animate import animate

        turning = next((p for p in panels if isinstance(p, SurfacePanel)), None)
        written = animate(
            turning or scenes[0], target, args.fps, args.seconds, width, min(args.dpi, 200), record,
            fly=None if args.fly is None else args.fly - 1, profile="profile" in kinds,
        )  # fmt: skip
    else:
        from compute.figures.render import render_figure

        written = render_figure(
            panels, target, record, args.layout, width, args.shared_scale, args.dpi
        )
    seconds = time.perf_counter() - start
    if args.json:
        print(json.dumps({"files": [str(p) for p in written], "seconds": seconds}))
    else:
        print(f"wrote {written[0]} ({_size(written[0])}) and {written[1].name} in {seconds:.1f} s")
    return 0
