"""The permutation symmetry of a residual MLP and its weight matching (Ainsworth et al. 2022,
"Git Re-Basin", Algorithm 1): the units of the residual stream and of each block's hidden
layer can be permuted without changing the function.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.optimize

from compute.networks.groups import Alignment

MAX_ROUNDS = 100
"""Rounds of coordinate ascent over the permutations (each round solves one assignment per
permutation; it stops as soon as a round changes none)."""


def _apply(p: Mapping[str, np.ndarray], blocks: int, perms: list[np.ndarray]) -> dict[str, Any]:
    """θ^g for the permutations ``perms`` = [π₀ (stream), π₁ … π_L (block hidden units)];
    new unit j is old unit π[j]."""
    p0 = perms[0]
    out: dict[str, Any] = dict(p)
    out["W_in"] = np.asarray(p["W_in"])[p0, :]
    out["b_in"] = np.asarray(p["b_in"])[p0]
    for k in range(1, blocks + 1):
        pk = perms[k]
        out[f"W{k}1"] = np.asarray(p[f"W{k}1"])[pk][:, p0]
        out[f"b{k}1"] = np.asarray(p[f"b{k}1"])[pk]
        out[f"W{k}2"] = np.asarray(p[f"W{k}2"])[p0][:, pk]
        out[f"b{k}2"] = np.asarray(p[f"b{k}2"])[p0]
    out["W_out"] = np.asarray(p["W_out"])[:, p0]
    return out


def _assign(similarity: np.ndarray) -> np.ndarray:
    """π maximising Σ_j S[j, π(j)] (``scipy.optimize.linear_sum_assignment``)."""
    _, cols = scipy.optimize.linear_sum_assignment(similarity, maximize=True)
    return np.asarray(cols)


def match_residual_mlp(
    p: Mapping[str, np.ndarray], ref: Mapping[str, np.ndarray], blocks: int
) -> tuple[list[np.ndarray], float]:
    """The permutations [π₀, π₁ … π_L] maximising ⟨θ_ref, θ^π⟩ (so minimising ‖θ^π − θ_ref‖)
    by coordinate ascent: each π is an assignment problem when the others are fixed.

    The residual MLP ``h₀ = ReLU(W_in x + b_in)``, ``h_k = α(h_{k−1} + β(W_k2 ReLU(W_k1 h_{k−1}
    + b_k1) + b_k2))``, logits ``W_out h_L + b_out``: π₀ permutes the stream (rows of W_in,
    b_in, W_k2, b_k2; columns of W_k1, W_out), π_k block k's hidden units (rows of W_k1, b_k1;
    columns of W_k2). Returns the permutations and the distance ‖θ^π − θ_ref‖.
    """
    a = {k: np.asarray(v, float) for k, v in p.items()}
    r = {k: np.asarray(v, float) for k, v in ref.items()}
    width = len(a["b_in"])
    perms = [np.arange(width) for _ in range(blocks + 1)]
    for _ in range(MAX_ROUNDS):
        changed = False
        p0 = perms[0]
        for k in range(1, blocks + 1):
            s = r[f"W{k}1"] @ a[f"W{k}1"][:, p0].T + np.outer(r[f"b{k}1"], a[f"b{k}1"])
            s += r[f"W{k}2"].T @ a[f"W{k}2"][p0]
            new = _assign(s)
            changed |= not np.array_equal(new, perms[k])
            perms[k] = new
        s0 = r["W_in"] @ a["W_in"].T + np.outer(r["b_in"], a["b_in"]) + r["W_out"].T @ a["W_out"]
        for k in range(1, blocks + 1):
            pk = perms[k]
            s0 += r[f"W{k}1"].T @ a[f"W{k}1"][pk]
            s0 += r[f"W{k}2"] @ a[f"W{k}2"][:, pk].T + np.outer(r[f"b{k}2"], a[f"b{k}2"])
        new = _assign(s0)
        changed |= not np.array_equal(new, perms[0])
        perms[0] = new
        if not changed:
            break
    moved = _apply(a, blocks, perms)
    gap = sum(float(((moved[k] - r[k]) ** 2).sum()) for k in r)
    return perms, float(np.sqrt(gap))


@dataclass(frozen=True)
class ResidualMLPPermutations:
    """Permutations of a residual MLP's stream and of each block's hidden units
    (``match_residual_mlp``); positive rescalings are not searched."""

    blocks: int
    description: str = "permutations of the residual stream and of each block's hidden units"

    def align(self, p: Mapping[str, np.ndarray], ref: Mapping[str, np.ndarray]) -> Alignment:
        """The stream permutation π₀ as ``permutation`` (scales 1) and the distance."""
        perms, distance = match_residual_mlp(p, ref, self.blocks)
        return Alignment(distance, perms[0], np.ones(len(perms[0])))

    def aligned(
        self, p: Mapping[str, np.ndarray], ref: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        perms, _ = match_residual_mlp(p, ref, self.blocks)
        return _apply(p, self.blocks, perms)
