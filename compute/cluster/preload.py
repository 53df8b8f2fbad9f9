"""A worker plugin that imports torch and the grid code as each worker joins (imports Dask:
loaded only by ``connect``)."""

from __future__ import annotations

from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin


class Preload(WorkerPlugin):
    """Seconds of imports per worker process paid when it joins, not by its first task."""

    idempotent = True
    name = "landscape-explorer-preload"

    def setup(self, worker: Any) -> None:
        import compute.networks.slice_tasks
        import compute.scenarios  # noqa: F401
