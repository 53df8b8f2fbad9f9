"""The gallery: one figure per picture of the seeds, regenerated from ``resources/sessions`` (and,
for the initialization lab's plots, from the compute functions themselves).

``gallery(out_dir)`` renders every entry to PDF and PNG with its sidecar. Step counts are the
sessions' own except where an entry says otherwise (``max_steps``, the depth sweep's
``depths``): the whole gallery stays under two minutes on a 2-core CPU.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from compute.errors import LandscapeError
from compute.figures import style
from compute.figures.compose import compose
from compute.figures.panels import Panel, Scene, Series, SeriesPanel
from compute.figures.provenance import figure_record
from compute.figures.render import save
from compute.figures.scene import SceneProgress, scene_from_file
from compute.outputs import one_unit

SESSIONS = Path(__file__).resolve().parents[2] / "resources" / "sessions"
"""The gallery's session files (Help ▸ Gallery opens them)."""
FORMATS = (".pdf", ".png")
DEPTHS = (2, 4, 8, 16, 32)
"""Depths of the gallery's near-identity sweep: the presets' 2…64 without 64 (the deepest net
alone costs half of the sweep: ~22 s for both presets here, ~10 s without it)."""


@dataclass(frozen=True)
class GalleryEntry:
    """One gallery figure: its name (file stem), what it shows, and how to make it.

    sessions : session files in SESSIONS; panels : which panels of each ("map", "curves");
    layout, width : as ``compose``; max_steps : cap on every run's steps (None: the session's);
    build : for figures that are no session (the lab's sweeps), a generator returning panels
    and their provenance
    """

    name: str
    caption: str
    sessions: tuple[str, ...] = ()
    panels: tuple[str, ...] = ("map",)
    layout: str | None = None
    width: str = "double"
    max_steps: int | None = None
    build: Callable[[], Generator[Any, None, tuple[list[Panel], dict[str, Any]]]] | None = None


def forward_norm_figure() -> Generator[Any, None, tuple[list[Panel], dict[str, Any]]]:
    """Seed 004's forward-norm plot: ‖z_l‖/‖x‖ per layer (median, 25–75 % band over 200
    trials) of 100-layer, width-100 residual stacks under each initialization scheme."""
    from compute.initlab.sweep import norm_sweep, preset

    chosen = preset("matlab")
    result = yield from norm_sweep(chosen.config, chosen.marks)
    series = []
    for s in result.schemes:
        q, valid = s.forward.quantiles, s.forward.valid
        layers = np.arange(q.shape[1], dtype=float)
        mid = np.where(valid[2], q[2], np.nan)
        band = (np.where(valid[1], q[1], np.nan), np.where(valid[3], q[3], np.nan))
        color = style.SCHEME_COLORS.get(s.scheme, "#000000")
        series.append(
            Series(style.SCHEME_LABELS.get(s.scheme, s.scheme), layers, mid, color, band=band)
        )
    panel = SeriesPanel(
        tuple(series),
        "layer $l$",
        r"$\|z_l\| / \|x\|$ (median, 25–75 %)",
        f"$L = 100$, $d = 100$, {result.config.trials} trials",
        "Forward norms of residual stacks",
        ylog=True,
    )
    config = {"preset": "matlab", "config": result.config, "seconds": result.seconds}
    return [panel], {"lab": "forward-norm", **config}


def depth_sweep_figure() -> Generator[Any, None, tuple[list[Panel], dict[str, Any]]]:
    """Seeds 002/003: max_i ‖A_i‖₂ of trained deep linear residual nets against depth m, for
    plain GD (η/m) and Adam, with c/m (dashed) and c·log(m)/m (dotted) fitted as guides."""
    from compute.initlab.near_identity import depth_sweep
    from compute.initlab.near_identity_config import preset

    series, configs = [], []
    for k, (name, words) in enumerate(
        (("linear-gd", r"GD, $\eta = 0.4/m$"), ("linear-adam", r"Adam, $\eta = 0.01$"))
    ):
        config = replace(preset(name), depths=DEPTHS)
        result = yield from depth_sweep(config)
        color = style.SWEEP_COLORS[k % len(style.SWEEP_COLORS)]
        m = result.depths.astype(float)
        series.append(Series(words, m, result.max_sizes, color, marker="o"))
        refs = result.references()
        series.append(Series(f"{words}: $c/m$", m, refs["1/m"], color, "dashed"))
        series.append(Series(f"{words}: $c \\log(m)/m$", m, refs["log(m)/m"], color, "dotted"))
        configs.append({"preset": name, "config": config, "max_sizes": result.max_sizes})
    panel = SeriesPanel(
        tuple(series),
        "depth $m$",
        r"$\max_i \|A_i\|_2$ after training",
        "trained to convergence",
        "Deep linear residual nets (Hardt & Ma)",
        xlog=True,
        ylog=True,
        xticks=tuple(float(m) for m in DEPTHS),
    )
    return [panel], {"lab": "near-identity", "sweeps": configs, "depths": list(DEPTHS)}


ENTRIES = (
    GalleryEntry(
        "seed-001-shamir",
        "Shamir's Example 1, F(w, v) = ½(w(1 + εv) − 1)²: (a) plain, (b) with L2 (λ = 0.2; a "
        "spurious minimum near (−1, −1.6), basins shown), (c) constrained to a ball",
        ("shamir-a-plain.json", "shamir-b-l2.json", "shamir-c-ball.json"),
    ),
    GalleryEntry(
        "seed-000-student-teacher",
        "Student–teacher training: Li–Yuan recovers the teacher; the one-block ResNet converges "
        "(its distance up to symmetries → 0) except in a real stall (h = 4, seed 2, Adam)",
        ("li-yuan-recovery.json", "resnet-block-converges.json", "resnet-block-stall.json"),
        ("curves",),
    ),
    GalleryEntry(
        "seed-000-li-yuan-slice",
        "The Li–Yuan loss on the plane through θ₀ towards the teacher, with GD and Adam runs",
        ("li-yuan-recovery.json",),
        ("map", "curves"),
    ),
    GalleryEntry(
        "seed-004-landscapes",
        "Lecture notes' landscapes: (1 − uv)², ‖M − uuᵀ‖²_F and (1 − ReLU(w))²",
        ("factorization.json", "psd-factorization.json", "relu-activation.json"),
    ),
    GalleryEntry(
        "seed-004-activations",
        "(1 − φ(w))² for ReLU, square and sigmoid: ReLU has non-global stationary points",
        ("relu-activation.json", "square-activation.json", "sigmoid-activation.json"),
    ),
    GalleryEntry(
        "seed-003-linear-residual",
        "Hardt & Ma's deep linear residual net: a slice around θ₀ and the training curves",
        ("linear-residual.json",),
        ("map", "curves"),
    ),
    GalleryEntry(
        "seed-004-forward-norm",
        "Forward norms per layer by scheme",
        build=forward_norm_figure,
        width="single",
    ),
    GalleryEntry(
        "seed-002-003-near-identity",
        "Near-identity layers: max ‖A_i‖₂ against depth (GD and Adam)",
        build=depth_sweep_figure,
        width="single",
    ),
    GalleryEntry(
        "digits-resnet-paths",
        "Two digits-resnet minima (seeds 0 and 1): the straight line, the line to the second "
        "after aligning its hidden units (its far end is off this plane: drawn projected), and "
        "a trained Bezier curve, on the plane through the minima and the curve's bend",
        ("digits-resnet-paths.json",),
        ("map", "profile"),
    ),
)


@dataclass(frozen=True)
class GalleryProgress:
    """Entry ``index`` of ``total`` (``name``) is being made; ``fraction`` within it."""

    index: int
    total: int
    name: str
    fraction: float


@dataclass(frozen=True)
class GalleryResult:
    """One entry's files and the seconds it took."""

    name: str
    files: tuple[Path, ...]
    seconds: float


def entry(name: str) -> GalleryEntry:
    for e in ENTRIES:
        if e.name == name:
            return e
    known = ", ".join(e.name for e in ENTRIES)
    raise LandscapeError(f"no gallery entry {name[:40]!r} (known: {known})")


def entry_panels(
    e: GalleryEntry, cache: dict[tuple[str, int | None], Scene] | None = None
) -> Generator[Any, None, tuple[list[Panel], dict[str, Any]]]:
    """The panels of ``e`` and their provenance (sessions computed with ``scene_from_file``;
    ``cache`` keeps scenes that several entries show)."""
    if e.build is not None:
        return (yield from e.build())
    cache = {} if cache is None else cache
    panels: list[Panel] = []
    records = []
    for name in e.sessions:
        key = (name, e.max_steps)
        if key not in cache:
            cache[key] = yield from scene_from_file(SESSIONS / name, max_steps=e.max_steps)
        scene = cache[key]
        panels += [scene.panel(kind) for kind in e.panels]
        records.append(scene.provenance)
    return panels, {"panels": records}


def gallery(
    out_dir: str | Path, names: Sequence[str] | None = None, dpi: int = 150
) -> Generator[GalleryProgress | SceneProgress, None, list[GalleryResult]]:
    """Render the gallery (every entry, or ``names``) to ``out_dir``/NAME.pdf and NAME.png with
    sidecars (without a time stamp: the same code and libraries write the same bytes). Yields
    progress per entry; returns what was written."""
    folder = Path(out_dir).expanduser()
    if not folder.is_dir():
        raise LandscapeError(f"folder {str(folder)[:60]!r} does not exist")
    chosen = [entry(n) for n in names] if names else list(ENTRIES)
    results = []
    cache: dict[tuple[str, int | None], Scene] = {}
    for i, e in enumerate(chosen):
        start = time.perf_counter()
        yield GalleryProgress(i, len(chosen), e.name, 0.0)
        panels, extra = yield from entry_panels(e, cache)
        comp = compose(panels, e.layout, e.width)
        record = figure_record(
            extra.pop("panels", []), "gallery", {"entry": e.name, "caption": e.caption, **extra}
        )
        files: list[Path] = []
        with one_unit():  # an entry's files (PDF, PNG, sidecars) appear together or not at all
            for suffix in FORMATS:
                # no time in the sidecars: a fresh render equals the committed gallery, byte
                # for byte (the figures themselves carry no time stamp)
                files += save(comp, folder / f"{e.name}{suffix}", record, dpi, stamped=False)
        results.append(GalleryResult(e.name, tuple(files), time.perf_counter() - start))
        yield GalleryProgress(i, len(chosen), e.name, 1.0)
    return results
