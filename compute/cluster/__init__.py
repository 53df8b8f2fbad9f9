"""Grid work on a Dask ``distributed`` cluster: addresses, connections, the executor, and
partial grids to resume from (Dask is the optional extra ``[cluster]``; importing this package
does not import it)."""

from compute.cluster.address import SchedulerAddress, parse_scheduler
from compute.cluster.connection import ClusterConnection, TlsFiles, connect, require_dask
from compute.cluster.executor import DaskExecutor

__all__ = [
    "ClusterConnection",
    "DaskExecutor",
    "SchedulerAddress",
    "TlsFiles",
    "connect",
    "parse_scheduler",
    "require_dask",
]
