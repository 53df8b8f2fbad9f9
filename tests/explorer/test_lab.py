"""The initialization and depth lab, driven as a user does: typed settings, presets, cancelling,
refused settings, the depth sweep and training with each scheme."""

import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QPushButton, QTableWidget

from compute import (
    DEPTH_PRESETS,
    NormSweepConfig,
    depth_sweep,
    drain,
    norm_sweep,
)
from explorer.jobs import wait_all
from explorer.lab.state import SCHEME_LABELS
from explorer.lab.window import LabWindow

from .conftest import toggle, type_into

TIMEOUT = 30000


@pytest.fixture
def lab(qtbot):
    w = LabWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


def _find(w, kind, name):
    widget = w.findChild(kind, name)
    assert widget is not None, name
    return widget


def _click(qtbot, w, name):
    qtbot.mouseClick(_find(w, QPushButton, name), Qt.MouseButton.LeftButton)


def _wait_sweep(qtbot, w, config):
    """Until the sweep of ``config`` has finished and is drawn."""

    def done():
        data = w.state.forward
        return data is not None and data.final and data.config == config and not w.busy()

    qtbot.waitUntil(done, timeout=TIMEOUT)


def _set_forward(qtbot, w, **values):
    for name, value in values.items():
        type_into(qtbot, _find(w, QLineEdit, f"param-{name}"), str(value))


def _table(w, name):
    table = _find(w, QTableWidget, name)
    return [
        [table.item(r, c).text() for c in range(table.columnCount()) if table.item(r, c)]
        for r in range(table.rowCount())
    ]


def _median_line(w, scheme):
    x, y = w.forward_view.plot.schemes[scheme].median.getOriginalDataset()
    return np.asarray(x), np.asarray(y)


def test_typed_sweep_is_plotted_and_tabulated(qtbot, lab):
    _set_forward(qtbot, lab, width=24, depth=12, trials=40)
    expected = NormSweepConfig(width=24, depth=12, trials=40)
    _wait_sweep(qtbot, lab, expected)
    result = drain(norm_sweep(expected))
    rows = {r[0]: r for r in _table(lab, "forward-table")}
    assert len(rows) == 5
    for s in result.schemes:
        x, y = _median_line(lab, s.scheme)
        assert x[-1] == 12 and len(x) == 13
        assert y[-1] == pytest.approx(s.forward.median[-1], rel=1e-12)
        row = next(
            r for r in rows.values() if r[0].startswith(lab.forward_view.checks[s.scheme].text())
        )
        assert float(row[1]) == pytest.approx(s.forward.final_ratio.median, rel=1e-3)
        assert float(row[2]) == pytest.approx(s.forward.final_ratio.q25, rel=1e-3)
    # the seed's linear identity: N(0, 1/(dL)) keeps the median between 1 and e
    assert 1 < _median_line(lab, "scaled")[1][-1] < np.e
    # unchecking a scheme takes it off the plot and the table
    toggle(qtbot, _find(lab, QCheckBox, "scheme-fixup"))
    _wait_sweep(qtbot, lab, dataclasses.replace(expected, schemes=expected.schemes[:4]))
    assert not lab.forward_view.plot.schemes["fixup"].median.isVisible()
    assert len(_table(lab, "forward-table")) == 4


def test_matlab_preset_reaches_seed_ratio(qtbot, lab):
    _click(qtbot, lab, "preset-matlab")
    config = NormSweepConfig(width=100, depth=100, trials=200)
    _wait_sweep(qtbot, lab, config)
    _, y = _median_line(lab, "xavier")
    assert 1e14 / 30 < y[-1] < 1e14 * 30
    marks_x, _ = lab.forward_view.plot.schemes["xavier"].marks.getOriginalDataset()
    assert list(marks_x) == list(range(10, 101, 10))  # the loop's ten passes
    text = _find(lab, QLabel, "forward-marks").text()
    assert "10: " in text and "Xavier" in text
    assert "trials × 5 schemes" in _find(lab, QLabel, "forward-message").text()


def test_cancel_midway_leaves_no_worker(qtbot, lab):
    _set_forward(qtbot, lab, trials=3000)  # a sweep of about 15 s
    qtbot.waitUntil(lambda: lab.busy() and lab.forward_view.jobs.busy("forward"), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: lab.state.forward is not None, timeout=TIMEOUT)  # partial results
    assert not lab.state.forward.final
    qtbot.keyClick(lab, Qt.Key.Key_Escape)
    assert wait_all(3000)
    assert not lab.busy()
    assert "cancelled" in _find(lab, QLabel, "forward-message").text()
    assert not _find(lab, QPushButton, "forward-cancel").isEnabled()


def test_impossible_depth_keeps_previous_plot(qtbot, lab):
    _set_forward(qtbot, lab, width=16, depth=10, trials=20)
    config = NormSweepConfig(width=16, depth=10, trials=20)
    _wait_sweep(qtbot, lab, config)
    before = _median_line(lab, "xavier")
    field = _find(lab, QLineEdit, "param-depth")
    type_into(qtbot, field, "20000")
    message = _find(lab, QLabel, "forward-message").text()
    assert "depth must be between 1 and 10,000, got 20000" in message
    assert not field.valid and field.text() == "20000"
    qtbot.wait(400)  # longer than the debounce: no sweep starts
    assert not lab.busy() and lab.state.forward_config == config
    after = _median_line(lab, "xavier")
    assert np.array_equal(before[0], after[0]) and np.array_equal(before[1], after[1])
    qtbot.keyClick(field, Qt.Key.Key_Escape)  # the field's Esc: back to the value in use
    assert field.text() == "10" and field.valid


def test_overflow_is_text_and_marker_never_nan(qtbot, lab):
    for scheme in ("scaled", "alpha", "beta", "fixup"):
        toggle(qtbot, _find(lab, QCheckBox, f"scheme-{scheme}"))
    _set_forward(qtbot, lab, width=20, trials=8, depth=3000)
    config = NormSweepConfig(schemes=("xavier",), width=20, depth=3000, trials=8)
    _wait_sweep(qtbot, lab, config)
    layer = lab.state.forward.schemes[0].forward.overflow_layer
    # E‖z_l‖² = 2^l ‖x‖²: the median ratio passes 1e300 a little after 2^(l/2) does (l ≈ 1993)
    assert layer is not None and 1900 < layer < 2600
    row = _table(lab, "forward-table")[0]
    assert row[-1] == f"overflow at layer {layer}" and row[1] == "overflow"
    items = lab.forward_view.plot.schemes["xavier"]
    x, y = items.median.getOriginalDataset()
    assert np.all(np.isfinite(y)) and x[-1] == layer - 1
    assert list(items.overflow.getOriginalDataset()[0]) == [layer]
    assert items.overflow_text.toPlainText() == f"overflow at layer {layer}"


def test_backward_view(qtbot, lab):
    _set_forward(qtbot, lab, width=16, depth=8, trials=30)
    toggle(qtbot, _find(lab, QCheckBox, "backward"))
    config = NormSweepConfig(width=16, depth=8, trials=30, backward=True)
    _wait_sweep(qtbot, lab, config)
    result = drain(norm_sweep(config))
    _, y = _median_line(lab, "xavier")
    assert y == pytest.approx(result.scheme("xavier").backward.median, rel=1e-12)
    assert y[-1] == pytest.approx(1.0)  # ‖∂ℓ/∂z_L‖ is the unit readout
    assert "∂ℓ" in lab.forward_view.plot.getPlotItem().getAxis("left").labelText
    row = _table(lab, "forward-table")[0]
    assert float(row[1]) == pytest.approx(result.scheme("xavier").backward.median[0], rel=1e-3)


def test_depth_sweep_two_presets_on_one_plot(qtbot, lab):
    lab.tabs.setCurrentIndex(1)
    toggle(qtbot, _find(lab, QCheckBox, "depth-preset-linear-adam"))
    type_into(qtbot, _find(lab, QLineEdit, "depth-depths"), "2,100")
    _click(qtbot, lab, "depth-run")  # refused by the compute's limit, nothing runs
    assert "depths must be between 2 and 64" in _find(lab, QLabel, "depth-message").text()
    assert not lab.depth_view.busy() and not lab.depth_view.plot.curves
    type_into(qtbot, _find(lab, QLineEdit, "depth-depths"), "2,4")
    type_into(qtbot, _find(lab, QLineEdit, "depth-steps"), "20")
    _click(qtbot, lab, "depth-run")
    qtbot.waitUntil(lambda: "done" in _find(lab, QLabel, "depth-message").text(), timeout=TIMEOUT)
    plot = lab.depth_view.plot
    assert len(plot.curves) == 2
    for name in ("linear-gd", "linear-adam"):
        config = dataclasses.replace(DEPTH_PRESETS[name], depths=(2, 4), steps=20)
        expected = drain(depth_sweep(config))
        x, y = plot.curves[config.label].getOriginalDataset()
        assert list(x) == [2, 4]
        assert y == pytest.approx(expected.max_sizes, rel=1e-6)
        for ref in ("1/m", "log(m)/m"):
            rx, ry = plot.references[(config.label, ref)].getOriginalDataset()
            assert list(rx) == [2, 4] and ry == pytest.approx(expected.references()[ref])
    labels = [item[1].text for item in plot.legend.items]
    assert any("GD" in t and "0.001 at start" in t for t in labels)
    assert any("Adam" in t and "0.05 at start" in t for t in labels)
    assert len(_table(lab, "depth-table")) == 4


def test_training_each_scheme(qtbot, lab):
    lab.tabs.setCurrentIndex(2)
    for scheme in ("scaled", "fixup"):
        toggle(qtbot, _find(lab, QCheckBox, f"train-scheme-{scheme}"))
    combo = _find(lab, QComboBox, "train-optimizer")
    combo.setCurrentIndex(combo.findData("gd"))
    assert lab.state.training_config.run.optimizer == "gd"
    assert _find(lab, QLineEdit, "train-lr").text() == "0.05"  # the scenario's GD step
    for name, value in (("blocks", 2), ("width", 16), ("steps", 15), ("lr", 0.1)):
        type_into(qtbot, _find(lab, QLineEdit, f"train-{name}"), str(value))
    assert lab.state.training_config.schemes == ("default", "xavier")
    _click(qtbot, lab, "train-run")
    qtbot.waitUntil(lambda: not lab.busy(), timeout=TIMEOUT)
    qtbot.wait(150)  # the throttled redraw
    lines = lab.training_view.plot.lines
    rows = {r[0]: r for r in _table(lab, "train-table")}
    x, y = lines["default"][0].getOriginalDataset()
    assert list(x) == list(range(16)) and np.all(y > 0)
    assert 2 < y[0] < 2.6  # cross-entropy of 10 classes at a small-output start ≈ log 10
    x, _ = lines["xavier"][0].getOriginalDataset()
    assert len(x) == 16
    assert (
        rows[SCHEME_LABELS["xavier"]][1] in ("max steps", "converged")
        or "diverged" in rows[SCHEME_LABELS["xavier"]][1]
    )


def test_preset_shows_its_settings_and_esc_stops_it(qtbot, lab):
    _click(qtbot, lab, "preset-batchnorm-beta")  # stops the sweep the window started with
    assert _find(lab, QCheckBox, "normalize").isChecked()
    checked = [
        s
        for s in ("xavier", "scaled", "alpha", "beta", "fixup")
        if _find(lab, QCheckBox, f"scheme-{s}").isChecked()
    ]
    assert checked == ["xavier", "beta"]
    assert "β²·L + 1" in _find(lab, QLabel, "forward-message").text()  # the preset says what it is
    qtbot.keyClick(lab, Qt.Key.Key_Escape)  # before the debounced sweep starts
    qtbot.wait(400)
    assert not lab.busy() and "cancelled" in _find(lab, QLabel, "forward-message").text()
    assert wait_all(3000)
