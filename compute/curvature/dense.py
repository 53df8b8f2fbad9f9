"""The dense reference: the whole matrix in float64, built in bounded column chunks, then eigh.

Memory: the n × n float64 matrix is preallocated once (n² · 8 bytes; 350 MB for the 6,634
parameters of ``digits-resnet``) and filled a chunk of columns at a time, each chunk holding at
most ``chunk_bytes`` of products; sizes above ``max_bytes`` are refused before anything is
allocated.
"""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import torch

from compute.curvature.operators import CurvatureOperator
from compute.errors import LandscapeError

DEFAULT_MAX_BYTES = 1 << 30  # 1 GiB for the matrix (eigh needs about as much again)
DEFAULT_CHUNK_BYTES = 1 << 25  # 32 MiB of products per chunk
MAX_CHUNK_COLUMNS = 32
"""Columns per vmapped chunk: on the digits network 128 columns cost 2.4× more per product
than 32 (the activations of a wider vmap fall out of cache)."""


@dataclass(frozen=True)
class DenseProgress:
    phase: str  # "columns" | "eigh"
    columns: int  # done so far
    size: int  # n
    hvp_count: int
    done: float = 0.0  # "eigh": the share of its predicted time gone by (at most 0.99)


def dense_matrix(
    op: CurvatureOperator,
    max_bytes: int = DEFAULT_MAX_BYTES,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
) -> Generator[DenseProgress, None, np.ndarray]:
    """A (n, n) float64 from A e_j, chunk by chunk, symmetrised as (A + Aᵀ)/2 in blocks.

    Build the operator in float64 for a reference (products in float32 carry ~1e-4 relative
    error through some losses). Raises a LandscapeError when n² · 8 > ``max_bytes``.
    """
    n = op.size
    need = n * n * 8
    if need > max_bytes:
        raise LandscapeError(
            f"the dense {n}×{n} matrix needs {need / 2**20:.0f} MiB, above the limit of "
            f"{max_bytes / 2**20:.0f} MiB: use method lanczos (or select a parameter block)"
        )
    out = np.empty((n, n), dtype=np.float64)
    itemsize = torch.finfo(op.dtype).bits // 8
    step = max(1, min(n, MAX_CHUNK_COLUMNS, chunk_bytes // max(1, 2 * n * itemsize)))
    count0 = op.hvp_count
    for j in range(0, n, step):
        c = min(step, n - j)
        eye = torch.zeros(n, c, dtype=op.dtype, device=op.device)
        eye[torch.arange(j, j + c), torch.arange(c)] = 1
        out[:, j : j + c] = op.matmat(eye).double().cpu().numpy()
        yield DenseProgress("columns", j + c, n, op.hvp_count - count0)
    for i in range(0, n, step):  # symmetrise block by block: no second n² array
        for j in range(i, n, step):
            upper = out[i : i + step, j : j + step]
            mean = 0.5 * (upper + out[j : j + step, i : i + step].T)
            out[i : i + step, j : j + step] = mean
            out[j : j + step, i : i + step] = mean.T
    return out


def exact_trace(
    op: CurvatureOperator, chunk_bytes: int = DEFAULT_CHUNK_BYTES
) -> Generator[DenseProgress, None, float]:
    """tr(A) = Σ_j e_jᵀ A e_j exactly: n products in column chunks, nothing n² kept."""
    n = op.size
    itemsize = torch.finfo(op.dtype).bits // 8
    step = max(1, min(n, MAX_CHUNK_COLUMNS, chunk_bytes // max(1, 2 * n * itemsize)))
    count0, total = op.hvp_count, 0.0
    for j in range(0, n, step):
        c = min(step, n - j)
        cols = torch.arange(j, j + c, device=op.device)
        eye = torch.zeros(n, c, dtype=op.dtype, device=op.device)
        eye[cols, torch.arange(c, device=op.device)] = 1
        total += float(op.matmat(eye)[cols, torch.arange(c, device=op.device)].double().sum())
        yield DenseProgress("columns", j + c, n, op.hvp_count - count0)
    return total


@dataclass(frozen=True)
class DenseSpectrum:
    """All eigenvalues (n,) ascending, float64; ``eigenvectors`` (n, n) when asked for."""

    eigenvalues: np.ndarray
    eigenvectors: np.ndarray | None
    hvp_count: int

    @property
    def trace(self) -> float:
        return float(self.eigenvalues.sum())


def dense_spectrum(
    op: CurvatureOperator, vectors: bool = False, max_bytes: int = DEFAULT_MAX_BYTES
) -> Generator[DenseProgress, None, DenseSpectrum]:
    """Every eigenvalue of A by LAPACK (``scipy.linalg.eigh``) on the dense float64 matrix."""
    count0 = op.hvp_count
    matrix = yield from dense_matrix(op, max_bytes)
    products = op.hvp_count - count0
    yield DenseProgress("eigh", op.size, op.size, products)
    if vectors:
        values, vecs = yield from _eigh(matrix, True, products)
        return DenseSpectrum(values, vecs, products)
    values, _ = yield from _eigh(matrix, False, products)
    return DenseSpectrum(values, None, products)


EIGH_PROBE = 256
"""Side of the matrix whose eigendecomposition, timed here, predicts a large one's (× (n/256)³)."""
HEARTBEAT_SECONDS = 0.25
"""How often a running eigendecomposition reports."""


def _eigh(
    matrix: np.ndarray, vectors: bool, products: int
) -> Generator[DenseProgress, None, tuple[np.ndarray, np.ndarray | None]]:
    """``scipy.linalg.eigh`` in a thread with a heartbeat every HEARTBEAT_SECONDS: LAPACK reports no
    progress of its own and takes a minute at n ≈ 6,600 here, so the share of its predicted
    time (a 256² probe scaled by (n/256)³, the cost of tridiagonalisation) stands in for it.
    Closing the generator leaves the thread to finish alone (LAPACK cannot be interrupted)."""
    n = len(matrix)
    probe = np.random.default_rng(0).standard_normal((EIGH_PROBE, EIGH_PROBE))
    start = time.perf_counter()
    scipy.linalg.eigh(probe + probe.T, eigvals_only=not vectors, check_finite=False)
    expected = (time.perf_counter() - start) * (n / EIGH_PROBE) ** 3

    def work() -> tuple[np.ndarray, np.ndarray | None]:
        if vectors:
            values, vecs = scipy.linalg.eigh(matrix, overwrite_a=True, check_finite=False)
            return values, vecs
        only = scipy.linalg.eigh(matrix, eigvals_only=True, overwrite_a=True, check_finite=False)
        return only, None

    pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="eigh")
    try:
        future = pool.submit(work)
        start = time.perf_counter()
        while True:
            try:
                return future.result(timeout=HEARTBEAT_SECONDS)
            except concurrent.futures.TimeoutError:
                share = min(0.99, (time.perf_counter() - start) / max(expected, 1e-9))
                yield DenseProgress("eigh", n, n, products, share)
    finally:
        pool.shutdown(wait=False)


def dense_histogram(
    eigenvalues: np.ndarray, bins: int | np.ndarray = 60
) -> tuple[np.ndarray, np.ndarray]:
    """(edges (b+1,), density (b,)) of the eigenvalues: a histogram that integrates to one,
    to overlay on the SLQ density where n is small enough for ``dense_spectrum``."""
    density, edges = np.histogram(np.asarray(eigenvalues), bins=bins, density=True)
    return edges, density
