"""The figure gallery: how long it takes, and whether every file it writes opens.

    .venv/bin/python benchmarks/figures_bench.py [--out DIR] [--only NAME,...]

Renders the gallery (``compute.figures.gallery``) and then checks every file: each PDF has one
page (pdfinfo when installed, else the page objects are counted), each PNG decodes (PIL); the
seed-001 figure is also written as SVG, parsed as XML and rasterised by librsvg
(``rsvg-convert``, Debian's librsvg2-bin) and by Qt's QSvgRenderer, both compared pixel by pixel
with matplotlib's own PNG of the same figure. Prints the timings, the other-load line and
``ratio: X`` = the 120 s budget / the gallery's time (higher is better).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from machine_load import busy_seconds, other_load
from PIL import Image

from compute.figures.compose import compose
from compute.figures.gallery import SESSIONS, gallery
from compute.figures.render import save
from compute.figures.scene import scene_from_file
from compute.generators import drain

BUDGET = 120.0


def pdf_pages(path: Path) -> int:
    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
        return int(
            next(ln.split()[-1] for ln in out.stdout.splitlines() if ln.startswith("Pages:"))
        )
    data = path.read_bytes()
    return data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") + data.count(b"/Type /Page>")


def qt_render(svg: Path, size: tuple[int, int]) -> np.ndarray:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([])
    image = QImage(size[0], size[1], QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    QSvgRenderer(str(svg)).render(painter)
    painter.end()
    ptr = image.constBits()
    arr = np.frombuffer(ptr, np.uint8).reshape(size[1], image.bytesPerLine() // 4, 4)[:, : size[0]]
    del app
    return arr[..., [2, 1, 0]].astype(float)  # BGRA → RGB


def compare(a: np.ndarray, b: np.ndarray) -> str:
    h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    diff = np.abs(a[:h, :w] - b[:h, :w]).mean(axis=2)
    return f"mean |Δ| {diff.mean():.2f}/255, 99th percentile {np.quantile(diff, 0.99):.0f}/255"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=None)
    parser.add_argument("--only", default=None)
    args = parser.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="gallery-"))
    out.mkdir(parents=True, exist_ok=True)
    names = args.only.split(",") if args.only else None
    before, start = busy_seconds(), time.perf_counter()
    results = drain(gallery(out, names))
    wall = time.perf_counter() - start
    print(f"gallery: {len(results)} figures in {wall:.1f} s ({out})")
    for r in results:
        print(f"  {r.name:28s} {r.seconds:6.1f} s")
    print("  " + other_load(before, wall))
    for r in results:
        for f in r.files:
            if f.suffix == ".pdf":
                pages = pdf_pages(f)
                assert f.read_bytes().startswith(b"%PDF") and pages == 1, f
            elif f.suffix == ".png":
                with Image.open(f) as img:
                    img.load()
    sizes = {f.suffix: f.stat().st_size for r in results for f in r.files}
    print(f"every PDF has one page, every PNG decodes ({len(sizes)} kinds of file checked)")
    scenes = [
        drain(scene_from_file(SESSIONS / n, max_steps=300))
        for n in ("shamir-a-plain.json", "shamir-c-ball.json")
    ]
    comp = compose([s.map for s in scenes if s.map is not None], width="double")
    svg = save(comp, out / "check.svg", {}, dpi=96)[0]
    png = save(comp, out / "check.png", {}, dpi=96)[0]
    ET.parse(svg)
    reference = np.asarray(Image.open(png).convert("RGB"), dtype=float)
    size = (reference.shape[1], reference.shape[0])
    print(f"SVG parses as XML ({svg.stat().st_size // 1024} KB)")
    rsvg = qt = None
    if shutil.which("rsvg-convert"):
        raster = out / "check-rsvg.png"
        subprocess.run(["rsvg-convert", "-b", "white", "-o", str(raster), str(svg)], check=True)
        rsvg = np.asarray(Image.open(raster).convert("RGB"), dtype=float)
        print("librsvg vs matplotlib PNG: " + compare(rsvg, reference))
    else:
        print("rsvg-convert not installed (apt-get install librsvg2-bin): librsvg not compared")
    try:
        qt = qt_render(svg, size)
        Image.fromarray(qt.astype(np.uint8)).save(out / "check-qt.png")
        print("Qt QSvgRenderer vs matplotlib PNG: " + compare(qt, reference))
    except ImportError:
        print("PySide6 not installed: Qt not compared")
    if rsvg is not None and qt is not None:
        print("librsvg vs Qt: " + compare(rsvg, qt))
    print(f"ratio: {BUDGET / wall:.2f}")


if __name__ == "__main__":
    main()
