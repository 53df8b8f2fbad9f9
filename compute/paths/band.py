"""The nudged elastic band with climbing image (Henkelman, Uberuaga & Jónsson 2000; Draxler
et al. 2018's AutoNEB uses it between network minima).

Images R₁ … R_K between fixed ends R₀ = a and R_{K+1} = b move under

    F_i = −∇E(R_i) + (∇E(R_i)·τ_i) τ_i + k (|R_{i+1} − R_i| − |R_i − R_{i−1}|) τ_i

(the true force perpendicular to the path, the spring force along it) with the upwind tangent
τ_i of Henkelman & Jónsson (2000). The highest image, once climbing, feels no spring and the
parallel force reversed, F = −∇E + 2(∇E·τ)τ, so it converges to a saddle point: a point with
∇E = 0, the highest point of the minimum energy path. Without climbing the images only
sample the path and the highest one misses the saddle by up to half an image spacing.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass

import numpy as np
import torch

from compute.paths.result import PathStep

YIELD_SECONDS = 0.05


@dataclass(frozen=True, eq=False)
class BandResult:
    """Images (K + 2, n) with the ends, their energies (K + 2,), steps taken, whether the
    forces fell below tolerance (or, for a stochastic optimiser, the energies settled), and
    the largest force at the end."""

    nodes: torch.Tensor
    energies: torch.Tensor
    steps: int
    converged: bool
    force: float


def tangents(nodes: torch.Tensor, energies: torch.Tensor) -> torch.Tensor:
    """Upwind unit tangents (K, n) at the interior nodes of (K + 2, n) with energies (K + 2,)
    (Henkelman & Jónsson 2000, eqs. 8-11): towards the higher neighbour, blended by the
    energy differences at extrema of the band."""
    fwd = nodes[2:] - nodes[1:-1]
    back = nodes[1:-1] - nodes[:-2]
    e_prev, e, e_next = energies[:-2], energies[1:-1], energies[2:]
    up = (e_next > e) & (e > e_prev)
    down = (e_next < e) & (e < e_prev)
    d_next, d_prev = (e_next - e).abs(), (e_prev - e).abs()
    big, small = torch.maximum(d_next, d_prev), torch.minimum(d_next, d_prev)
    higher_next = (e_next > e_prev)[:, None]
    mixed = torch.where(
        higher_next,
        fwd * big[:, None] + back * small[:, None],
        fwd * small[:, None] + back * big[:, None],
    )
    tau = torch.where(up[:, None], fwd, torch.where(down[:, None], back, mixed))
    norm = torch.linalg.vector_norm(tau, dim=-1, keepdim=True)
    fallback = fwd + back  # flat triples: the chord
    tau = torch.where(norm > 0, tau, fallback)
    return tau / torch.linalg.vector_norm(tau, dim=-1, keepdim=True).clamp_min(1e-300)


def band_forces(
    nodes: torch.Tensor,
    energies: torch.Tensor,
    grads: torch.Tensor,
    spring: float,
    climb: int | None,
) -> torch.Tensor:
    """NEB forces (K, n) on the interior nodes; ``climb``: the interior index that climbs."""
    tau = tangents(nodes, energies)
    parallel = (grads * tau).sum(-1, keepdim=True)
    lengths = torch.linalg.vector_norm(torch.diff(nodes, dim=0), dim=-1)
    springs = spring * (lengths[1:] - lengths[:-1])[:, None] * tau
    forces = -grads + parallel * tau + springs
    if climb is not None:
        forces[climb] = -grads[climb] + 2 * parallel[climb] * tau[climb]
    return forces


class Fire:
    """FIRE (Bitzek et al. 2006) on a stacked position vector: velocity Verlet with the
    velocity turned towards the force while power F·v stays positive, reset when it turns
    negative; the time step grows after 5 good steps up to ``dt_max``; no step longer than
    ``max_move``."""

    def __init__(self, dt: float, max_move: float) -> None:
        self.dt, self.dt_max, self.max_move = dt, 10 * dt, max_move
        self.alpha, self.good = 0.1, 0
        self.v: torch.Tensor | None = None

    def step(self, forces: torch.Tensor) -> torch.Tensor:
        v = torch.zeros_like(forces) if self.v is None else self.v
        power = float((forces * v).sum())
        if power > 0:
            f_norm = float(torch.linalg.vector_norm(forces))
            v_norm = float(torch.linalg.vector_norm(v))
            v = (1 - self.alpha) * v + self.alpha * v_norm * forces / max(f_norm, 1e-300)
            self.good += 1
            if self.good > 5:
                self.dt = min(self.dt * 1.1, self.dt_max)
                self.alpha *= 0.99
        else:
            v = torch.zeros_like(forces)
            self.dt *= 0.5
            self.alpha, self.good = 0.1, 0
        v = v + self.dt * forces
        move = self.dt * v
        longest = float(torch.linalg.vector_norm(move, dim=-1).max())
        if longest > self.max_move:
            move = move * (self.max_move / longest)
        self.v = v
        return move


Energy = Callable[[torch.Tensor, torch.Tensor | None], torch.Tensor]
"""``energy(θ[K, n], index) -> [K]``: F on the training samples ``index`` (None: all)."""


@dataclass(frozen=True)
class BandSettings:
    """How a band moves: ``optimizer`` ``fire`` (exact losses, time step ``lr``) or ``adam``
    (networks, rate ``lr``, minibatches of ``batch_size`` of ``samples`` where both are > 0,
    as AutoNEB trains its bands with SGD-like steps); ``spring`` in units of the largest
    gradient on the initial straight band per image spacing; ``check_every`` steps between
    the full-batch checks of a stochastic band, ``settle`` the energy change (relative to
    the initial band's energy range) below which such a band counts as converged."""

    images: int
    steps: int
    tol: float
    spring: float = 0.3
    climbing: bool = True
    optimizer: str = "fire"
    lr: float = 0.01
    samples: int = 0
    batch_size: int = 0
    seed: int = 0
    check_every: int = 25
    settle: float = 2e-3


def _snapshot(
    a: torch.Tensor, inner: torch.Tensor, b: torch.Tensor, energies: torch.Tensor
) -> tuple[np.ndarray, np.ndarray]:
    nodes = torch.cat([a[None], inner.detach(), b[None]])
    return nodes.cpu().numpy(), energies.detach().double().cpu().numpy()


def band(
    energy: Energy, a: torch.Tensor, b: torch.Tensor, settings: BandSettings
) -> Generator[PathStep, None, BandResult]:
    """Relax a band of ``settings.images`` images between fixed ends a, b (n,) on ``energy``
    (batched over images, differentiable).

    FIRE is converged when every image's force is below ``tol``; Adam also when, between two
    full-batch checks ``check_every`` steps apart, no image's energy moved by more than
    ``settle`` × the initial band's energy range (max F on the straight band − min F of the
    ends). The highest image climbs from the start (``climbing``). Yields a PathStep about
    every 50 ms (closing the generator stops the band there); returns the band.
    """
    # Long by design: one nudged-elastic-band iteration loop; tangents, springs, climbing and the
    # optimizer share its state.
    cfg = settings
    k = cfg.images
    s = torch.linspace(0, 1, k + 2, dtype=a.dtype, device=a.device)[:, None]
    inner = ((1 - s) * a + s * b)[1:-1].clone().requires_grad_(True)
    with torch.no_grad():
        ends = energy(torch.stack([a, b]), None)
    e0 = energy(inner, None)
    (g0,) = torch.autograd.grad(e0.sum(), inner)
    length = float(torch.linalg.vector_norm(b - a))
    scale = float(torch.linalg.vector_norm(g0, dim=-1).max())
    spring = cfg.spring * max(scale, 1e-12) * (k + 1) / max(length, 1e-300)
    spread = max(float(e0.detach().max() - ends.min()), 1e-12)
    fire = Fire(cfg.lr, max(length / (k + 1), 1e-12) * 0.2)
    adam = torch.optim.Adam([inner], lr=cfg.lr) if cfg.optimizer == "adam" else None
    stochastic = adam is not None and 0 < cfg.batch_size < cfg.samples
    gen = torch.Generator().manual_seed(cfg.seed)
    checked = e0.detach()
    last = time.perf_counter()
    force, converged, done = math.inf, False, 0
    e_all = torch.cat([ends[:1], e0.detach(), ends[1:]])
    for step in range(cfg.steps):
        index = None
        if stochastic:
            index = torch.randperm(cfg.samples, generator=gen)[: cfg.batch_size].to(a.device)
        e = energy(inner, index)
        (g,) = torch.autograd.grad(e.sum(), inner)
        with torch.no_grad():
            ends_now = ends if index is None else energy(torch.stack([a, b]), index)
            e_all = torch.cat([ends_now[:1], e.detach(), ends_now[1:]])
            full = torch.cat([a[None], inner.detach(), b[None]])
            climb = int(torch.argmax(e.detach())) if cfg.climbing else None
            forces = band_forces(full, e_all, g, spring, climb)
            force = float(torch.linalg.vector_norm(forces, dim=-1).max())
            done = step + 1
            if force < cfg.tol:
                converged = True
                break
            if adam is not None:
                if (step + 1) % cfg.check_every == 0:
                    now = energy(inner, None) if stochastic else e.detach()
                    moved = float((now - checked).abs().max())
                    checked = now
                    if moved <= cfg.settle * spread:
                        converged = True
                        break
                inner.grad = -forces
                adam.step()
            else:
                inner += fire.step(forces)
        if time.perf_counter() - last > YIELD_SECONDS:
            last = time.perf_counter()
            nodes, losses = _snapshot(a, inner, b, e_all)
            fraction = 0.9 * (step + 1) / cfg.steps
            yield PathStep("band", step + 1, cfg.steps, fraction, nodes, losses, force)
    final = torch.cat([a[None], inner.detach(), b[None]])
    with torch.no_grad():
        e_all = energy(final, None)
    return BandResult(final, e_all, done, converged, force)
