"""A Lanczos (Krylov) basis with full reorthogonalisation, kept with the products that built it.

Shared by the eigensolver (``lanczos``), the spectral density (SLQ) and Krylov-sketched Hutch++.
Written by hand rather than taken from scipy: ARPACK (``eigsh``) hides its basis and its
iterations, and the explorer needs both (streamed Ritz values, the basis for Hutch++, the
tridiagonal matrix for quadrature).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import torch

from compute.curvature.operators import CurvatureOperator


def random_unit(op: CurvatureOperator, gen: torch.Generator) -> torch.Tensor:
    """A Gaussian vector (n,) of unit norm, drawn from ``gen`` on the CPU then moved."""
    v = torch.randn(op.size, generator=gen, dtype=torch.float64).to(op.device, op.dtype)
    return v / torch.linalg.vector_norm(v)


class KrylovBasis:
    """Q = [q₀ … q_{m−1}] with A Q = Q T + (couplings), T = tridiag(β, α, β), and W = A Q.

    Each ``step()`` is one product: w = A q_j, α_j = q_jᵀ w, w ← w − Q Qᵀ w twice
    (classical Gram–Schmidt twice, "twice is enough"), β_j = ‖w‖, q_{j+1} = w / β_j. A tiny β
    (an invariant subspace) or ``restart()`` starts a new block from a random vector orthogonal
    to Q; the dropped coupling β is kept in ``cuts`` so that residual estimates stay honest.
    """

    def __init__(self, op: CurvatureOperator, capacity: int, start: torch.Tensor) -> None:
        self.op = op
        self.capacity = min(capacity, op.size)
        self.q = torch.empty(self.capacity, op.size, dtype=op.dtype, device=op.device)
        self.w = torch.empty_like(self.q)
        self.alpha: list[float] = []
        self.beta: list[float] = []  # β_j couples q_j and q_{j+1} (0 across a cut)
        self.cuts: list[tuple[int, float]] = []  # (j, β_j) couplings dropped at restarts
        self._next = start / torch.linalg.vector_norm(start)
        self._residual = torch.zeros(op.size, dtype=op.dtype, device=op.device)
        self.last_beta = 0.0

    @property
    def m(self) -> int:
        return len(self.alpha)

    @property
    def full(self) -> bool:
        return self.m >= self.capacity

    def step(self) -> None:
        """One Lanczos step (one product)."""
        j = self.m
        self.q[j] = self._next
        w = self.op.matvec(self._next)
        self.w[j] = w
        basis = self.q[: j + 1]
        h = basis @ w
        w = w - basis.T @ h
        h2 = basis @ w
        w = w - basis.T @ h2
        self.alpha.append(float(h[j] + h2[j]))
        self._residual = w
        self.last_beta = float(torch.linalg.vector_norm(w))

    def advance(self, gen: torch.Generator) -> None:
        """Prepare q_{j+1}: w / β, or a fresh orthogonal vector after a breakdown."""
        scale = max(abs(a) for a in self.alpha) + max(self.beta, default=0.0)
        tiny = 100 * torch.finfo(self.op.dtype).eps * max(scale, 1e-300)
        if self.last_beta > tiny:
            self.beta.append(self.last_beta)
            self._next = self._residual / self.last_beta
        else:
            self.restart(gen)

    def restart(self, gen: torch.Generator) -> None:
        """Drop the coupling to the next vector and continue from a random orthogonal one."""
        self.cuts.append((self.m - 1, self.last_beta))
        self.beta.append(0.0)
        basis = self.q[: self.m]
        for _ in range(8):
            v = random_unit(self.op, gen)
            v = v - basis.T @ (basis @ v)
            v = v - basis.T @ (basis @ v)
            norm = float(torch.linalg.vector_norm(v))
            if norm > 1e-3:
                self._next = v / norm
                return
        raise RuntimeError("could not extend an orthonormal basis (m ≥ n?)")

    def ritz(self, first: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Ritz values (m,) ascending, T's eigenvectors S (m, m), residual estimates (m,).

        The estimate for pair i is ‖A y_i − θ_i y_i‖ = sqrt(Σ_cuts (β_c S_ci)² + (β S_{m−1,i})²)
        in exact arithmetic, with y_i = Q S_i. ``first`` > 0 takes only the block of T from
        that step on (the Krylov sequence started at a restart).
        """
        alpha = np.asarray(self.alpha[first:])
        if len(alpha) == 1:
            values, vectors = alpha.copy(), np.ones((1, 1))
        else:
            beta = np.asarray(self.beta[first : self.m - 1])
            values, vectors = scipy.linalg.eigh_tridiagonal(alpha, beta)
        res2 = (self.last_beta * vectors[-1]) ** 2
        for j, b in self.cuts:
            if j >= first:
                res2 += (b * vectors[j - first]) ** 2
        return values, vectors, np.sqrt(res2)

    def rayleigh_ritz(self, columns: np.ndarray) -> tuple[np.ndarray, torch.Tensor, np.ndarray]:
        """Final pairs from the exact projection M = Qᵀ(AQ) (symmetrised) and honest residuals.

        Returns Ritz values (m,) ascending, and for the chosen ``columns`` of M's eigenvectors
        the Ritz vectors Y (n, k) and residuals ‖W S − Y diag(θ)‖ (k,) computed from the stored
        products W = A Q, i.e. without trusting orthogonality or the tridiagonal recurrence.
        """
        q, w = self.q[: self.m].double(), self.w[: self.m].double()
        proj = (q @ w.T).cpu().numpy()
        values, vectors = np.linalg.eigh(0.5 * (proj + proj.T))
        s = torch.as_tensor(vectors[:, columns], device=q.device)
        y, ay = q.T @ s, w.T @ s
        lam = torch.as_tensor(values[columns], device=q.device)
        residuals = torch.linalg.vector_norm(ay - y * lam, dim=0)
        return values, y.to(self.op.dtype), residuals.cpu().numpy()
