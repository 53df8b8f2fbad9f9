"""Your own model in the window: File ▸ Open model… (a Python file and its function), recent
models, and the trust question before a session runs a model file's code.

Importing a model file runs its code, in a worker (a slow import never freezes the window); a
failure is one line in the banner with the traceback one click away. Opening a *session* that
names a model file asks first, naming the file, and remembers the answer per file hash; it
warns when the file changed since the session was saved.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QMessageBox, QWidget

from compute import ModelNotLoaded, Problem, register_model
from explorer import session_io
from explorer.jobs import Jobs
from explorer.state import AppState

SLOT = "model"
RECENT_MAX = 8
MODEL_FILTER = "Python file (*.py)"


def _register(text: str) -> Generator[None, None, str]:
    yield None
    return register_model(text).id


def _build(text: str, device: str) -> Generator[str, None, Problem]:
    """Register the model and build its problem with the default parameters (the factory and
    the checks run here, in the worker: a broken model never replaces the shown scenario)."""
    yield "importing your model"
    spec = register_model(text)
    stream = spec.problem_stream(None, device)
    return (yield from stream)


def recent_models() -> list[str]:
    value = session_io.settings().value("recent_models", [])
    items = [value] if isinstance(value, str) else list(value) if isinstance(value, list) else []
    return items[:RECENT_MAX]


def _remember(text: str) -> None:
    items = [text] + [t for t in recent_models() if t != text]
    session_io.settings().setValue("recent_models", items[:RECENT_MAX])


def trusted(digest: str) -> bool:
    value = session_io.settings().value("trusted_models", [])
    items = [value] if isinstance(value, str) else list(value) if isinstance(value, list) else []
    return bool(digest) and digest in items


def _trust(digest: str) -> None:
    value = session_io.settings().value("trusted_models", [])
    items = [value] if isinstance(value, str) else list(value) if isinstance(value, list) else []
    if digest and digest not in items:
        session_io.settings().setValue("trusted_models", [*items, digest][-64:])


class ModelController(QObject):
    """Opens users' models (``open_model``) and answers sessions that need one (``resolve``)."""

    def __init__(
        self,
        state: AppState,
        jobs: Jobs,
        parent: QWidget,
        adopt: Callable[[Problem], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.state, self.jobs, self.parent_widget = state, jobs, parent
        self.adopt = adopt

    def open_model(self, text: str) -> None:
        """Import ``FILE.py:FUNC`` (or ``module:FUNC``), call it and check what it returns, in
        a worker; then switch to it (a failure changes nothing)."""
        self.state.progress("loading your model", 0.0)
        self.jobs.submit(
            SLOT,
            partial(_build, text, self.state.view.device),
            lambda _: None,
            lambda problem: self._opened(problem, text),
            self._failed,
        )

    def _opened(self, problem: Problem, text: str) -> None:
        self.state.progress("loading your model", 1.0)
        _remember(text)
        if self.adopt is not None:
            self.adopt(problem)
        self.state.apply("open model", scenario=problem.id)

    def _failed(self, exc: Exception) -> None:
        self.state.progress("loading your model", -1.0)
        details = str(getattr(exc, "details", ""))
        self.state.notify(f"Your model could not be loaded: {exc}", "error", details)

    def _loaded(self, retry: Callable[[], Any]) -> None:
        self.state.progress("loading the session's model", 1.0)
        retry()

    def ask_open(self) -> None:
        """File ▸ Open model…: a Python file, then the name of its function (default make)."""
        path, _ = QFileDialog.getOpenFileName(
            self.parent_widget, "Open your model (a Python file)", str(Path.cwd()), MODEL_FILTER
        )
        if not path:
            return
        function, ok = QInputDialog.getText(
            self.parent_widget,
            "Your model's function",
            f"The function in {Path(path).name} that returns dict(model=…, train=…, loss=…):",
            text="make",
        )
        if ok and function.strip():
            self.open_model(f"{path}:{function.strip()}")

    def fill_recent(self, menu: QMenu) -> None:
        menu.clear()
        for text in recent_models():
            menu.addAction(
                Path(text.rpartition(":")[0]).name + ":" + text.rpartition(":")[2],
                partial(self.open_model, text),
            ).setToolTip(text)
        if menu.isEmpty():
            menu.addAction("(none yet)").setEnabled(False)

    def resolve(
        self,
        missing: ModelNotLoaded,
        retry: Callable[[], Any],
        declined: Callable[[], Any] | None = None,
    ) -> None:
        """A session names a model file that is not loaded: ask (once per file hash), load it
        in a worker, then ``retry`` opening the session; a refusal changes nothing."""
        digest = missing.reference.digest()
        where = missing.reference.source
        if not trusted(digest) or missing.changed:
            changed = (
                "\n\nThe file has CHANGED since the session was saved: the landscape may differ."
                if missing.changed
                else ""
            )
            answer = QMessageBox.question(
                self.parent_widget,
                "Run your model's code?",
                f"This session uses the model file\n{where}\n(function "
                f"{missing.reference.function}). Opening it runs that file's Python code. "
                f"Run it?{changed}",
            )
            if answer != QMessageBox.StandardButton.Yes:
                self.state.notify("The session was not opened: its model file was not run.")
                if declined is not None:
                    declined()
                return
            _trust(digest)
        self.state.progress("loading the session's model", 0.0)
        self.jobs.submit(
            SLOT,
            partial(_register, missing.scenario_id),
            lambda _: None,
            lambda _: self._loaded(retry),
            self._failed,
        )
