"""Connecting to where grid work runs: a local cluster of worker processes on loopback, or an
existing Dask scheduler over ``tcp://`` or ``tls://`` (certificates through Dask's ``Security``)."""

from __future__ import annotations

import importlib.util
import logging
import os
from dataclasses import dataclass
from typing import Any

from compute.cluster.address import SchedulerAddress, parse_scheduler
from compute.cluster.executor import DaskExecutor
from compute.errors import LandscapeError

CONNECT_SECONDS = 5.0
PRE_SPAWN = "distributed.nanny.pre-spawn-environ"  # environment of worker processes
INSTALL_HINT = 'pip install "landscape-explorer[cluster]"'


@dataclass(frozen=True)
class TlsFiles:
    """Certificates for ``tls://``: the cluster's CA, this client's certificate and key (the
    key may sit in the certificate file)."""

    ca_file: str
    cert: str
    key: str | None = None


def require_dask() -> None:
    """A one-line LandscapeError when Dask's ``distributed`` is not installed."""
    if importlib.util.find_spec("distributed") is None:
        raise LandscapeError(f"running grid work on a cluster needs Dask: {INSTALL_HINT}")


class ClusterConnection:
    """A connected ``distributed.Client`` (and the LocalCluster it owns, for ``local:N``).

    ``workers`` and ``dashboard`` describe it for a status line; ``executor()`` is the grid
    executor on it; ``close()`` shuts down a local cluster and disconnects from a remote one.
    """

    def __init__(self, address: SchedulerAddress, client: Any, cluster: Any = None) -> None:
        self.address, self.client, self.cluster = address, client, cluster

    @property
    def workers(self) -> int:
        if self.client.status != "running":
            return 0
        return len(self.client.scheduler_info(n_workers=-1).get("workers", {}))

    @property
    def dashboard(self) -> str:
        """The Dask dashboard's address ("" without bokeh, which serves it)."""
        if importlib.util.find_spec("bokeh") is None:
            return ""
        return str(self.client.dashboard_link or "")

    def executor(self, retries: int = 2) -> DaskExecutor:
        return DaskExecutor(self.client, retries=retries)

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()

    def __enter__(self) -> ClusterConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _security(address: SchedulerAddress, tls: TlsFiles | None) -> Any:
    from distributed.security import Security

    if address.kind != "tls":
        if tls is not None:
            raise LandscapeError(f"certificates are for tls:// addresses, not {address}")
        return None
    if tls is None:
        raise LandscapeError(f"{address} needs certificates: the CA file and a client certificate")
    for path in (tls.ca_file, tls.cert, tls.key):
        if path is not None and not os.path.isfile(path):
            raise LandscapeError(f"certificate file {path} does not exist")
    return Security(
        tls_ca_file=tls.ca_file,
        tls_client_cert=tls.cert,
        tls_client_key=tls.key,
        require_encryption=True,
    )


def connect(
    scheduler: str | SchedulerAddress,
    tls: TlsFiles | None = None,
    timeout: float = CONNECT_SECONDS,
) -> ClusterConnection:
    """Connect to ``scheduler`` (``local:N``, ``tcp://HOST:PORT``, ``tls://HOST:PORT``).

    ``local:N`` starts N single-threaded worker processes and their scheduler on 127.0.0.1
    (nothing listens on another interface; the dashboard too). Every failure, an unreachable
    scheduler included, is one LandscapeError.
    """
    address = scheduler if isinstance(scheduler, SchedulerAddress) else parse_scheduler(scheduler)
    require_dask()
    import dask
    import distributed

    security = _security(address, tls)
    try:
        if address.kind == "local":
            # Dask's nannies set MALLOC_TRIM_THRESHOLD_=65536 in their workers; setting it turns
            # off glibc's adaptive mmap threshold, so every tensor over 128 KiB is mmapped and
            # page-faulted afresh: the BatchNorm CNN's forward pass took 19 ms instead of 13 ms
            # on a worker. Our workers keep glibc's default.
            with dask.config.set({f"{PRE_SPAWN}.MALLOC_TRIM_THRESHOLD_": None}):
                cluster = distributed.LocalCluster(
                    n_workers=address.workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address="127.0.0.1:0",
                    silence_logs=logging.ERROR,
                )
            try:
                client = distributed.Client(cluster)
            except BaseException:
                cluster.close()
                raise
        else:
            client = distributed.Client(address.url, security=security, timeout=timeout)
            cluster = None
        from compute.cluster.preload import Preload

        client.register_plugin(Preload())
        return ClusterConnection(address, client, cluster)
    except LandscapeError:
        raise
    except Exception as exc:  # refused, timed out, or something else answering there
        text = str(exc).splitlines()[0] if str(exc) else ""
        reason = text if isinstance(exc, OSError | TimeoutError) else f"{type(exc).__name__} {text}"
        hint = "" if isinstance(exc, OSError | TimeoutError) else " (is it a Dask scheduler?)"
        raise LandscapeError(
            f"cannot reach the Dask scheduler at {address}: {reason.strip()}{hint}"
        ) from None
