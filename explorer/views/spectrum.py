"""The Spectrum panel: choices, the top-k / bottom-k eigenvalues with residuals, the trace, the
eigenvalue density (linear or symlog axis, dense histogram overlaid) and Ritz values converging
while they are computed; for ``residual-predictor`` seed 001's ε-SOPSP test."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from compute import RitzTrail
from explorer.controllers.spectrum import SpectrumController
from explorer.panels.fields import NumberField, parse_number
from explorer.results import LANDSCAPE, SPECTRUM, SPECTRUM_PROGRESS
from explorer.state import AppState
from explorer.views.style import cache_axes

TOP, BOTTOM = "#D55E00", "#0072B2"  # Okabe–Ito vermilion / blue
LINEAR_WITHIN = 1e-3
"""Symlog axis: linear within ±c, c = LINEAR_WITHIN · max|λ| (logarithmic beyond)."""


def symlog(x: np.ndarray, c: float) -> np.ndarray:
    """The symlog axis coordinate s = sign(λ)·log₁₀(1 + |λ|/c) (display only)."""
    return np.sign(x) * np.log10(1 + np.abs(x) / c)


def symlog_ticks(lo: float, hi: float, c: float) -> list[tuple[float, str]]:
    """Ticks at λ = 0 and ±10^k within [lo, hi] (in λ), placed at their symlog coordinates;
    powers start above c (a tick at c or below would crowd the 0 tick)."""
    top = max(abs(lo), abs(hi), c)
    powers = 10.0 ** np.arange(np.floor(np.log10(c)) + 1, np.ceil(np.log10(top)) + 1)
    values = [0.0, *powers, *(-powers)]
    shown = [v for v in values if lo <= v <= hi]
    return [(float(symlog(np.array(v), c)), f"{v:g}") for v in sorted(shown)]


class SpectrumPlots(pg.GraphicsLayoutWidget):
    """Ritz values against products (top end vermilion, bottom end blue) and the density."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setBackground("w")
        self.ritz = self.addPlot(row=0, col=0)
        self.ritz.setLabel("bottom", "products (Hessian-vector)")
        self.ritz.setLabel("left", "Ritz values")
        self.density = self.addPlot(row=1, col=0)
        for plot in (self.ritz, self.density):
            plot.showGrid(x=True, y=True, alpha=0.25)
            for side in ("left", "bottom"):
                plot.getAxis(side).enableAutoSIPrefix(False)
            plot.setMenuEnabled(False)
            cache_axes(plot)
        self.density_curve = self.density.plot(pen=pg.mkPen("#333333", width=2))
        self.histogram = pg.PlotCurveItem(fillLevel=0, brush=(86, 180, 233, 90), pen=None)
        self.density.addItem(self.histogram)
        self.lines: list[pg.PlotDataItem] = []
        self.axis = "linear"

    def sizeHint(self) -> QSize:
        """160 px a plot. The panel's scroll area lays it out at its preferred height (its
        labels wrap), and a graphics view prefers the size it has: the plots kept 480 px."""
        return QSize(360, 320)

    def show_trail(self, trail: Any) -> None:
        """Draw a ``compute.RitzTrail`` (one line per wanted eigenvalue)."""
        columns = [(trail.top, TOP), (trail.bottom, BOTTOM)]
        wanted = sum(v.shape[1] for v, _ in columns if v.ndim == 2)
        while len(self.lines) < wanted:
            self.lines.append(self.ritz.plot())
        i = 0
        for values, color in columns:
            for j in range(values.shape[1] if values.ndim == 2 else 0):
                self.lines[i].setData(trail.counts, values[:, j], pen=pg.mkPen(color, width=1.5))
                i += 1
        for line in self.lines[i:]:
            line.setData([], [])

    def show_density(self, result: Any, axis: str) -> None:
        """The SLQ density (and the dense histogram) of a ``compute.PointSpectrum``; on the
        symlog axis both are densities per unit of that axis (areas stay probabilities) and the
        histogram's bins are uniform on it."""
        self.axis = axis
        density, values = result.report.density, result.all_eigenvalues
        empty = ([0.0, 1.0], [0.0])
        if density is None and values is None:
            self.density_curve.setData([], [])
            self.histogram.setData(*empty, stepMode="center")
            self._labels("λ (no density: tick 'density')", "density")
            return
        known = [a for a in (values, None if density is None else density.grid) if a is not None]
        lo, hi = min(float(a.min()) for a in known), max(float(a.max()) for a in known)
        c = max(LINEAR_WITHIN * max(abs(lo), abs(hi)), 1e-300)
        log = axis == "symlog"
        if density is not None:
            x, y = density.grid, density.values
            if log:  # φ(λ)·dλ/ds with s = symlog(λ): dλ/ds = ln(10)·(c + |λ|)
                x, y = symlog(x, c), y * np.log(10) * (c + np.abs(x))
            self.density_curve.setData(x, y)
        hist = None
        s_lo, s_hi = (float(v) for v in symlog(np.array([lo, hi]), c))
        if values is not None:
            edges = _unsymlog(np.linspace(s_lo, s_hi, 61), c) if log else 60
            hist = result.histogram(edges)
        if hist is not None:
            edges, per = hist
            if log:
                s = symlog(edges, c)
                edges, per = s, per * np.diff(hist[0]) / np.maximum(np.diff(s), 1e-300)
            self.histogram.setData(edges, per, stepMode="center")
        else:
            self.histogram.setData(*empty, stepMode="center")
        bottom = self.density.getAxis("bottom")
        if log:
            bottom.setTicks([symlog_ticks(lo, hi, c), []])
            self._labels(f"λ (symlog, c = {c:.2g})", "density per axis unit")
            self.density.setToolTip(f"symlog λ axis: s = sign(λ)·log₁₀(1 + |λ|/c), c = {c:.2g}")
        else:
            bottom.setTicks(None)
            self._labels("λ", "density")
            self.density.setToolTip("")
        self.density.autoRange()

    def _labels(self, bottom: str, left: str) -> None:
        """The density's axis labels (centred when they change: ``explorer.app``'s
        ``centre_axis_labels``)."""
        self.density.setLabel("bottom", bottom)
        self.density.setLabel("left", left)


def _unsymlog(s: np.ndarray, c: float) -> np.ndarray:
    """λ of symlog coordinates s (the inverse of ``symlog``)."""
    return np.sign(s) * c * (10 ** np.abs(s) - 1)


class SpectrumPanel(QWidget):
    """The Spectrum panel, bound to the state's ``spectrum`` / ``spectrum_progress`` results and
    to the landscape (what it offers); its choices go to the controller's request."""

    def __init__(
        self, state: AppState, controller: SpectrumController, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.state, self.ctl = state, controller
        req = controller.request
        self.header = _label("spectrum-label", "Click a point, a run or a critical point.")
        self.matrix = _named(QComboBox(), "spectrum-matrix")
        self.samples = _named(QSpinBox(), "spectrum-samples")
        self.samples.setSpecialValueText("all")
        self.block = _named(QComboBox(), "spectrum-block")
        self.top, self.bottom = (
            _named(QSpinBox(), "spectrum-top"),
            _named(QSpinBox(), "spectrum-bottom"),
        )
        for spin, value in ((self.top, req.top), (self.bottom, req.bottom)):
            spin.setRange(0, 50)
            spin.setValue(value)
        self.tol = NumberField(req.tol, name="spectrum-tol", tip="residual ‖Hv − λv‖ ≤ tol·|λ|")
        self.density = _named(QCheckBox("density (SLQ)"), "spectrum-density")
        self.trace = _named(QCheckBox("trace (Hutch++)"), "spectrum-trace")
        self.axis = _named(QComboBox(), "spectrum-axis")
        self.axis.addItem("linear λ axis", "linear")
        self.axis.addItem("symlog λ axis", "symlog")
        self.at_selected = _named(QPushButton("At selected critical point"), "spectrum-at-selected")
        self.at_run = _named(QPushButton("At latest run"), "spectrum-at-run")
        self.again = _named(QPushButton("Recompute"), "spectrum-again")
        self.cancel = _named(QPushButton("Cancel"), "spectrum-cancel")
        self.table = _named(QTableWidget(0, 4), "spectrum-table")
        self.table.setHorizontalHeaderLabels(["", "λ", "‖Hv − λv‖", "converged"])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        # as tall as its rows (two on a toy, ten for top and bottom 5), not Qt's default 192 px
        self.table.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        self.table.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.trace_label = _label("spectrum-trace-label", "")
        self.status = _label("spectrum-status", "")
        self.plots = _named(SpectrumPlots(), "spectrum-plots")
        self.sopsp = _named(QGroupBox("ε-SOPSP (seed 001, Definition 1)"), "spectrum-sopsp")
        self.sopsp_on = _named(QCheckBox("test the (w, V) block"), "spectrum-sopsp-on")
        self.eps = NumberField(0.01, name="spectrum-eps", tip="ε of Definition 1")
        self.mu2 = _named(QLineEdit(), "spectrum-mu2")
        self.mu2.setPlaceholderText("estimate")
        self.mu2.setToolTip("μ₂, the Lipschitz constant of ∇²F on M (blank: estimated)")
        self.sopsp_result = _label("spectrum-sopsp-result", "")
        self._layout()
        self._connect()
        state.on_result(LANDSCAPE, lambda _: self._options())
        state.on_result(SPECTRUM_PROGRESS, self._trail)
        state.on_result(SPECTRUM, lambda _: self._show_result())
        self._options()

    def _layout(self) -> None:
        form = QFormLayout()  # labels go above their fields where the dock is narrow
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow("matrix", self.matrix)
        form.addRow("training samples (first N)", self.samples)
        form.addRow("parameters", self.block)
        ends = QHBoxLayout()
        for w in (QLabel("top"), self.top, QLabel("bottom"), self.bottom):
            ends.addWidget(w)
        form.addRow("eigenvalues", ends)
        form.addRow("tol", self.tol)
        extras = QHBoxLayout()
        for w in (self.density, self.trace):
            extras.addWidget(w)
        form.addRow(extras)
        form.addRow("plots", self.axis)
        sform = QFormLayout(self.sopsp)
        sform.addRow(self.sopsp_on)
        sform.addRow("ε", self.eps)
        sform.addRow("μ₂", self.mu2)
        sform.addRow(self.sopsp_result)
        buttons = QGridLayout()  # two by two: the panel fits a narrow dock
        for i, b in enumerate((self.at_selected, self.at_run, self.again, self.cancel)):
            buttons.addWidget(b, i // 2, i % 2)
        box = QVBoxLayout(self)
        box.setContentsMargins(2, 2, 2, 2)
        box.addWidget(self.header)
        box.addLayout(form)
        box.addWidget(self.sopsp)
        box.addLayout(buttons)
        box.addWidget(self.status)
        box.addWidget(self.table)
        box.addWidget(self.trace_label)
        box.addWidget(self.plots, 1)

    def _connect(self) -> None:
        ctl = self.ctl
        self.matrix.activated.connect(lambda _: ctl.choose(matrix=self.matrix.currentData()))
        self.samples.valueChanged.connect(lambda v: ctl.choose(samples=v or None))
        self.block.activated.connect(lambda _: ctl.choose(blocks=_blocks(self.block.currentData())))
        self.top.valueChanged.connect(lambda v: self._choose(self.top, top=v))
        self.bottom.valueChanged.connect(lambda v: self._choose(self.bottom, bottom=v))
        self.tol.sigValue.connect(self._tol)
        self.density.toggled.connect(lambda on: ctl.choose(density=on, histogram=on))
        self.trace.toggled.connect(lambda on: ctl.choose(trace=on))
        self.axis.activated.connect(lambda _: self._show_result())
        self.sopsp_on.toggled.connect(lambda _: self._sopsp())
        self.eps.sigValue.connect(lambda _: self._sopsp())
        self.mu2.editingFinished.connect(self._sopsp)
        self.at_selected.clicked.connect(ctl.at_selected)
        self.at_run.clicked.connect(self._latest_run)
        self.again.clicked.connect(ctl.again)
        self.cancel.clicked.connect(ctl.cancel)

    # choices ---------------------------------------------------------------------------------
    def _choose(self, spin: QSpinBox, **change: int) -> None:
        if not self.ctl.choose(**change):
            spin.blockSignals(True)
            spin.setValue(getattr(self.ctl.request, next(iter(change))))
            spin.blockSignals(False)

    def _tol(self, value: float) -> None:
        if self.ctl.choose(tol=value):
            self.tol.set_value(value)
        else:
            self.tol.refuse(self.tol.text(), "tolerances must be ≥ 0")

    def _sopsp(self) -> None:
        text = self.mu2.text().strip()
        try:
            mu2 = parse_number(text) if text else None
        except ValueError as exc:
            self.mu2.setToolTip(f"Not applied: {exc}")
            return
        on = self.sopsp_on.isChecked()
        self.ctl.choose(sopsp_eps=self.eps.value() if on else None, mu2=mu2)

    def _latest_run(self) -> None:
        ids = [rid for rid, run in self.state.runs.items() if len(run.data.thetas)]
        if not ids:
            self.state.notify("No run has a θ yet: click the map to start one.", "error")
            return
        self.ctl.at_run(ids[-1], "current")

    def _options(self) -> None:
        """Offer what the shown landscape has: GGN and blocks for networks, ε-SOPSP for the
        residual predictor; reset choices that no longer apply."""
        options = self.ctl.options()
        network = options is not None and options.samples > 0
        self.matrix.clear()
        for m in options.matrices if options else ("hessian",):
            self.matrix.addItem({"hessian": "Hessian", "ggn": "Gauss–Newton (GGN)"}[m], m)
        self.block.clear()
        self.block.addItem("full space", "")
        for name in options.blocks if options else ():
            self.block.addItem(name, name)
        if options is not None and options.sopsp_blocks:
            self.block.addItem(", ".join(options.sopsp_blocks), ",".join(options.sopsp_blocks))
        self.samples.setRange(0, options.samples if network and options else 0)
        self.samples.setEnabled(network)
        self.block.setEnabled(network)
        self.sopsp.setVisible(bool(options and options.sopsp_blocks))
        keep = self.ctl.request
        fits = keep.matrix == "hessian" or network
        fits = fits and (
            not keep.blocks or bool(options and set(keep.blocks) <= set(options.blocks))
        )
        fits = fits and (
            keep.samples is None or (options is not None and keep.samples <= options.samples)
        )
        if not fits or (keep.sopsp_eps is not None and not self.sopsp.isVisible()):
            self.ctl.choose(matrix="hessian", blocks=(), samples=None, sopsp_eps=None)
        self.matrix.setCurrentIndex(max(0, self.matrix.findData(self.ctl.request.matrix)))
        self.samples.setValue(self.ctl.request.samples or 0)

    # results ---------------------------------------------------------------------------------
    def _trail(self, trail: RitzTrail | None) -> None:
        if trail is not None:
            self.plots.show_trail(trail)
            count = int(trail.counts[-1]) if len(trail.counts) else 0
            self.status.setText(f"{trail.phase} · {count} products")

    def _show_result(self) -> None:
        result = self.state.results.spectrum
        if result is None:
            self.header.setText("Click a point, a run or a critical point.")
            self.table.setRowCount(0)
            self.trace_label.setText("")
            self.sopsp_result.setText("")
            return
        eig = result.report.eigen
        self.header.setText(result.label())
        state = "converged" if result.report.converged else "NOT all converged"
        if result.atol and len(eig.bottom):
            state += f" (near 0 to ‖Hv − λv‖ ≤ {result.atol:.2g})"
        self.status.setText(
            f"F = {result.loss:.6g}, ‖∇F‖ = {result.grad_norm:.3g} · {result.hvp_count} "
            f"products, {result.seconds:.2f} s · {state}"
        )
        rows = [(f"top {i + 1}", i) for i in range(eig.n_top)]
        rows += [(f"bottom {i + 1}", eig.n_top + i) for i in range(len(eig.bottom))]
        self.table.setRowCount(len(rows))
        for r, (label, i) in enumerate(rows):
            ok, sure = bool(eig.converged[i]), bool(eig.is_resolved[i])
            cells = (
                label,
                f"{eig.eigenvalues[i]:.8g}",
                f"{eig.residuals[i]:.2g}",
                "✓" if sure else "✗ not resolved" if ok else "✗",
            )
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        trace = result.report.trace
        self.trace_label.setText(
            ""
            if trace is None
            else f"trace = {trace.estimate:.6g} ± {2 * trace.stderr:.2g} (±2 standard errors, "
            f"{trace.method}, {trace.hvp_count} products)"
        )
        self.plots.show_density(result, self.axis.currentData())
        s = result.sopsp
        if s is None:
            self.sopsp_result.setText("")
            return
        estimated = ", estimated" if s.mu2_estimated else ""
        self.sopsp_result.setText(
            f"‖∇_(w,V)F‖ = {s.grad_norm:.3g} {'≤' if s.gradient_ok else '>'} ε = {s.eps:g}\n"
            f"λ_min(w, V) = {s.lambda_min:.4g} {'≥' if s.curvature_ok else '<'} −√(μ₂ε) = "
            f"{s.threshold:.4g} (μ₂ = {s.mu2:.3g}{estimated})\n"
            f"{'an' if s.is_sopsp else 'not an'} ε-SOPSP"
        )


def _blocks(data: str) -> tuple[str, ...]:
    """The block combo's item data ("w,V"; "" for the full space) as block names."""
    return tuple(name for name in data.split(",") if name)


def _named(widget: Any, name: str) -> Any:
    widget.setObjectName(name)
    return widget


def _label(name: str, text: str) -> QLabel:
    label = _named(QLabel(text), name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label
