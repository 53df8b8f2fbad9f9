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

import torch

from compute.paths.result import PathStep

YIELD_SECONDS = 0.05
PATIENCE = 50
"""Band steps over which a network band's energies must settle (see ``band``)."""


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


def band(
    energy: Callable[[torch.Tensor], torch.Tensor],
    a: torch.Tensor,
    b: torch.Tensor,
    images: int,
    steps: int,
    tol: float,
    spring: float = 1.0,
    climbing: bool = True,
    optimizer: str = "fire",
    lr: float = 0.1,
) -> Generator[PathStep, None, BandResult]:
    """Relax a band of ``images`` images between fixed ends a, b (n,) on ``energy``
    (θ[K, n] → [K], batched, differentiable).

    ``optimizer="fire"`` (exact losses): FIRE with initial time step ``lr``, converged when
    every image's force is below ``tol``. ``"adam"`` (network losses, as AutoNEB trains its
    bands with SGD-like steps): Adam at rate ``lr`` on −F, converged when the forces fall below
    ``tol`` or when no image's energy moved by more than 10⁻³ of the band's energy range over
    the last PATIENCE steps. The highest image climbs from the start (``climbing``). Yields a
    PathStep about every 50 ms (closing the generator stops the band there); returns the band.
    """
    s = torch.linspace(0, 1, images + 2, dtype=a.dtype, device=a.device)[:, None]
    nodes = (1 - s) * a + s * b
    with torch.no_grad():
        ends = energy(torch.stack([a, b]))
    inner = nodes[1:-1].clone().requires_grad_(True)
    length = float(torch.linalg.vector_norm(b - a))
    fire = Fire(lr, max(length / (images + 1), 1e-12) * 0.2)
    adam = torch.optim.Adam([inner], lr=lr) if optimizer == "adam" else None
    history: list[torch.Tensor] = []
    last = time.perf_counter()
    force, converged, done = math.inf, False, 0
    e_all = torch.cat([ends[:1], ends[:1].new_full((images,), math.nan), ends[1:]])
    for step in range(steps):
        e = energy(inner)
        (g,) = torch.autograd.grad(e.sum(), inner)
        with torch.no_grad():
            e_all = torch.cat([ends[:1], e.detach(), ends[1:]])
            full = torch.cat([a[None], inner.detach(), b[None]])
            climb = int(torch.argmax(e.detach())) if climbing else None
            forces = band_forces(full, e_all, g, spring, climb)
            force = float(torch.linalg.vector_norm(forces, dim=-1).max())
            done = step + 1
            if force < tol:
                converged = True
                break
            if adam is not None:
                history.append(e_all.detach().clone())
                if len(history) > PATIENCE:
                    history.pop(0)
                    spread = float((e_all.max() - e_all.min()).abs())
                    moved = float((torch.stack(history) - e_all).abs().max())
                    if moved <= 1e-3 * max(spread, 1e-12):
                        converged = True
                        break
                inner.grad = -forces
                adam.step()
            else:
                inner += fire.step(forces)
        if time.perf_counter() - last > YIELD_SECONDS:
            last = time.perf_counter()
            yield PathStep(
                "band",
                step + 1,
                steps,
                0.9 * (step + 1) / steps,
                torch.cat([a[None], inner.detach(), b[None]]).cpu().numpy(),
                e_all.double().cpu().numpy(),
                force,
            )
    final = torch.cat([a[None], inner.detach(), b[None]])
    with torch.no_grad():
        e_all = energy(final)
    return BandResult(final, e_all, done, converged, force)
