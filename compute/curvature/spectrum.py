"""One entry point for a Spectrum panel or ``landscape-explorer hessian``: eigenvalues at both
ends with residuals, and optionally the trace and the eigenvalue density."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from compute.curvature.dense import DEFAULT_MAX_BYTES, dense_spectrum
from compute.curvature.density import SpectralDensity, slq_density
from compute.curvature.lanczos import EigenResult, eigsh, lanczos
from compute.curvature.operators import CurvatureOperator
from compute.curvature.power import power_iteration
from compute.curvature.trace import TraceResult, hutchpp
from compute.errors import LandscapeError
from compute.generators import mapped

METHODS = ("lanczos", "eigsh", "power", "dense")


@dataclass(frozen=True)
class SpectrumProgress:
    """What is known so far: the phase (``"lanczos"``, ``"trace"``, ``"density"``, ...), the
    current top (descending) / bottom (ascending) estimates, and products used overall."""

    phase: str
    top: np.ndarray
    bottom: np.ndarray
    hvp_count: int
    done: float = 0.0  # a dense eigendecomposition's share of its predicted time


@dataclass(frozen=True, eq=False)
class SpectrumReport:
    """The spectrum of a curvature operator at one point.

    Attributes
    ----------
    eigen : the eigenpairs (``eigen.top`` descending, ``eigen.bottom`` ascending, residuals)
    trace : Hutch++ (or the exact trace for ``method="dense"``), when asked for
    density : the SLQ density (with its raw nodes and weights), when asked for
    dense_eigenvalues : (n,) all eigenvalues for ``method="dense"`` (the histogram), else None
    hvp_count : every product used, eigenvalues, trace and density together
    """

    eigen: EigenResult
    trace: TraceResult | None
    density: SpectralDensity | None
    dense_eigenvalues: np.ndarray | None
    hvp_count: int
    method: str

    @property
    def converged(self) -> bool:
        return self.eigen.all_converged

    def to_json(self) -> dict[str, Any]:
        """The CLI's ``--json`` document (trace / density keys only when computed)."""
        data: dict[str, Any] = {
            "top": self.eigen.top.tolist(),
            "bottom": self.eigen.bottom.tolist(),
            "residuals": {
                "top": self.eigen.top_residuals.tolist(),
                "bottom": self.eigen.bottom_residuals.tolist(),
            },
            "hvp_count": self.hvp_count,
        }
        resolved = self.eigen.is_resolved[self.eigen.n_top :]
        data["bottom_resolved"] = [bool(v) for v in resolved]
        if self.trace is not None:
            data["trace"] = self.trace.to_json()
        if self.density is not None:
            data["density"] = self.density.to_json()
        data["converged"] = self.converged
        return data


def _dense_eigen(
    op: CurvatureOperator, top: int, bottom: int, tol: float, max_bytes: int
) -> Generator[SpectrumProgress, None, tuple[EigenResult, np.ndarray]]:
    count0 = op.hvp_count
    empty = np.empty(0)
    spec = yield from mapped(
        dense_spectrum(op, vectors=True, max_bytes=max_bytes),
        lambda step: SpectrumProgress(
            f"dense {step.phase}", empty, empty, op.hvp_count - count0, step.done
        ),
    )
    n = op.size
    k_top = min(top, n)
    idx = np.concatenate([np.arange(n - 1, n - 1 - k_top, -1), np.arange(min(bottom, n - k_top))])
    assert spec.eigenvectors is not None
    lam = spec.eigenvalues[idx]
    vecs = torch.as_tensor(spec.eigenvectors[:, idx], device=op.device).to(op.dtype)
    av = op.matmat(vecs).double()  # honest residuals through the operator itself
    res = torch.linalg.vector_norm(av - vecs.double() * torch.as_tensor(lam).to(av), dim=0)
    residuals = res.cpu().numpy()
    slack = 1e3 * torch.finfo(op.dtype).eps * max(float(np.abs(spec.eigenvalues).max()), 1e-300)
    converged = residuals <= np.maximum(tol * np.abs(lam), slack)
    count = op.hvp_count - count0
    eigen = EigenResult(lam, vecs, residuals, converged, k_top, count, n, "dense")
    return eigen, spec.eigenvalues


def spectrum(
    op: CurvatureOperator,
    top: int = 5,
    bottom: int = 5,
    method: str = "lanczos",
    tol: float = 1e-3,
    atol: float = 0.0,
    density: bool = False,
    trace: bool = False,
    seed: int = 0,
    max_iter: int | None = None,
    trace_products: int = 60,
    density_steps: int = 80,
    density_runs: int = 1,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Generator[SpectrumProgress, None, SpectrumReport]:
    """Top-k and bottom-k eigenvalues of ``op``, then the trace and the density if asked for.

    Parameters
    ----------
    method
        ``"lanczos"`` (streamed, default), ``"eigsh"`` (ARPACK), ``"power"`` (PyHessian's
        deflated power iteration, the baseline; ``tol`` is then its relative-change rule), or
        ``"dense"`` (float64 matrix and LAPACK; its trace is exact and all eigenvalues come
        back for the histogram).
    tol, atol
        Residual tolerance ‖Av − λv‖ ≤ max(tol·|λ|, atol) (Lanczos; eigsh uses tol only). The
        eigenvalue error is about residual² / gap, far below tol once the pair is isolated.
        Near-zero eigenvalues (the bottom of a trained network) need ``atol``, e.g. 1e-3·λ_max:
        relative to themselves they converge only after very many products.
    trace
        Hutch++ with ``trace_products`` products (exact from the eigenvalues for dense).
    density
        SLQ with ``density_runs`` × ``density_steps`` products.

    Yields ``SpectrumProgress`` (Ritz values as they converge); returns a ``SpectrumReport``.
    """
    # Long by design: one dispatch over the methods (Lanczos, ARPACK, power, dense) with a shared
    # report; each branch is short.
    if method not in METHODS:
        raise LandscapeError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    count0 = op.hvp_count
    all_values: np.ndarray | None = None
    if method == "dense":
        eigen, all_values = yield from _dense_eigen(op, top, bottom, tol, max_bytes)
    else:
        if method == "lanczos":
            solver = lanczos(op, top, bottom, tol=tol, atol=atol, max_iter=max_iter, seed=seed)
        elif method == "eigsh":
            solver = eigsh(op, top, bottom, tol=tol, seed=seed)
        else:
            solver = power_iteration(op, top, bottom, tol=tol, seed=seed)
        eigen = yield from mapped(
            solver,
            lambda r: SpectrumProgress(r.phase, r.top, r.bottom, op.hvp_count - count0),
        )
    trace_result = None
    if trace and all_values is not None:
        exact = float(all_values.sum())
        trace_result = TraceResult(exact, 0.0, 0, "dense", exact, np.empty(0))
    elif trace:
        trace_result = yield from mapped(
            hutchpp(op, products=trace_products, seed=seed + 1),
            lambda _: SpectrumProgress("trace", eigen.top, eigen.bottom, op.hvp_count - count0),
        )
    density_result = None
    if density:
        density_result = yield from mapped(
            slq_density(op, steps=density_steps, runs=density_runs, seed=seed + 2),
            lambda _: SpectrumProgress("density", eigen.top, eigen.bottom, op.hvp_count - count0),
        )
    return SpectrumReport(
        eigen, trace_result, density_result, all_values, op.hvp_count - count0, method
    )
