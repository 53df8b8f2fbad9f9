"""Small read-outs bound to the state: the hover read-out, the overlays' legends, the status
bar's progress and messages."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar, QWidget

from compute import Readout
from explorer.events import Message
from explorer.overlays import Overlay
from explorer.results import READOUT
from explorer.state import AppState

TOY_HINT = (
    "Move over the map to read θ, F, ‖∇F‖ and the Hessian eigenvalues; click to start a run "
    "(Ctrl+click: every optimizer)."
)
SLICE_HINT = (
    "Move over the slice to read F, the in-plane gradient and curvature and the full-space "
    "‖∇_θF‖; click to train from that point (Slice ▸ 'Descend within the plane' restricts the "
    "run to the plane)."
)


def _vec(values: tuple[float, ...]) -> str:
    return ", ".join(f"{v:.4g}" for v in values)


class ReadoutLabel(QLabel):
    """Exact values at the cursor (``results.readout``); on a slice the in-plane gradient and
    curvature beside the full-space gradient norm, which can differ widely."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setObjectName("readout")
        self.setWordWrap(True)  # long read-outs must not widen the window
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        state.events.scenario.connect(lambda _: self.hint())
        state.on_result(READOUT, self._readout)
        self.hint()

    def hint(self) -> None:
        self.setText(SLICE_HINT if self.state.sliced else TOY_HINT)  # note shown above

    def _readout(self, r: Readout | None) -> None:
        if r is None:
            return
        names = self.state.axis_names()
        where = ", ".join(f"{n}={v:.4g}" for n, v in zip(names, r.coords, strict=False))
        if r.full_grad_norm is None:
            self.setText(
                f"{where}   F={r.loss:.6g}   ‖∇F‖={r.grad_norm:.3g}   "
                f"λ(∇²F)=({_vec(r.hessian_eigenvalues)})"
            )
        else:
            curvature = _vec(r.hessian_eigenvalues)
            self.setText(
                f"{where}   F={r.loss:.6g}   in the plane: ‖∇F‖={r.grad_norm:.3g}, "
                f"λ(∇²F)=({curvature})   full space: ‖∇_θF‖={r.full_grad_norm:.3g}"
            )


class OverlayLegend(QLabel):
    """What overlay ``overlay`` shows (its legend, while it is on and computed), or on a
    one-parameter map why it draws nothing there."""

    def __init__(self, state: AppState, overlay: Overlay, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state, self.overlay = state, overlay
        self.setObjectName(f"{overlay.key}-legend")
        self.setWordWrap(True)
        self.hide()
        for key in overlay.results:
            state.on_result(key, lambda _: self.refresh())
        state.events.view.connect(lambda _: self.refresh())
        state.events.scenario.connect(lambda _: self.refresh())

    def refresh(self) -> None:
        s, o = self.state.session, self.overlay
        text = ""
        if o.key in s.overlays:
            if len(s.window) == 2 and o.one_d:
                text = f"<i>{o.label}: not drawn here</i> ({o.one_d})."
            elif o.legend is not None:
                text = o.legend(self.state)
        self.setText(text)
        self.setVisible(bool(text))


class StatusBinding(QObject):
    """The status bar: what is computing (with progress and Cancel), and the latest message."""

    def __init__(self, state: AppState, bar: QStatusBar) -> None:
        super().__init__(bar)
        self.text = QLabel()
        self.text.setObjectName("status-text")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(180)
        self.progress.setMaximum(1000)
        self.progress.setTextVisible(False)
        self.cancel = QPushButton("Cancel")
        self.cancel.setObjectName("cancel")
        self.cancel.setToolTip("Stop the computations in progress (Esc)")
        for w in (self.progress, self.cancel):
            w.hide()
            bar.addPermanentWidget(w)
        bar.addWidget(self.text, 1)
        self._tasks: dict[str, float] = {}
        state.events.busy.connect(lambda p: self._busy(p.task, p.fraction))
        state.events.message.connect(self._message)

    def _message(self, message: Message) -> None:
        self.text.setText(message.text)

    def _busy(self, task: str, fraction: float) -> None:
        key = task.split(":")[0]
        if 0 <= fraction < 1:
            self._tasks[key] = fraction
        else:
            self._tasks.pop(key, None)
        running = bool(self._tasks)
        self.progress.setVisible(running)
        self.cancel.setVisible(running)
        if running:
            self.progress.setValue(int(1000 * min(self._tasks.values())))
            self.text.setText(f"Computing {task}…")
        elif fraction < 0:
            self.text.setText(f"{task}: failed (see the message above the map)")
        else:
            self.text.setText("Ready")

    def cancelled(self) -> None:
        self._tasks.clear()
        self._busy("", 1.0)
        self.text.setText("Cancelled")
