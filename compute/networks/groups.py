"""Symmetry groups of network parameters: permutations (and positive rescalings) of hidden
units that leave the function unchanged, and the alignment of a point with a reference under
them (optimal assignment of units, closed-form scales).

Two parameter points of a one-hidden-layer ReLU network that differ by a permutation of the
hidden units (and, where an output weight follows the unit, by a positive rescaling of each
unit) compute the same function; ``SymmetryGroup.align`` finds the closest such copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import scipy.optimize


@dataclass(frozen=True)
class Alignment:
    """The group element that brings a student closest to a reference.

    Attributes
    ----------
    distance : the Frobenius distance after alignment, ≥ 0
    permutation : (h,) ints; teacher unit j is matched with student unit ``permutation[j]``
    scales : (h,) the positive factors s_j (all 1 where the group has no scalings; ∞ or 0 where
        the infimum is only approached, for a unit whose incoming or outgoing vector is 0)
    """

    distance: float
    permutation: np.ndarray
    scales: np.ndarray


def _min_over_positive(quad: np.ndarray, lin: np.ndarray) -> np.ndarray:
    """inf_{u>0} (Q u² − 2 q u) = −max(q, 0)² / Q (0 where Q = 0, then q = 0 too)."""
    safe = np.where(quad > 0, quad, 1.0)
    return np.where(quad > 0, -(np.maximum(lin, 0.0) ** 2) / safe, 0.0)


def _pair_scales(
    a2: np.ndarray, alpha: np.ndarray, b2: np.ndarray, beta: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """min_{s>0} ψ(s) = A s² − 2α s + B / s² − 2β / s elementwise, and the minimising s.

    ψ'(s) = 0 ⇔ p(s) = A s⁴ − α s³ + β s − B = 0 (multiply by s³/2). For A, B > 0, ψ → +∞ at
    both ends of (0, ∞), so the minimum is attained at a positive real root of the quartic p;
    its roots come from the batched companion matrices. ψ is evaluated at the real part of
    every root with a positive real part: each is an admissible s, so the smallest value is
    the minimum (up to the roots' accuracy). Where A = 0 (a zero incoming vector, so α = 0)
    or B = 0 (a zero outgoing vector) ψ is a quadratic in 1/s or in s and the infimum is in
    closed form (then possibly only approached as s → ∞ or s → 0).
    """
    shape = a2.shape
    a2, alpha, b2, beta = (v.ravel() for v in (a2, alpha, b2, beta))
    value = np.empty_like(a2)
    scale = np.ones_like(a2)
    full = (a2 > 0) & (b2 > 0)
    if full.any():
        a, al, b, be = a2[full], alpha[full], b2[full], beta[full]
        # monic p(s)/A = s⁴ + c3 s³ + c2 s² + c1 s + c0 → companion matrix (k, 4, 4)
        c3, c1, c0 = -al / a, be / a, -b / a
        comp = np.zeros((len(a), 4, 4))
        comp[:, 1, 0] = comp[:, 2, 1] = comp[:, 3, 2] = 1.0
        comp[:, :, 3] = -np.stack([c0, c1, np.zeros_like(a), c3], axis=1)
        roots = np.linalg.eigvals(comp).real  # (k, 4)
        s = np.where(roots > 0, roots, np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            psi = a[:, None] * s**2 - 2 * al[:, None] * s + b[:, None] / s**2 - 2 * be[:, None] / s
        psi = np.where(np.isfinite(psi), psi, np.inf)
        best = np.argmin(psi, axis=1)
        rows = np.arange(len(a))
        value[full] = psi[rows, best]
        scale[full] = np.where(np.isfinite(psi[rows, best]), s[rows, best], 1.0)
    only_out = (a2 == 0) & (b2 > 0)  # ψ = B u² − 2β u with u = 1/s
    value[only_out] = _min_over_positive(b2[only_out], beta[only_out])
    with np.errstate(divide="ignore"):
        u = np.where(beta[only_out] > 0, beta[only_out] / b2[only_out], np.inf)
    scale[only_out] = np.where(np.isfinite(u), 1.0 / u, np.inf)
    only_in = (a2 > 0) & (b2 == 0)  # ψ = A s² − 2α s
    value[only_in] = _min_over_positive(a2[only_in], alpha[only_in])
    scale[only_in] = np.where(alpha[only_in] > 0, alpha[only_in] / a2[only_in], 0.0)
    value[(a2 == 0) & (b2 == 0)] = 0.0
    return value.reshape(shape), scale.reshape(shape)


def align_units_and_scales(
    w1: np.ndarray, w2: np.ndarray, w1_ref: np.ndarray, w2_ref: np.ndarray
) -> Alignment:
    """The one-block ResNet's distance modulo its symmetry group.

    The block is ``f(x) = ‖W₂ᵀ ReLU(W₁ᵀ x) + x‖₁`` with W₁ (d, h), W₂ (h, d): hidden unit j reads
    column a_j = W₁[:, j] and writes row b_j = W₂[j, :]. The group G = S_h ⋉ (ℝ_{>0})^h of a
    permutation π of the hidden units and a positive factor s_j per unit acts by

        W₁[:, j] → s_j W₁[:, π(j)],   W₂[j, :] → W₂[π(j), :] / s_j,

    and leaves f unchanged (ReLU(s z) = s ReLU(z) for s > 0). For generic weights this is the
    whole group of exact symmetries (units with a zero incoming or outgoing vector, or pairs
    whose incoming vectors are opposite, have more). Returned: inf over G of
    ‖(W₁, W₂)^g − (W₁*, W₂*)‖_F.

    The objective splits over the matched pairs (j, π(j)): with a = a_{π(j)}, b = b_{π(j)},
    ‖s a − a*_j‖² + ‖b / s − b*_j‖² = ‖a*_j‖² + ‖b*_j‖² + ψ(s), ψ(s) = A s² − 2α s + B / s² − 2β / s
    (A = ‖a‖², α = ⟨a, a*_j⟩, B = ‖b‖², β = ⟨b, b*_j⟩), minimised at a positive root of the
    quartic A s⁴ − α s³ + β s − B (``_pair_scales``). The best π for the resulting (h, h) cost
    matrix is a linear assignment problem (``scipy.optimize.linear_sum_assignment``).
    """
    a, b = np.asarray(w1, float).T, np.asarray(w2, float)  # student units: (h, d) each
    a_ref, b_ref = np.asarray(w1_ref, float).T, np.asarray(w2_ref, float)
    # (j teacher, k student) tables
    psi, scale = _pair_scales(
        np.broadcast_to((a * a).sum(1), (len(a_ref), len(a))),
        a_ref @ a.T,
        np.broadcast_to((b * b).sum(1), (len(b_ref), len(b))),
        b_ref @ b.T,
    )
    cost = ((a_ref**2).sum(1) + (b_ref**2).sum(1))[:, None] + psi
    rows, cols = scipy.optimize.linear_sum_assignment(cost)
    s = scale[rows, cols]
    # where the optimum is attained, the distance is recomputed from the aligned weights: the
    # table's entries are differences of nearly equal terms when the student is close to the
    # teacher (their √ carries rounding of ~1e-8); limits s → 0, ∞ keep the table's value
    finite = np.isfinite(s) & (s > 0)
    sf = np.where(finite, s, 1.0)[:, None]
    direct = ((sf * a[cols] - a_ref) ** 2).sum(1) + ((b[cols] / sf - b_ref) ** 2).sum(1)
    gap = float(np.where(finite, direct, cost[rows, cols]).sum())
    return Alignment(float(np.sqrt(max(gap, 0.0))), cols, s)


def align_columns(m: np.ndarray, m_ref: np.ndarray) -> Alignment:
    """Distance modulo permutations of the columns of M = I + W (Li & Yuan's model).

    ``f(x) = ‖ReLU(Mᵀ x)‖₁ = Σ_j ReLU(m_jᵀ x)`` with columns m_j of M (d, d) is a sum over
    the units j, so permuting the columns, M → M P (W → (I + W) P − I), leaves f unchanged.
    There is no scaling freedom: ReLU(s z) = s ReLU(z) changes the sum unless s = 1, as no
    output weight can absorb s. Returned: min over π of ‖M P − M*‖_F (= ‖W' − W*‖_F), by a
    linear assignment on the (d, d) table of ‖m_k − m*_j‖².
    """
    cols, cols_ref = np.asarray(m, float).T, np.asarray(m_ref, float).T
    cost = ((cols_ref[:, None, :] - cols[None, :, :]) ** 2).sum(-1)
    _, perm = scipy.optimize.linear_sum_assignment(cost)
    gap = float(np.sum((cols[perm] - cols_ref) ** 2))
    return Alignment(float(np.sqrt(gap)), perm, np.ones(len(perm)))


class SymmetryGroup(Protocol):
    """A group of parameter transformations that leave the network's function unchanged."""

    @property
    def description(self) -> str:
        """The group in words."""
        ...

    def align(self, p: Mapping[str, np.ndarray], ref: Mapping[str, np.ndarray]) -> Alignment:
        """The element g of the group minimising ‖θ^g − θ_ref‖ over the named blocks."""
        ...

    def aligned(
        self, p: Mapping[str, np.ndarray], ref: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        """θ^g itself: the blocks of ``p`` moved by the element g that ``align`` finds (the
        same function as ``p``, as close to ``ref`` as the group allows); other blocks as
        they are."""
        ...


@dataclass(frozen=True)
class ColumnPermutations:
    """Permutations of the columns of M = I + W for the block W (Li & Yuan's model,
    ``align_columns``)."""

    block: str
    description: str = "permutations of the columns of I + W"

    def align(self, p: Mapping[str, np.ndarray], ref: Mapping[str, np.ndarray]) -> Alignment:
        eye = np.eye(len(p[self.block]))
        return align_columns(eye + p[self.block], eye + ref[self.block])

    def aligned(
        self, p: Mapping[str, np.ndarray], ref: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        """W → (I + W)P − I with the optimal column permutation P."""
        perm = self.align(p, ref).permutation
        w = np.asarray(p[self.block], float)
        eye = np.eye(len(w))
        return dict(p) | {self.block: (eye + w)[:, perm] - eye}


@dataclass(frozen=True)
class UnitPermutationsAndScalings:
    """Permutations and positive rescalings of hidden units between an incoming block (units
    in columns) and an outgoing block (units in rows): ``align_units_and_scales``."""

    incoming: str
    outgoing: str
    description: str = "permutations and positive rescalings of the hidden units"

    def align(self, p: Mapping[str, np.ndarray], ref: Mapping[str, np.ndarray]) -> Alignment:
        return align_units_and_scales(
            p[self.incoming], p[self.outgoing], ref[self.incoming], ref[self.outgoing]
        )

    def aligned(
        self, p: Mapping[str, np.ndarray], ref: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        """W₁[:, j] → s_j W₁[:, π(j)], W₂[j, :] → W₂[π(j), :] / s_j with the optimal (π, s);
        a unit whose optimal scale is only approached (s = 0 or ∞) keeps s = 1."""
        found = self.align(p, ref)
        s = np.where(np.isfinite(found.scales) & (found.scales > 0), found.scales, 1.0)
        w1, w2 = np.asarray(p[self.incoming], float), np.asarray(p[self.outgoing], float)
        perm = found.permutation
        return dict(p) | {
            self.incoming: w1[:, perm] * s[None, :],
            self.outgoing: w2[perm, :] / s[:, None],
        }
