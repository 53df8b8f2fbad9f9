"""``render`` and ``gallery`` through the console script: files, determinism, one-line errors
(exit 2)."""

import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from .helpers import EXE

SESSIONS = Path(__file__).resolve().parents[2] / "resources" / "sessions"
BALL = str(SESSIONS / "shamir-c-ball.json")


PREFIX = [EXE]


def run(*args):
    return subprocess.run(
        [*PREFIX, *args], capture_output=True, text=True, timeout=300, cwd=tempfile.gettempdir()
    )


def one_line_error(out, *words):
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    for w in words:
        assert w in lines[0]
    return lines[0]


def test_render_writes_a_pdf_and_its_sidecar(tmp_path):
    out = run("render", BALL, "--out", str(tmp_path / "fig.pdf"), "--max-steps", "200", "--json")
    assert out.returncode == 0, out.stderr
    files = json.loads(out.stdout)["files"]
    assert files == [str(tmp_path / "fig.pdf"), str(tmp_path / "fig.pdf.json")]
    assert (tmp_path / "fig.pdf").read_bytes().startswith(b"%PDF")
    meta = json.loads((tmp_path / "fig.pdf.json").read_text())
    panel = meta["panels"][0]
    assert panel["source"]["file"] == "shamir-c-ball.json" and len(panel["source"]["sha256"]) == 64
    assert panel["modes"]["constraint"] == "ball:2" and panel["max_steps"] == 200
    assert meta["version"] and meta["libraries"]["matplotlib"]


@pytest.mark.slow
def test_render_is_deterministic_same_files_same_arrays(tmp_path):
    for name in ("a.npz", "b.npz"):
        out = run(
            "render",
            BALL,
            "--panel",
            "map,curves",
            "--out",
            str(tmp_path / name),
            "--max-steps",
            "150",
        )
        assert out.returncode == 0, out.stderr
    a, b = np.load(tmp_path / "a.npz"), np.load(tmp_path / "b.npz")
    assert sorted(a.files) == sorted(b.files) and "a_loss" in a.files and "b_run1_loss" in a.files
    for key in a.files:
        if key != "provenance":
            nan_ok = a[key].dtype.kind == "f"
            assert np.array_equal(a[key], b[key], equal_nan=nan_ok), key


def test_render_png_of_three_sessions_in_a_row(tmp_path):
    names = ["shamir-a-plain.json", "shamir-c-ball.json", "relu-activation.json"]
    paths = [str(SESSIONS / n) for n in names]
    out = run(
        "render",
        *paths,
        "--out",
        str(tmp_path / "row.png"),
        "--dpi",
        "60",
        "--max-steps",
        "100",
        "--width",
        "double",
    )
    assert out.returncode == 0, out.stderr
    with Image.open(tmp_path / "row.png") as img:
        assert img.size[0] == pytest.approx(6.75 * 60, abs=2)


def test_newer_session_and_unknown_fields_are_refused_by_name(tmp_path):
    data = json.loads(Path(BALL).read_text())
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(data | {"version": 99}))
    one_line_error(run("render", str(newer), "--out", str(tmp_path / "f.pdf")), "newer", "99")
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps(data | {"colour_scheme": "pink"}))
    one_line_error(run("render", str(odd), "--out", str(tmp_path / "f.pdf")), "colour_scheme")
    assert not (tmp_path / "f.pdf").exists()


@pytest.mark.parametrize("name", ["", "DIR", "fig.txt", "missing/fig.pdf", "/dev/full", "fig"])
def test_bad_outputs_exit_2_with_one_line_and_no_file(tmp_path, name):
    target = {"": "", "DIR": str(tmp_path)}.get(
        name, name if name.startswith("/") else str(tmp_path / name)
    )
    before = sorted(tmp_path.rglob("*"))
    one_line_error(run("render", BALL, "--out", target))
    assert sorted(tmp_path.rglob("*")) == before


def test_bad_options_exit_2(tmp_path):
    target = str(tmp_path / "f.pdf")
    one_line_error(run("render", BALL, "--out", target, "--layout", "0x3"), "layout")
    one_line_error(run("render", BALL, "--out", target, "--width", "wide"), "width")
    one_line_error(run("render", BALL, "--out", target, "--dpi", "5"), "dpi")
    one_line_error(run("render", BALL, "--out", target, "--panel", "maps"), "panel")
    one_line_error(run("render", str(tmp_path / "none.json"), "--out", target), "none.json")


def test_one_colour_scale_is_refused_for_different_losses_and_for_maps_it_would_flatten(tmp_path):
    """--shared-scale over two scenarios: refused before any session is computed (the files
    named: the figure's check would name panels); over a wide and a zoomed window of one loss
    on linear colour scales (F up to ~100 against ~10⁻³): refused when the maps are known,
    naming the flattened panel. Nothing written either way."""
    target = tmp_path / "f.pdf"
    plain, relu = str(SESSIONS / "shamir-a-plain.json"), str(SESSIONS / "relu-activation.json")
    out = run("render", plain, relu, "--shared-scale", "--out", str(target))
    line = one_line_error(out, "shamir-a-plain.json: shamir", "relu-activation.json: activation")
    assert "own colour scale" in line
    data = json.loads(Path(plain).read_text())
    data["view"]["log_scale"] = False
    data["runs"], data["resolution"] = [], 64
    wide, zoomed = tmp_path / "wide.json", tmp_path / "zoomed.json"
    wide.write_text(json.dumps(data))
    zoomed.write_text(json.dumps(data | {"window": [0.97, 1.03, -0.03, 0.03]}))  # around (1, 0)
    out = run("render", str(wide), str(zoomed), "--shared-scale", "--out", str(target))
    line = one_line_error(out, "(b)", "orders of magnitude")
    assert "(a)" not in line and not target.exists()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler-utils not installed")
def test_gallery_entry_pdf_has_one_page_and_png_decodes(tmp_path):
    out = run("gallery", "--out", str(tmp_path), "--only", "seed-004-activations", "--json")
    assert out.returncode == 0, out.stderr
    info = subprocess.run(
        ["pdfinfo", str(tmp_path / "seed-004-activations.pdf")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Pages:           1" in info.stdout
    with Image.open(tmp_path / "seed-004-activations.png") as img:
        img.load()
    # a fresh render is the committed gallery, byte for byte (sidecars carry no time); with
    # other library versions than those that wrote it, the sidecars still agree but for them
    committed = Path(__file__).resolve().parents[2] / "resources" / "gallery"
    names = [f"seed-004-activations{s}" for s in (".pdf", ".png", ".pdf.json", ".png.json")]
    fresh_side = json.loads((tmp_path / names[2]).read_text())
    kept_side = json.loads((committed / names[2]).read_text())
    if fresh_side["libraries"] == kept_side["libraries"]:
        for name in names:
            assert (tmp_path / name).read_bytes() == (committed / name).read_bytes(), name
    else:
        assert {**fresh_side, "libraries": None} == {**kept_side, "libraries": None}


@pytest.mark.slow
def test_gallery_lists_its_entries_and_refuses_unknown_ones(tmp_path):
    out = run("gallery", "--out", str(tmp_path), "--list")
    assert "seed-001-shamir" in out.stdout and "seed-000-student-teacher" in out.stdout
    one_line_error(run("gallery", "--out", str(tmp_path), "--only", "nope"), "nope")
    one_line_error(run("gallery", "--out", str(tmp_path / "missing")), "does not exist")


def test_help_is_fast():
    start = time.perf_counter()
    out = run("render", "--help")
    assert out.returncode == 0 and "--shared-scale" in out.stdout
    assert time.perf_counter() - start < 3.0  # interpreter start-up included; no torch import


def test_render_flies_a_marker_along_a_kept_path(tmp_path):
    """--fly 1 with --panel map,profile: one frame per point of the 9-point line, the sidecar
    names the path; --fly is refused for figures and for a path the session does not keep."""
    from compute import Modes, drain
    from compute.paths.connect import connect
    from compute.paths.result import PathRequest
    from compute.scenarios import build_problem
    from compute.sessions.file import save
    from compute.sessions.kept_paths import record_of
    from compute.sessions.session import Session

    problem = build_problem("factorization")
    result = drain(connect(problem, Modes(), (1, 1), (-1, -1), PathRequest("line", points=9)))
    record = record_of(result, result.nodes)
    session = save(
        Session(scenario="factorization", resolution=32, paths=(record,)), tmp_path / "s.json"
    )
    target = tmp_path / "fly.gif"
    timing = ("--fps", "3", "--seconds", "3", "--dpi", "50")
    out = run(
        "render",
        str(session),
        "--out",
        str(target),
        "--fly",
        "1",
        "--panel",
        "map,profile",
        *timing,
    )
    assert out.returncode == 0, out.stderr
    with Image.open(target) as gif:
        assert gif.n_frames == 9
    flight = json.loads(Path(f"{target}.json").read_text())["animation"]["flight"]
    assert flight == {"path": record.describe(), "points": 9, "profile": True}
    one_line_error(
        run("render", str(session), "--out", str(tmp_path / "f.pdf"), "--fly", "1"),
        "--fly",
        "animations",
    )
    one_line_error(
        run("render", str(session), "--out", str(target), "--fly", "2", *timing), "no path 2"
    )
