"""Batched Newton root finding in timed blocks of starts: a generator that can stop anywhere.

Hand-written rather than scipy.optimize.root: scipy solves one start at a time and cannot be
interrupted inside a solve, while the critical-point search needs hundreds of starts advanced
together (one vmapped Jacobian per block) and a yield about every 50 ms so that closing the
generator stops the work.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass

import torch
from torch.func import jacrev, vmap

Residual = Callable[[torch.Tensor], torch.Tensor]
BLOCK_SECONDS = 0.05


@dataclass(frozen=True)
class NewtonResult:
    """Where each start ended: its best iterate (smallest ‖G‖).

    Attributes
    ----------
    z : (B, m) the last iterates
    residual : (B,) ‖G(z)‖ there (NaN where G is not finite)
    step : (B,) length of the full Newton step −J⁺G at z: how far the root it points at
        still is (about (k − 1) steps for a root of multiplicity k, where Newton converges
        linearly), so the location's uncertainty
    located : (B,) whether the linear model explains the residual there, ‖G + J·step‖ ≤
        ½‖G‖: then a root lies within about ``step`` of z (at a local minimum of ‖G‖ that is
        not a root, G is orthogonal to J's range, the step is 0 and this fails)
    """

    z: torch.Tensor
    residual: torch.Tensor
    step: torch.Tensor
    located: torch.Tensor


class TimedBlocks:
    """Index blocks sized so that each takes about ``seconds`` of work.

    Starts with ``first`` items; after each block the next size is scaled by
    seconds / (time taken), at most ×8 per block (a first block is slow: it compiles vmap).
    """

    def __init__(self, first: int = 8, seconds: float = BLOCK_SECONDS) -> None:
        self.size, self.seconds = max(1, first), seconds

    def split(self, index: torch.Tensor) -> Iterator[torch.Tensor]:
        pos = 0
        while pos < len(index):
            block = index[pos : pos + self.size]
            began = time.perf_counter()
            yield block
            took = max(time.perf_counter() - began, 1e-6)
            scaled = int(len(block) * self.seconds / took)
            self.size = max(1, min(8 * len(block), scaled))
            pos += len(block)


def evaluate_blocks(
    fn: Callable[[torch.Tensor], torch.Tensor], points: torch.Tensor, blocks: TimedBlocks
) -> Generator[float, None, torch.Tensor]:
    """``fn`` over the rows of ``points`` (P, ...) in timed blocks, yielding the done fraction."""
    outs = []
    index = torch.arange(len(points), device=points.device)
    for block in blocks.split(index):
        outs.append(fn(points[block]))
        yield (int(block[-1]) + 1) / len(points)
    return torch.cat(outs) if outs else fn(points[:0])


MIN_SCALE = 1 / 64
"""The smallest secant factor σ: a Jacobian may underestimate G's slope up to 64-fold."""


def secant_scale(
    g_prev: torch.Tensor, g: torch.Tensor, taken: torch.Tensor, full: torch.Tensor
) -> torch.Tensor:
    """σ (B,): the fraction of the previous full Newton step that the secant calls right.

    The previous iterate had residual ``g_prev`` (B, m) and full step s (length ``full``,
    (B,); inf: there was none); the step ``taken`` t (B, m) led to residual ``g``. Along t
    the secant model is G(z_prev + φt) ≈ g_prev + φy with y = g − g_prev, least in norm at
    φ* = −g_prevᵀy / ‖y‖², so σ = φ*·‖t‖/‖s‖, clipped to [MIN_SCALE, 1]. Near a simple root
    of a smooth G, σ = 1 + O(‖s‖): plain Newton. Where J underestimates G's slope c-fold (the
    loss of a ReLU or |·| network: autograd's ∇²F leaves out the curvature of the kinks,
    ReLU'' = 0 almost everywhere, while the many kinks a step crosses bend ∇F), full steps
    overshoot the root c-fold and diverge for c > 2; σ = 1/c takes the step the secant asks
    for. No change of G (y = 0) or no previous step gives σ = 1.
    """
    y = g - g_prev
    yy = (y * y).sum(-1)
    phi = -(g_prev * y).sum(-1) / yy.clamp_min(torch.finfo(y.dtype).tiny)
    ratio = phi * torch.linalg.vector_norm(taken, dim=-1) / full
    known = torch.isfinite(full) & (yy > 0) & torch.isfinite(ratio)
    return torch.where(known, ratio.clamp(MIN_SCALE, 1.0), torch.ones_like(ratio))


def newton_roots(
    residual: Residual,
    starts: torch.Tensor,
    *,
    stop_norm: float,
    max_step: float,
    rtol: float,
    settle: float = 0.0,
    escape: tuple[torch.Tensor, float, int] | None = None,
    iterations: int = 60,
    patience: int = 4,
    blocks: TimedBlocks | None = None,
) -> Generator[float, None, NewtonResult]:
    """Newton on G(z) = 0 from every row of ``starts`` (B, m), with pseudo-inverse steps.

    Each iteration evaluates G and its Jacobian J (reverse mode, vmapped) on the starts still
    running, block by block, yielding the fraction of the iteration budget used after each
    block. The step −J⁺G (min-norm: at a singular J, as on a continuum of roots, it moves to
    the nearest root instead of along the continuum; singular values below ``rtol``·σ_max
    are dropped) is scaled by a secant factor σ (``secant_scale``) and capped at
    ``max_step``. Each start keeps its best iterate (smallest ‖G‖).
    A start stops when ‖G‖ ≤ ``stop_norm``; when its step is below 4 ulp of ‖z‖ (no progress
    is possible in this precision); when ‖G‖ has not halved for ``patience`` iterations while
    its best step is ≤ ``settle`` (it sits at a root it cannot locate better: rounding, or a
    kink of a ReLU network's loss where ∇F jumps); when G is not finite; or, with ``escape =
    (centre, radius, k)``, when its first k coordinates are farther than ``radius`` from
    ``centre``. The last pass only evaluates.
    """
    # Long by design: one damped-Newton iteration loop over a batch of starts; its state (steps,
    # trust radii, done masks) is shared by every branch.
    blocks = blocks or TimedBlocks()
    eps = torch.finfo(starts.dtype).eps

    def both(z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        g = residual(z)
        return g, g

    jac = vmap(jacrev(both, has_aux=True))
    z = starts.clone()
    best = z.clone()
    inf = torch.full((len(z),), torch.inf, dtype=z.dtype, device=z.device)
    best_res, best_step, ref = inf.clone(), inf.clone(), inf.clone()
    located = torch.zeros(len(z), dtype=torch.bool, device=z.device)
    prev_g, taken, prev_full = torch.zeros_like(z), torch.zeros_like(z), inf.clone()
    since = torch.zeros(len(z), dtype=torch.long, device=z.device)
    active = torch.ones(len(z), dtype=torch.bool, device=z.device)
    for it in range(iterations + 1):
        index = torch.nonzero(active).flatten()
        if len(index) == 0:
            break
        for block in blocks.split(index):
            zb = z[block]
            j, g = jac(zb)
            finite = torch.isfinite(g).all(-1) & torch.isfinite(j).all((-2, -1))
            j, g = torch.nan_to_num(j), torch.nan_to_num(g)
            step = -(torch.linalg.pinv(j, rtol=rtol) @ g.unsqueeze(-1)).squeeze(-1)
            length = torch.linalg.vector_norm(step, dim=-1)
            gnorm = torch.where(finite, torch.linalg.vector_norm(g, dim=-1), torch.inf)
            model = torch.linalg.vector_norm((j @ step.unsqueeze(-1)).squeeze(-1) + g, dim=-1)
            better = gnorm < best_res[block]
            best[block] = torch.where(better.unsqueeze(-1), zb, best[block])
            best_res[block] = torch.where(better, gnorm, best_res[block])
            best_step[block] = torch.where(better, length, best_step[block])
            located[block] = torch.where(better, model <= 0.5 * gnorm, located[block])
            halved = gnorm <= 0.5 * ref[block]
            ref[block] = torch.where(halved, gnorm, ref[block])
            since[block] = torch.where(halved, 0, since[block] + 1)
            size = torch.linalg.vector_norm(zb, dim=-1)
            stuck = (since[block] >= patience) & (best_step[block] <= settle)
            done = ~finite | (gnorm <= stop_norm) | (length <= 4 * eps * size) | stuck
            if escape is not None:
                centre, radius, k = escape
                far = torch.linalg.vector_norm(zb[:, :k] - centre, dim=-1) > radius
                done = done | far
            if it == iterations:
                done = torch.ones_like(done)
            scaled = step * secant_scale(prev_g[block], g, taken[block], prev_full[block])[:, None]
            reach = torch.linalg.vector_norm(scaled, dim=-1).clamp_min(1e-300)
            capped = scaled * torch.clamp(max_step / reach, max=1.0).unsqueeze(-1)
            prev_g[block], taken[block], prev_full[block] = g, capped, length
            z[block] = torch.where(done.unsqueeze(-1), zb, zb + capped)
            active[block] = ~done
            yield min(1.0, (it + (int(block[-1]) + 1) / max(1, int(index[-1]) + 1)) / iterations)
    residuals = torch.where(torch.isfinite(best_res), best_res, torch.nan)
    return NewtonResult(best, residuals, best_step, located)
