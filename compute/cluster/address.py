"""Where grid work runs, as the user writes it: ``local:N``, ``tcp://HOST:PORT``,
``tls://HOST:PORT`` (torch- and Dask-free: the command line checks it before anything loads)."""

from __future__ import annotations

import ipaddress
import re
import warnings
from dataclasses import dataclass

from compute.errors import LandscapeError

MAX_LOCAL_WORKERS = 256
_WARNED: set[str] = set()


class PlainTcpWarning(UserWarning):
    """A plain ``tcp://`` scheduler address that is not on this machine."""


@dataclass(frozen=True)
class SchedulerAddress:
    """A parsed scheduler address.

    Attributes
    ----------
    kind : "local" (a LocalCluster this process starts, on 127.0.0.1), "tcp" or "tls"
    workers : worker processes of a local cluster (0 for a remote one)
    url : what ``distributed.Client`` connects to ("" for a local cluster)
    host : the scheduler's host name or address ("127.0.0.1" for a local cluster)
    """

    kind: str
    workers: int = 0
    url: str = ""
    host: str = "127.0.0.1"

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)

    def __str__(self) -> str:
        return f"local:{self.workers}" if self.kind == "local" else self.url


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine (localhost, 127.0.0.0/8, ::1)."""
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


_REMOTE = re.compile(
    r"(?P<scheme>tcp|tls)://(?P<host>\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(?P<port>\d+)/?"
)


def parse_scheduler(text: str) -> SchedulerAddress:
    """``local:N`` (1 ≤ N ≤ 256), ``tcp://HOST:PORT`` or ``tls://HOST:PORT`` (1 ≤ PORT ≤ 65535).

    Anything else is one LandscapeError saying what is accepted. A plain ``tcp://`` address of
    another machine warns once (PlainTcpWarning): its traffic, pickled tasks included, is
    neither encrypted nor authenticated; use ``tls://`` with certificates outside a trusted
    network.
    """
    raw = text.strip()
    local = re.fullmatch(r"local:(\d{1,6})", raw)
    if local:
        workers = int(local.group(1))
        if not 1 <= workers <= MAX_LOCAL_WORKERS:
            raise LandscapeError(
                f"scheduler {raw!r}: a local cluster has 1 to {MAX_LOCAL_WORKERS} workers"
            )
        return SchedulerAddress("local", workers)
    remote = _REMOTE.fullmatch(raw)
    if remote is None:
        shown = raw if len(raw) <= 60 else raw[:57] + "..."
        raise LandscapeError(
            f"scheduler {shown!r} is not an address: use local:N (N worker processes here), "
            "tcp://HOST:PORT or tls://HOST:PORT"
        )
    port = int(remote.group("port"))
    if not 1 <= port <= 65535:
        raise LandscapeError(f"scheduler {raw!r}: the port must be 1 to 65535")
    scheme, host = remote.group("scheme"), remote.group("host")
    address = SchedulerAddress(scheme, 0, f"{scheme}://{host}:{port}", host.strip("[]"))
    if scheme == "tcp" and not address.loopback and address.url not in _WARNED:
        _WARNED.add(address.url)
        warnings.warn(
            f"{address.url} is plain tcp:// to another machine: tasks and results travel "
            "unencrypted and unauthenticated; use tls:// with certificates outside a trusted "
            "network",
            PlainTcpWarning,
            stacklevel=2,
        )
    return address
