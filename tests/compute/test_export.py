"""Figure and data export: real files from a real scene, read back and checked."""

import csv
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime

import numpy as np
import pytest
import torch
from PIL import Image

import compute
from compute import LandscapeError
from compute.export import (
    FIGURE_SIZE,
    NONFINITE_COLOR,
    RunTrace,
    Scene,
    export_curves_figure,
    export_grid_data,
    export_landscape_figure,
    export_runs_data,
    write_sidecar,
)

METADATA = {
    "scenario": "shamir",
    "params": {"eps": 1.0},
    "modes": {"l2": 0.0, "constraint": "ball:2"},
    "window": [-3.0, 3.0, -3.0, 3.0],
}


def _run(obj, modes, start, optimizer, color, steps=200):
    cfg = compute.RunConfig.for_optimizer(optimizer, steps=steps)
    h = compute.run_to_end(compute.descend(obj, modes, np.array([start], dtype=float), cfg))
    final, path = h.final, h.thetas[:, 0]
    pts = torch.from_numpy(path)
    loss = obj.loss(pts).numpy()
    grad = torch.linalg.vector_norm(compute.gradient(obj.loss, pts), dim=-1).numpy()
    status = compute.STATUS_NAMES[int(final.status[0])]
    return RunTrace(f"{optimizer} from {start}", color, path, loss, grad, status)


@pytest.fixture(scope="module")
def scene():
    spec = compute.scenario("shamir")
    obj = spec.objective()
    window = compute.Window((-3, 3, -3, 3))
    modes = compute.Modes(constraint=compute.Ball(2.0))
    grid = compute.drain(compute.evaluate_grid(obj, window, 48))
    critical = tuple(compute.drain(compute.critical_points(obj, modes, window)))
    runs = (
        _run(obj, modes, (-1.5, -1.0), "gd", "#0072b2"),
        _run(obj, modes, (1.5, 1.0), "adam", "#d55e00"),
    )
    return Scene(("w", "v"), grid, False, None, modes.constraint, runs, critical, METADATA, "t")


@pytest.fixture(scope="module")
def scene_1d():
    spec = compute.scenario("activation")
    obj = spec.objective()
    window = compute.Window(spec.window)
    modes = compute.Modes(constraint=compute.Box(2.5))
    grid = compute.drain(compute.evaluate_grid(obj, window, 120))
    critical = tuple(compute.drain(compute.critical_points(obj, modes, window)))
    runs = (_run(obj, modes, (2.0,), "gd", "#009e73"),)
    return Scene(("w",), grid, True, None, modes.constraint, runs, critical, {"scenario": "act"})


def _csv_rows(path):
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _sidecar(path):
    return json.loads(path.with_name(path.name + ".json").read_text(encoding="utf-8"))


def _assert_carries_metadata(record, kind, name):
    for key, value in METADATA.items():
        assert record[key] == value
    assert record["kind"] == kind
    assert record["file"] == name
    assert record["generator"] == "landscape-explorer"
    datetime.fromisoformat(record["created"])


def test_scene_has_every_kind_of_critical_point(scene):
    kinds = {p.kind for p in scene.critical}
    assert {"minimum", "saddle", "degenerate"} <= kinds  # so the marker code is exercised
    assert any(len(p.members) > 1 for p in scene.critical)


@pytest.mark.parametrize("dpi", [60, 150])
def test_png_has_signature_size_for_dpi_and_embedded_metadata(scene, tmp_path, dpi):
    written = export_landscape_figure(scene, tmp_path / "map.png", dpi=dpi)
    assert written == [tmp_path / "map.png", tmp_path / "map.png.json"]
    assert written[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(written[0]) as img:
        width, height = img.size
        embedded = json.loads(img.text["Description"])
    assert abs(width - FIGURE_SIZE[0] * dpi) <= 2
    assert abs(height - FIGURE_SIZE[1] * dpi) <= 2
    _assert_carries_metadata(embedded, "landscape", "map.png")
    _assert_carries_metadata(_sidecar(written[0]), "landscape", "map.png")


def test_svg_parses_with_paths_and_description(scene, tmp_path):
    out, side = export_landscape_figure(scene, tmp_path / "map.svg")
    root = ET.parse(out).getroot()
    assert sum(el.tag.endswith("}path") for el in root.iter()) > 20
    descriptions = [el.text for el in root.iter() if el.tag.endswith("}description")]
    _assert_carries_metadata(json.loads(descriptions[0]), "landscape", "map.svg")
    _assert_carries_metadata(json.loads(side.read_text()), "landscape", "map.svg")


def test_pdf_header_size_and_subject(scene, tmp_path):
    out, _ = export_landscape_figure(scene, tmp_path / "map.pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(data) > 5000
    assert b"/Subject" in data and b"landscape-explorer" in data


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_curves_figure_in_every_format(scene, tmp_path, suffix):
    out, side = export_curves_figure(scene, tmp_path / f"curves{suffix}", dpi=100)
    assert out.stat().st_size > 1000
    _assert_carries_metadata(json.loads(side.read_text()), "curves", out.name)


def test_curves_survive_zero_nonfinite_and_diverged_values(scene, tmp_path):
    t = 6
    weird = RunTrace(
        "diverged run",
        "#cc79a7",
        np.zeros((t, 2)),
        np.array([1.0, 0.0, -1.0, np.inf, np.nan, 1e300]),
        np.zeros(t),
        "diverged",
    )
    empty = RunTrace("empty", "#000000", np.zeros((0, 2)), np.zeros(0), np.zeros(0), "running")
    export_curves_figure(replace(scene, runs=(*scene.runs, weird, empty)), tmp_path / "c.png")
    export_curves_figure(replace(scene, runs=()), tmp_path / "none.png")
    export_landscape_figure(replace(scene, runs=(weird, empty)), tmp_path / "l.png")


def test_many_runs_make_the_figure_taller_not_the_map_tiny(scene, tmp_path):
    runs = tuple(replace(scene.runs[0], label=f"run {i} · gd lr=0.1") for i in range(12))
    out, _ = export_landscape_figure(replace(scene, runs=runs), tmp_path / "m.png", dpi=50)
    with Image.open(out) as img:
        assert img.size[0] == FIGURE_SIZE[0] * 50
        assert img.size[1] > FIGURE_SIZE[1] * 50 + 10


def test_log_scale_and_explicit_levels(scene, tmp_path):
    levels = np.array([0.1, 1.0, 10.0, 1e9, np.nan])  # 1e9 (above max F) and nan are skipped
    out, _ = export_landscape_figure(
        replace(scene, log_scale=True, levels=levels), tmp_path / "log.png", dpi=80
    )
    assert out.read_bytes()[:4] == b"\x89PNG"


def _has_colour(path, rgb, tol=6):
    with Image.open(path) as img:
        pixels = np.asarray(img.convert("RGB"), dtype=int)
    return bool(np.any(np.all(np.abs(pixels - np.array(rgb)) <= tol, axis=-1)))


@pytest.mark.parametrize("log_scale", [False, True])
def test_nonfinite_grid_exports_and_shows_the_overflow_colour(scene, tmp_path, log_scale):
    values = {k: v.copy() for k, v in scene.grid.values.items()}
    values["loss"][30:, 30:] = np.inf
    values["loss"][0, :5] = np.nan
    bad = replace(scene, grid=compute.LandscapeGrid(scene.grid.axes, values), log_scale=log_scale)
    pink = tuple(int(NONFINITE_COLOR[i : i + 2], 16) for i in (1, 3, 5))
    for suffix in (".png", ".svg", ".pdf"):
        export_landscape_figure(bad, tmp_path / f"inf{suffix}", dpi=80)
    assert _has_colour(tmp_path / "inf.png", pink)
    export_landscape_figure(scene, tmp_path / "finite.png", dpi=80)
    assert not _has_colour(tmp_path / "finite.png", pink)
    out, _ = export_grid_data(bad, tmp_path / "inf.csv")
    rows = _csv_rows(out)
    assert "inf" in {r[2] for r in rows[1:]}


def test_grid_csv_has_one_row_per_point_matching_the_grid(scene, tmp_path):
    out, side = export_grid_data(scene, tmp_path / "grid.csv")
    rows = _csv_rows(out)
    assert rows[0] == ["x (w)", "y (v)", "loss", "grad_norm", "hess_min", "hess_max"]
    table = np.array(rows[1:], dtype=float)
    x, y = scene.grid.axes
    assert table.shape == (len(x) * len(y), 6)
    i, j = 17, 5  # row k = i * nx + j holds (x[j], y[i])
    k = i * len(x) + j
    assert table[k, 0] == x[j] and table[k, 1] == y[i]
    for col, name in enumerate(["loss", "grad_norm", "hess_min", "hess_max"], start=2):
        np.testing.assert_array_equal(table[:, col], scene.grid.values[name].ravel())
    _assert_carries_metadata(json.loads(side.read_text()), "grid", "grid.csv")


def test_grid_npz_round_trips(scene, tmp_path):
    out, _ = export_grid_data(scene, tmp_path / "grid.npz")
    with np.load(out, allow_pickle=False) as data:
        np.testing.assert_array_equal(data["x"], scene.grid.axes[0])
        np.testing.assert_array_equal(data["y"], scene.grid.axes[1])
        for name, values in scene.grid.values.items():
            np.testing.assert_array_equal(data[name], values)
        assert list(data["axis_names"]) == ["w", "v"]
        _assert_carries_metadata(json.loads(str(data["metadata"])), "grid", "grid.npz")


def test_runs_csv_long_format(scene, tmp_path):
    out, _ = export_runs_data(scene, tmp_path / "runs.csv")
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == [
        "run", "label", "step", "loss", "grad_norm", "w", "v", "distance", "status"
    ]  # fmt: skip
    assert len(rows) == sum(len(r.path) for r in scene.runs)
    for i, run in enumerate(scene.runs):
        mine = [r for r in rows if r["run"] == str(i)]
        assert [int(r["step"]) for r in mine] == list(range(len(run.path)))
        assert {r["label"] for r in mine} == {run.label}
        assert {r["status"] for r in mine} == {run.status}
        theta = np.array([[float(r["w"]), float(r["v"])] for r in mine])
        np.testing.assert_array_equal(theta, run.path)
        np.testing.assert_array_equal([float(r["loss"]) for r in mine], run.loss)
        np.testing.assert_array_equal([float(r["grad_norm"]) for r in mine], run.grad_norm)


def test_runs_npz_round_trips(scene, tmp_path):
    out, _ = export_runs_data(scene, tmp_path / "runs.npz")
    with np.load(out, allow_pickle=False) as data:
        info = json.loads(str(data["runs"]))
        for i, run in enumerate(scene.runs):
            np.testing.assert_array_equal(data[f"run{i}_path"], run.path)
            np.testing.assert_array_equal(data[f"run{i}_loss"], run.loss)
            np.testing.assert_array_equal(data[f"run{i}_grad_norm"], run.grad_norm)
            assert info[i] == {
                "label": run.label,
                "color": run.color,
                "status": run.status,
                "steps": len(run.path),
            }
        _assert_carries_metadata(json.loads(str(data["metadata"])), "runs", "runs.npz")


def test_one_dimensional_scenario_exports_everything(scene_1d, tmp_path):
    assert any(p.loss == 0 for p in scene_1d.critical)  # a zero on the log axis
    for suffix in (".png", ".svg", ".pdf"):
        export_landscape_figure(scene_1d, tmp_path / f"act{suffix}", dpi=80)
        export_curves_figure(scene_1d, tmp_path / f"curves{suffix}", dpi=80)
    export_landscape_figure(replace(scene_1d, log_scale=False), tmp_path / "lin.png", dpi=80)
    values = dict(scene_1d.grid.values, loss=scene_1d.grid.values["loss"] - 0.5)  # F < 0 too
    shifted = replace(scene_1d, grid=compute.LandscapeGrid(scene_1d.grid.axes, values))
    export_landscape_figure(shifted, tmp_path / "symlog.png", dpi=80)
    grid_csv, _ = export_grid_data(scene_1d, tmp_path / "grid.csv")
    rows = _csv_rows(grid_csv)
    assert rows[0] == ["x (w)", "loss", "grad_norm", "hess_min", "hess_max"]
    assert len(rows) == 1 + len(scene_1d.grid.axes[0])
    runs_csv, _ = export_runs_data(scene_1d, tmp_path / "runs.csv")
    assert _csv_rows(runs_csv)[0][3:6] == ["loss", "grad_norm", "w"]
    with np.load(export_grid_data(scene_1d, tmp_path / "g.npz")[0]) as data:
        assert "y" not in data and data["loss"].shape == (120,)


def test_write_sidecar_makes_metadata_json_safe(tmp_path):
    meta = {"a": np.float64(1.5), "b": np.arange(3), "c": float("inf"), "d": (1, 2), "kind": "x"}
    side = write_sidecar(tmp_path / "f.dat", meta)
    assert side == tmp_path / "f.dat.json"
    data = json.loads(side.read_text())
    assert data["a"] == 1.5 and data["b"] == [0, 1, 2] and data["c"] == "inf"
    assert data["d"] == [1, 2] and data["kind"] == "x" and data["file"] == "f.dat"


@pytest.mark.parametrize(
    ("export", "name"),
    [
        (export_landscape_figure, "fig.jpg"),
        (export_curves_figure, "fig"),
        (export_grid_data, "grid.png"),
        (export_runs_data, "runs.txt"),
    ],
)
def test_bad_suffix_is_refused_with_the_allowed_ones(scene, tmp_path, export, name):
    with pytest.raises(LandscapeError, match=r"\.(png|csv)"):
        export(scene, tmp_path / name)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("dpi", [0, 49, 1201, 10**6])
def test_dpi_out_of_range_is_refused(scene, tmp_path, dpi):
    for export in (export_landscape_figure, export_curves_figure):
        with pytest.raises(LandscapeError, match="dpi"):
            export(scene, tmp_path / "f.png", dpi=dpi)


@pytest.mark.parametrize("where", ["missing/dir/f", "a_file/f"])
@pytest.mark.parametrize(
    ("export", "suffix"),
    [
        (export_landscape_figure, ".png"),
        (export_landscape_figure, ".pdf"),
        (export_curves_figure, ".svg"),
        (export_grid_data, ".csv"),
        (export_grid_data, ".npz"),
        (export_runs_data, ".csv"),
    ],
)
def test_unwritable_path_raises_landscape_error(scene, tmp_path, where, export, suffix):
    (tmp_path / "a_file").write_text("not a directory")
    with pytest.raises(LandscapeError, match="cannot write") as info:
        export(scene, tmp_path / f"{where}{suffix}")
    assert "\n" not in str(info.value)
    assert not isinstance(info.value.__cause__, OSError)


def test_run_with_mismatched_lengths_is_refused(scene, tmp_path):
    broken = replace(scene.runs[0], loss=scene.runs[0].loss[:-1])
    with pytest.raises(LandscapeError, match="run 0"):
        export_runs_data(replace(scene, runs=(broken,)), tmp_path / "r.csv")


CHECK = """
import sys, tempfile, pathlib
import numpy as np
from compute.grid import LandscapeGrid
from compute.export import Scene, export_curves_figure, export_landscape_figure
axes = (np.linspace(0, 1, 3), np.linspace(0, 1, 3))
grid = LandscapeGrid(axes, {"loss": np.ones((3, 3))})  # a constant map: degenerate colour range
scene = Scene(("a", "b"), grid, True, None, None, (), (), {})
out = pathlib.Path(tempfile.mkdtemp())
for suffix in (".png", ".svg", ".pdf"):
    export_landscape_figure(scene, out / ("f" + suffix), dpi=50)
    export_curves_figure(scene, out / ("c" + suffix), dpi=50)
bad = [m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph")
       or m in ("matplotlib.pyplot", "matplotlib.backends.backend_qtagg")]
print(",".join(bad))
"""


def test_exports_load_neither_qt_nor_pyplot():
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", CHECK], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""
