"""What a spectrum request asks (``SpectrumRequest``), what a landscape offers
(``SpectrumOptions``), and what comes back (``SpectrumStep`` while it runs, ``PointSpectrum``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch

from compute.curvature import (
    MATRICES,
    METHODS,
    SopspReport,
    SpectrumReport,
    dense_histogram,
)
from compute.errors import LandscapeError
from compute.landscapes.landscape import Landscape

DTYPES = {"float64": torch.float64, "float32": torch.float32}


@dataclass(frozen=True)
class SpectrumRequest:
    """What to compute at a point (everything the panel's choices and the CLI's flags set).

    matrix : ``"hessian"`` or ``"ggn"`` (networks); samples : the first N training samples
    (a fixed subset) or None for all; blocks : parameter block names (() = the full space);
    top, bottom : how many eigenvalues at each end; method : ``lanczos``, ``eigsh``, ``power``
    or ``dense``; tol, atol : residual ‖Av − λv‖ ≤ max(tol·|λ|, atol) with atol None meaning
    tol·‖A‖ (‖A‖ from ``PILOT_STEPS`` Lanczos steps when bottom eigenvalues are asked for and
    n > 10·PILOT_STEPS: near-zero ones never converge relative to themselves); trace, density :
    Hutch++ (exact for n ≤ TRACE_PRODUCTS) and SLQ; histogram : every eigenvalue too (dense)
    where n ≤ DENSE_OVERLAY_MAX; sopsp_eps, mu2 : seed 001's ε-SOPSP test on the (w, V)
    block (μ₂ None: estimated); dtype : of the products.
    """

    matrix: str = "hessian"
    samples: int | None = None
    blocks: tuple[str, ...] = ()
    top: int = 5
    bottom: int = 5
    method: str = "lanczos"
    tol: float = 1e-3
    atol: float | None = None
    trace: bool = False
    density: bool = False
    histogram: bool = False
    sopsp_eps: float | None = None
    mu2: float | None = None
    dtype: str = "float64"
    seed: int = 0
    max_iter: int | None = None

    def check(self) -> None:
        """Raise a LandscapeError for an impossible request (before any work)."""
        if self.matrix not in MATRICES:
            raise LandscapeError(f"matrix must be one of {', '.join(MATRICES)}, not {self.matrix}")
        if self.method not in METHODS:
            raise LandscapeError(f"method must be one of {', '.join(METHODS)}, not {self.method}")
        if self.top < 0 or self.bottom < 0 or self.top + self.bottom == 0:
            raise LandscapeError("ask for at least one eigenvalue (top ≥ 1 or bottom ≥ 1)")
        if not self.tol >= 0 or (self.atol is not None and not self.atol >= 0):
            raise LandscapeError("tolerances must be ≥ 0")
        if self.samples is not None and self.samples < 1:
            raise LandscapeError("the sample subset needs at least 1 sample")
        if self.sopsp_eps is not None and not self.sopsp_eps >= 0:
            raise LandscapeError(f"ε must be ≥ 0, got {self.sopsp_eps}")
        if self.dtype not in DTYPES:
            raise LandscapeError(f"dtype must be one of {', '.join(DTYPES)}")


@dataclass(frozen=True)
class SpectrumOptions:
    """What a landscape offers: n, its parameter blocks, training samples (0: a toy), the
    matrices, and the (w, V) blocks of seed 001's ε-SOPSP (None where it is not defined)."""

    size: int
    blocks: tuple[str, ...]
    samples: int
    matrices: tuple[str, ...]
    sopsp_blocks: tuple[str, ...] | None


def spectrum_options(landscape: Landscape) -> SpectrumOptions:
    problem = landscape.problem
    caps = problem.capabilities
    if problem.layout is None:
        return SpectrumOptions(problem.dim, (), 0, ("hessian",), None)
    names = tuple(problem.layout.names)
    sop = caps.sopsp_blocks or None
    return SpectrumOptions(problem.dim, names, caps.samples, MATRICES, sop)


@dataclass(frozen=True)
class SpectrumStep:
    """Progress: the phase, products so far, current top (descending) / bottom (ascending)
    Ritz values (empty while unknown), and a rough fraction of the work done."""

    phase: str
    hvp_count: int
    top: np.ndarray
    bottom: np.ndarray
    fraction: float


@dataclass(frozen=True, eq=False)
class RitzTrail:
    """Ritz values as they converge: counts (T,) products, top (T, k) and bottom (T, k)
    (NaN where a value was not known yet), the latest phase."""

    counts: np.ndarray = field(default_factory=lambda: np.zeros(0))
    top: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    bottom: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    phase: str = ""

    def extend(self, steps: Sequence[SpectrumStep]) -> RitzTrail:
        """A longer trail with the steps that carry Ritz values (others only set the phase)."""
        rows = [s for s in steps if s.top.size or s.bottom.size]
        phase = steps[-1].phase if steps else self.phase
        if not rows:
            return replace(self, phase=phase)

        def grow(old: np.ndarray, new: list[np.ndarray]) -> np.ndarray:
            k = max([old.shape[1], *(len(v) for v in new)])
            out = np.full((len(old) + len(new), k), np.nan)
            out[: len(old), : old.shape[1]] = old
            for i, v in enumerate(new):
                out[len(old) + i, : len(v)] = v
            return out

        counts = np.concatenate([self.counts, [s.hvp_count for s in rows]])
        top = grow(self.top, [s.top for s in rows])
        return RitzTrail(counts, top, grow(self.bottom, [s.bottom for s in rows]), phase)


@dataclass(frozen=True, eq=False)
class PointSpectrum:
    """The spectrum at one point and what it belongs to.

    report : the eigenpairs, trace and density; theta : (n,) the full-space point; coords :
        its map coordinates when it was given on the map; where : the point in words
    matrix : the operator's kind (``hessian[w,V] + 0.01I``); size : its dimension
    samples, total_samples : training samples used / available (0 for a toy)
    loss, grad_norm : F (with the L2 term) and ‖∇_θF‖ at θ
    all_eigenvalues : (size,) ascending when a dense pass ran (the histogram), else None
    sopsp : seed 001's ε-SOPSP test (of F with its L2 term), when asked for
    hvp_count : every product used (‖A‖ estimate, spectrum, dense pass); seconds : wall time
    atol : the absolute residual tolerance used (tol·‖A‖ by default where bottom eigenvalues
        of a network were asked for; 0: relative only)
    """

    report: SpectrumReport
    request: SpectrumRequest
    scenario: str
    where: str
    theta: np.ndarray
    coords: np.ndarray | None
    matrix: str
    size: int
    samples: int
    total_samples: int
    loss: float
    grad_norm: float
    all_eigenvalues: np.ndarray | None
    sopsp: SopspReport | None
    hvp_count: int
    seconds: float
    atol: float = 0.0

    def label(self) -> str:
        space = ", ".join(self.request.blocks) or "full space"
        data = f", {self.samples} of {self.total_samples} samples" if self.total_samples else ""
        return f"{self.scenario}: {self.matrix} ({space}, n = {self.size}{data}) at {self.where}"

    def histogram(self, bins: int | np.ndarray = 60) -> tuple[np.ndarray, np.ndarray] | None:
        """(edges (b+1,), density (b,)) of every eigenvalue, when known; ``bins``: a count
        or the edges (b+1,)."""
        values = self.all_eigenvalues
        return None if values is None else dense_histogram(values, bins)

    def to_json(self) -> dict[str, Any]:
        out = self.report.to_json()
        out["hvp_count"] = self.hvp_count
        out.setdefault("trace", None)
        out.setdefault("density", None)
        out["converged"] = out.pop("converged")
        out |= {
            "matrix": self.matrix,
            "block": list(self.request.blocks) or None,
            "method": self.report.method,
            "size": self.size,
            "samples": self.samples or None,
            "point": {"where": self.where, "loss": self.loss, "grad_norm": self.grad_norm},
            "seconds": self.seconds,
            "atol": self.atol,
        }
        if self.sopsp is not None:
            out["sopsp"] = self.sopsp.to_json()
        return out
