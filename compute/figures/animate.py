"""Runs moving over the map, for talks: GIF (Pillow) or MP4 (H.264 through imageio-ffmpeg).

The map and its overlays are drawn once (``compose``), then every frame restores that
background and draws each run's path up to the frame's step (one step clock for all runs,
so faster runs arrive first); or, with ``fly``, a marker moves along a kept path from one end
to the other (``compute.figures.fly``), the profile's cursor with it. Frame rate and length are
the caller's; the file is written to a temporary name and renamed, so a failure leaves nothing
behind.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import numpy as np
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg

from compute.errors import LandscapeError, short
from compute.figures import style
from compute.figures.compose import compose
from compute.figures.map_panel import run_xy
from compute.figures.panels import MapPanel, Scene, SurfacePanel
from compute.figures.render import write_sidecar
from compute.figures.run_colours import distinct_colours
from compute.figures.venues import check_animation, check_dpi
from compute.outputs import commit, discard, one_unit, output_path, temporary_beside

ANIMATION_FORMATS = (".gif", ".mp4")
_check = check_animation


def frames(
    panel: MapPanel, count: int, width: str | float = "single", dpi: int = 120
) -> Iterator[np.ndarray]:
    """``count`` RGB frames (h, w, 3) uint8 of ``panel``'s runs advancing over its map.

    Frame i shows every run up to step t_i = i / (count − 1) · (largest last step).
    """
    # the colours compose gives the runs, so that the tracks drawn here match the legend
    panel = cast(MapPanel, distinct_colours([panel])[0])
    starts = tuple(replace(r, path=r.path[:1], path_steps=r.path_axis()[:1]) for r in panel.runs)
    comp = compose([replace(panel, runs=starts)], None, width)
    fig, ax = comp.figure, comp.axes[0][0]
    fig.set_dpi(dpi)
    canvas: Any = FigureCanvasAgg(fig)  # its methods are untyped
    halo = [patheffects.withStroke(linewidth=2.4, foreground=style.RUN_HALO, alpha=0.8)]
    tracks = []
    for run in panel.runs:
        xy, steps = run_xy(panel, run)
        line = ax.plot(
            [], [], color=run.color, lw=style.RUN_WIDTH, path_effects=halo, zorder=8, animated=True
        )[0]
        end = ax.plot(
            [],
            [],
            marker="o",
            ms=4.0,
            mfc=run.color,
            mec="w",
            mew=0.5,
            ls="none",
            zorder=8.5,
            animated=True,
        )[0]
        tracks.append((xy, steps, line, end))
    clock = ax.text(
        0.98,
        0.02,
        "",
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=comp.venue.small_size,
        path_effects=[patheffects.withStroke(linewidth=1.6, foreground="white")],
        animated=True,
    )
    canvas.draw()
    background = canvas.copy_from_bbox(fig.bbox)
    last = max((float(s[-1]) for _, s, _, _ in tracks if len(s)), default=0.0)
    for i in range(count):
        t = last * i / (count - 1)
        canvas.restore_region(background)
        for xy, steps, line, end in tracks:
            k = int(np.searchsorted(steps, t, side="right"))
            line.set_data(xy[:k, 0], xy[:k, 1])
            end.set_data(xy[max(k - 1, 0) : k, 0], xy[max(k - 1, 0) : k, 1])
            ax.draw_artist(line)
            ax.draw_artist(end)
        clock.set_text(f"step {round(t)}")
        ax.draw_artist(clock)
        canvas.blit(fig.bbox)
        yield np.asarray(canvas.buffer_rgba())[..., :3].copy()


def _ticking(
    images: Iterator[np.ndarray], total: int, tick: Callable[[int, int], None]
) -> Iterator[np.ndarray]:
    for done, image in enumerate(images, 1):
        tick(done, total)
        yield image


def _even(frame: np.ndarray) -> np.ndarray:
    """Pad to even width and height (H.264 with yuv420p needs them) with white."""
    h, w = frame.shape[:2]
    return np.pad(frame, ((0, h % 2), (0, w % 2), (0, 0)), constant_values=255)


def _write_gif(images: Iterator[np.ndarray], tmp: str, fps: int) -> None:
    from PIL import Image

    pictures = [
        Image.fromarray(f).quantize(colors=255, method=Image.Quantize.MEDIANCUT) for f in images
    ]
    pictures[0].save(
        tmp,
        format="GIF",
        save_all=True,
        append_images=pictures[1:],
        duration=round(1000 / fps),
        loop=0,
        optimize=False,
        disposal=1,
    )


def require_mp4() -> Any:
    """The ``imageio_ffmpeg`` module, or a LandscapeError saying how to get MP4 (asked before
    any other question about an MP4 export, and again when writing)."""
    try:
        import imageio_ffmpeg
    except ImportError:
        raise LandscapeError(
            'MP4 needs the imageio-ffmpeg package (pip install "landscape-explorer[video]"); '
            "GIF works without it"
        ) from None
    return imageio_ffmpeg


def _write_mp4(images: Iterator[np.ndarray], tmp: str, fps: int) -> None:
    imageio_ffmpeg = require_mp4()
    first = _even(next(images))
    h, w = first.shape[:2]
    writer = imageio_ffmpeg.write_frames(
        tmp,
        (w, h),
        fps=fps,
        codec="libx264",
        pix_fmt_in="rgb24",
        pix_fmt_out="yuv420p",
        macro_block_size=1,
        quality=7,
        output_params=["-f", "mp4"],
    )
    writer.send(None)
    try:
        writer.send(np.ascontiguousarray(first))
        for f in images:
            writer.send(np.ascontiguousarray(_even(f)))
    finally:
        writer.close()


def animate(
    scene: Scene | MapPanel | SurfacePanel,
    path: str | Path,
    fps: int = 20,
    seconds: float = 6.0,
    width: str | float = "single",
    dpi: int = 120,
    record: dict[str, Any] | None = None,
    tick: Callable[[int, int], None] | None = None,
    fly: int | None = None,
    profile: bool = False,
) -> list[Path]:
    """Write the runs of ``scene``'s map moving over it as ``path`` (.gif or .mp4) and a sidecar;
    a SurfacePanel turns once around its vertical axis instead (``rotate.rotation_frames``).
    With ``fly`` = i, a marker flies along the map's kept path i (0-based, the legend's order)
    instead, frame j at its point round(j·(K − 1)/(frames − 1)); with ``profile`` (a Scene with
    paths) the profile panel is drawn beside the map and its cursor follows the marker.

    ``fps`` frames per second for ``seconds`` (fps·seconds frames, at most MAX_FRAMES), the
    figure ``width`` preset at ``dpi``. ``tick(done, total)`` is called after each frame drawn;
    an exception it raises stops the export with no file left behind (how the window cancels).
    Returns [file, sidecar]; bad targets, settings or a failed write raise a one-line
    LandscapeError.
    """
    target = output_path(path, ANIMATION_FORMATS)
    count = _check(fps, seconds)
    dpi = check_dpi(dpi)
    provenance = dict(
        record if record is not None else (scene.provenance if isinstance(scene, Scene) else {})
    )
    provenance |= {
        "animation": {"fps": int(fps), "seconds": float(seconds), "frames": count, "dpi": dpi}
    }
    if fly is not None:
        from compute.figures.fly import path_flight

        panel = scene.map if isinstance(scene, Scene) else scene
        if not isinstance(panel, MapPanel):
            raise LandscapeError("nothing to fly along: there is no 2-D map")
        side = scene.profile if profile and isinstance(scene, Scene) else None
        flying = path_flight(panel, fly, count, side, width, dpi)
        images = flying.frames()
        provenance["animation"] |= {
            "flight": {
                "path": panel.paths[fly].describe(),
                "points": len(panel.paths[fly].t),
                "profile": side is not None,
            }
        }
    elif isinstance(scene, SurfacePanel):
        from compute.figures.rotate import rotation_frames

        images = rotation_frames(scene, count, width, dpi)
        provenance["animation"] |= {"turn": "360° about the vertical axis"}
    else:
        panel = scene.map if isinstance(scene, Scene) else scene
        if panel is None or not panel.runs:
            raise LandscapeError("nothing to animate: the map has no runs")
        images = frames(panel, count, width, dpi)
    if tick is not None:
        images = _ticking(images, count, tick)
    with one_unit():
        tmp = temporary_beside(target, target.suffix)
        try:
            (_write_gif if target.suffix.lower() == ".gif" else _write_mp4)(images, tmp, int(fps))
            os.chmod(tmp, 0o644)
        except (OSError, RuntimeError) as err:
            discard(tmp)
            reason = (
                getattr(err, "strerror", None)
                or str(err).splitlines()[0][:80]
                or type(err).__name__
            )
            raise LandscapeError(f"cannot write {short(str(target))}: {reason}") from None
        except BaseException:
            discard(tmp)
            raise
        commit(tmp, target)
        return [target, write_sidecar(target, provenance)]
