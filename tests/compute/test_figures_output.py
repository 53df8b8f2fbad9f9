"""Data (CSV / NPZ) and animation (GIF / MP4) exports of figure panels, read back."""

import csv
import json

import numpy as np
import pytest
from PIL import Image

from compute.errors import LandscapeError
from compute.figures.animate import animate
from compute.figures.data import export_data
from compute.figures.panels import CurvesPanel, MapPanel
from compute.figures.run_trace import RunTrace
from compute.landscapes.frames import make_frame

WINDOW = (-3.0, 3.0, -4.0, 2.0)


def shamir(w, v):
    return 0.5 * (w * (1 + v) - 1) ** 2


def panel(runs=()):
    x, y = np.linspace(-3, 3, 31), np.linspace(-4, 2, 21)
    return MapPanel(
        make_frame((x, y), shamir(*np.meshgrid(x, y)), True),
        ("$w$", "$v$"),
        "plain",
        window=WINDOW,
        runs=runs,
    )


def run(color="#E69F00"):
    path = np.linspace([-2.5, -3.5], [1.0, 0.0], 40)
    loss = shamir(path[:, 0], path[:, 1])
    return RunTrace(
        "GD, $\\eta = 0.1$",
        color,
        path,
        loss,
        np.abs(np.gradient(loss)),
        "converged",
        metrics={"test_loss": loss * 1.1},
    )


def test_map_csv_rows_are_f_at_their_coordinates(tmp_path):
    out, side = export_data([panel()], tmp_path / "map.csv", {"scenario": "shamir"})
    with out.open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:4] == ["w", "v", "loss F", "display log10(F - min F + delta)"]
    assert len(rows) == 1 + 31 * 21
    for row in rows[1:50:7]:
        w, v, f = float(row[0]), float(row[1]), float(row[2])
        assert f == pytest.approx(shamir(w, v))  # not transposed
    assert json.loads(side.read_text())["scenario"] == "shamir"


def test_curves_and_maps_of_several_panels_share_one_table(tmp_path):
    r = run()
    p = panel((r,))
    curves = CurvesPanel((r,), metric_labels={"test_loss": "test loss"})
    out, _ = export_data([p, curves], tmp_path / "both.csv", {})
    with out.open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][0] == "panel" and "step" in rows[0] and "loss F" in rows[0]
    assert {row[0] for row in rows[1:]} == {"a", "b"}
    assert sum(row[0] == "b" for row in rows[1:]) == 40


def test_npz_holds_every_panel_array_and_the_provenance(tmp_path):
    r = run()
    out, _ = export_data([panel((r,))], tmp_path / "map.npz", {"scenario": "shamir"})
    data = np.load(out)
    assert data["loss"].shape == (21, 31)
    assert np.allclose(data["loss"], shamir(*np.meshgrid(data["axis0"], data["axis1"])))
    assert np.allclose(data["run1_path"], r.path)
    assert len([k for k in data.files if k.startswith("isoline")]) == len(data["levels"])
    assert json.loads(str(data["provenance"]))["scenario"] == "shamir"


def test_data_refuses_bad_targets(tmp_path):
    for name in ("", str(tmp_path), str(tmp_path / "x.pdf"), "/dev/full"):
        with pytest.raises(LandscapeError):
            export_data([panel()], name, {})


def test_gif_has_the_asked_frames_and_decodes(tmp_path):
    out, side = animate(
        panel((run(), run("#56B4E9"))), tmp_path / "runs.gif", fps=5, seconds=2, dpi=60
    )
    with Image.open(out) as gif:
        assert gif.n_frames == 10
        assert gif.info["duration"] == 200
        gif.seek(9)
        last = np.asarray(gif.convert("RGB"))
        gif.seek(0)
        first = np.asarray(gif.convert("RGB"))
    assert (last != first).any()  # the runs moved
    assert json.loads(side.read_text())["animation"]["frames"] == 10


def test_mp4_is_an_mp4(tmp_path):
    pytest.importorskip("imageio_ffmpeg")
    out, _ = animate(panel((run(),)), tmp_path / "runs.mp4", fps=10, seconds=1, dpi=60)
    head = out.read_bytes()[:12]
    assert head[4:8] == b"ftyp"


def test_animation_refuses_nothing_to_animate_and_bad_settings(tmp_path):
    with pytest.raises(LandscapeError, match="no runs"):
        animate(panel(), tmp_path / "a.gif")
    with pytest.raises(LandscapeError):
        animate(panel((run(),)), tmp_path / "a.gif", fps=0)
    with pytest.raises(LandscapeError):
        animate(panel((run(),)), tmp_path / "a.avi")
    assert list(tmp_path.iterdir()) == []
