"""Tolerances of a critical-point search and the tests that decide what a critical point is.

Three tests, tried in order: the signs of the Hessian's eigenvalues (interior points), the
KKT multipliers with the Lagrangian's curvature along the face (boundary points), and, where
both are inconclusive (a singular Hessian, a zero multiplier, a flat tangent direction), F
sampled on the feasible part of small spheres around the point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

RING = 64
"""Directions sampled on a circle (n = 2) around a point whose curvature is inconclusive."""


@dataclass(frozen=True)
class Tolerances:
    """The scales of one search and the tolerances derived from them.

    Attributes
    ----------
    eps : machine epsilon of the objective's dtype (2.2e-16 for float64, 1.2e-7 for float32)
    length : L, the diagonal of the search window
    spacing : h, the typical distance between neighbouring starts (a lattice cell's diagonal)
    loss : F_typ, the median |F| over the starts
    grad : G = max(median ‖∇F‖ over the starts, F_typ / L): the gradient scale
    curvature : K = max(median ‖∇²F‖₂ over the starts, G / L): the curvature scale

    Rules (every tolerance is relative to a scale of this objective and to eps, so the same
    code serves float64 toys and float32 network slices, F of size 1 or 10⁶):

    - a root is accepted where ‖∇F‖ (or the KKT residual ‖∇F + Jcᵀμ‖) ≤ √eps·G, and |c| ≤
      √eps·L on its face: half the digits, what a gradient computed in this precision can
      promise at a root (``root``, ``feasibility``); or where Newton settled (its residual
      stopped halving) with ‖∇F‖ ≤ eps^¼·G and a linear model that puts the root within
      h/64 of the point (``accepts``): the loss of a ReLU network is only piecewise smooth,
      ∇F jumps across each kink, and ∇F = 0 may hold nowhere exactly near a minimum of a
      slice (the digits slice settles at ‖∇F‖ ≈ 1e-3·G with a float32 gradient accurate to
      1e-8);
    - Newton stops early at 16·eps·G (``newton_stop``): below that G is rounding noise;
    - a multiplier counts as nonzero where |μ| > √eps·G (``multiplier``: μ has the units of
      ∇F, as ‖∇c‖ = 1 on every face);
    - an eigenvalue counts as nonzero where |λ| > max(√eps·K, 4·√(r·K/h)) at a root with
      residual r (``eigenvalue``): the second term is the curvature a root that is only
      located to ‖∇F‖ = r can show by accident - near a degenerate point where F grows like
      t³ (third derivative T), a point with ‖∇F‖ = r has |λ| = √(2 T r); K/h bounds T;
    - sampled differences F(x) − F(p) count as nonzero where they exceed 64·eps·(|F(p)| +
      F_typ) (``loss_noise``);
    - two roots are one point where they are closer than max(10⁻⁶, 4√eps)·L plus their
      location uncertainties (``same_point``).
    """

    eps: float
    length: float
    spacing: float
    loss: float
    grad: float
    curvature: float

    @classmethod
    def measure(
        cls, dtype: torch.dtype, length: float, spacing: float, values: tuple[torch.Tensor, ...]
    ) -> Tolerances:
        """From F (P,), ‖∇F‖ (P,) and ‖∇²F‖₂ (P,) at the starts (non-finite values ignored)."""

        def median(v: torch.Tensor) -> float:
            v = v[torch.isfinite(v)]
            return float(v.abs().median()) if len(v) else 0.0

        f, g, k = (median(v) for v in values)
        grad = max(g, f / length)
        grad = grad if grad > 0 else 1.0  # F constant (0) at every start: any unit will do
        return cls(torch.finfo(dtype).eps, length, spacing, f, grad, max(k, grad / length))

    @property
    def root(self) -> float:
        return math.sqrt(self.eps) * self.grad

    @property
    def settle(self) -> float:
        return self.spacing / 64

    def accepts(self, residual: np.ndarray, step: np.ndarray, located: np.ndarray) -> np.ndarray:
        """Which Newton results are roots (see the rules above): (B,) bools."""
        with np.errstate(invalid="ignore"):
            smooth = residual <= self.root
            settled = located & (step <= self.settle) & (residual <= self.eps**0.25 * self.grad)
        return np.asarray(smooth | settled, dtype=bool)

    @property
    def newton_stop(self) -> float:
        return 16 * self.eps * self.grad

    @property
    def feasibility(self) -> float:
        return math.sqrt(self.eps) * self.length

    @property
    def multiplier(self) -> float:
        return math.sqrt(self.eps) * self.grad

    @property
    def same_point(self) -> float:
        return max(1e-6, 4 * math.sqrt(self.eps)) * self.length

    @property
    def pinv_rtol(self) -> float:
        return math.sqrt(self.eps)

    def eigenvalue(self, residual: float) -> float:
        located = 4 * math.sqrt(max(residual, 0.0) * self.curvature / self.spacing)
        return max(math.sqrt(self.eps) * self.curvature, located)

    def loss_noise(self, value: float) -> float:
        return 64 * self.eps * (abs(value) + self.loss)


def curvature_kind(eigenvalues: np.ndarray, tol: float) -> str | None:
    """minimum / maximum / saddle from the signs of ∇²F's eigenvalues; None if one is ≈ 0.

    Both signs present decide a saddle even when another eigenvalue is 0 (a descent and an
    ascent direction exist); otherwise a zero eigenvalue leaves the kind to higher orders.
    """
    pos, neg = eigenvalues > tol, eigenvalues < -tol
    if pos.any() and neg.any():
        return "saddle"
    if pos.all():
        return "minimum"
    if neg.all():
        return "maximum"
    return None


def kkt_kind(
    multipliers: np.ndarray,
    tangent: np.ndarray,
    hessian: np.ndarray,
    tol_mu: float,
    tol_eig: float,
) -> str | None:
    """The kind of a stationary point of F on a face {c = 0} of C = {c ≤ 0}; None: undecided.

    ∇F = −Jcᵀμ: μ_i > 0 means F increases from the face into C along −∇c_i, μ_i < 0 that
    it decreases. With every μ_i ≠ 0 (strict complementarity), the point is a minimum of F
    on C if all μ > 0 and the Lagrangian ∇²F + Σμ_i∇²c_i is positive definite on the face's
    tangent space (``tangent``: its eigenvalues), a maximum if all μ < 0 and it is negative
    definite, and a saddle when a descent and an ascent direction are both feasible: μ of
    both signs, or μ > 0 with a negative tangent eigenvalue (μ < 0 with a positive one).
    With every μ = 0 on a single smooth constraint the point is a critical point of F lying
    on the boundary and the Hessian ``hessian`` (eigenvalues) decides, as inside. Anything
    else (zero tangent curvature, zero multipliers at an edge or corner) is left to sampling.
    """
    pos_mu, neg_mu = multipliers > tol_mu, multipliers < -tol_mu
    pos_t, neg_t = tangent > tol_eig, tangent < -tol_eig
    if pos_mu.any() and neg_mu.any():
        return "saddle"
    if (pos_mu.any() and neg_t.any()) or (neg_mu.any() and pos_t.any()):
        return "saddle"
    if pos_mu.all() and pos_t.all():
        return "minimum"
    if neg_mu.all() and neg_t.all():
        return "maximum"
    if len(multipliers) == 1 and not (pos_mu.any() or neg_mu.any()):
        return curvature_kind(hessian, tol_eig)
    return None


def sample_directions(n: int, vectors: np.ndarray) -> np.ndarray:
    """Unit directions (D, n): ±``vectors`` (k, n) (eigenvectors, normals), ±e_i, and a ring
    of RING angles (n = 2) or 32·n fixed pseudo-random directions (n ≥ 3)."""
    parts = [vectors, -vectors, np.eye(n), -np.eye(n)]
    if n == 2:
        angles = np.linspace(0, 2 * np.pi, RING, endpoint=False) + np.pi / RING
        parts.append(np.stack([np.cos(angles), np.sin(angles)], axis=1))
    elif n > 2:
        parts.append(np.random.default_rng(0).standard_normal((32 * n, n)))
    d = np.concatenate([p.reshape(-1, n) for p in parts])
    norms = np.linalg.norm(d, axis=1)
    d = d[norms > 0.5 * norms.max()] if len(d) else d
    return d / np.linalg.norm(d, axis=1, keepdims=True)


def sampling_radii(spacing: float, uncertainty: float) -> list[float]:
    """h/64, h/16, h/4, keeping those ≥ 4× the point's location uncertainty (at least one)."""
    floor = 4 * uncertainty
    return [r for r in (spacing / 64, spacing / 16, spacing / 4) if r >= floor] or [floor]


def sampled_kind(differences: np.ndarray, margin: np.ndarray) -> tuple[str | None, str]:
    """The kind from F(x) − F(p) (R, D) on spheres of increasing radius (NaN: not sampled).

    A difference counts as positive (negative) where it exceeds ``margin`` (R, D) in size:
    rounding noise plus ‖∇F(x)‖·δ, the change of F over the point's location uncertainty δ.
    At the smallest radius where every difference counts: all > 0 → minimum, all < 0 →
    maximum; at any radius up to there, both signs → saddle. Otherwise F is flat in some
    direction at every scale probed: kind None, and the nature says what the rest of the
    largest sphere shows: ``minimum`` (nothing lower), ``maximum`` (nothing higher) or
    ``flat``. Returns (kind, nature); nature equals kind when kind is decided.
    """
    nature = "flat"
    for row, tol in zip(differences, margin, strict=True):
        ok = np.isfinite(row)
        row, tol = row[ok], tol[ok]
        if len(row) == 0:
            continue
        pos, neg = row > tol, row < -tol
        if pos.any() and neg.any():
            return "saddle", "saddle"
        if pos.all():
            return "minimum", "minimum"
        if neg.all():
            return "maximum", "maximum"
        nature = "minimum" if pos.any() else "maximum" if neg.any() else "flat"
    return None, nature
