"""Critical points of F on a window (and on a constraint set): find, deduplicate, classify.

Interior points are roots of ∇F found by batched multi-start Newton (pseudo-inverse steps, so
non-isolated roots are reached too) with scipy's Levenberg–Marquardt as the fallback. Boundary
points are KKT points of each face {c(θ) = 0} of the constraint set, roots of
``[∇F + Jcᵀμ; c] = 0`` by the same Newton. Roots that form a continuum (a curve or a flat
region of degenerate critical points) are reported once, as a set.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.optimize
import scipy.sparse.csgraph
import scipy.spatial
import torch
from torch.func import jacrev, vmap

from compute.derivatives import second_order
from compute.grid import Window
from compute.modes import ActiveFace, Modes
from compute.objective import Objective

KINDS = ("minimum", "saddle", "maximum", "degenerate")
STARTS_PER_AXIS = {1: 241, 2: 32}
ROOT_TOL = 1e-9
EIG_TOL = 1e-6


@dataclass(frozen=True)
class CriticalPoint:
    """A critical point (or a continuum of them) of F restricted to the constraint set.

    Attributes
    ----------
    point : (n,) the point (for a continuum: the member nearest the set's centroid)
    loss : F at ``point``
    grad_norm : ‖∇F‖ in the interior; the KKT residual ‖∇F + Jcᵀμ‖ on the boundary
    hessian_eigenvalues : (n,) ascending eigenvalues of ∇²F at ``point``
    kind : one of KINDS; interior points by the signs of ∇²F's eigenvalues, boundary points by
        the multipliers μ (μ ≥ 0: min-type KKT point) and the Lagrangian Hessian on the tangent
        space of the face; a continuum is ``degenerate``
    on_boundary : whether the point lies on the boundary of the constraint set
    nature : for a continuum, what its members are by their nonzero curvatures (``minimum``,
        ``maximum``, ``saddle``, or ``flat`` when ∇²F vanishes); otherwise equal to ``kind``
    members : (m, n) the distinct roots found on a continuum (m = 1 for an isolated point)
    multipliers : (k,) μ on the active face, empty in the interior
    tangent_eigenvalues : eigenvalues of the Lagrangian Hessian on the face's tangent space
    hessian_eigenvectors : (n, n) unit eigenvectors of ∇²F as columns, in eigenvalue order
    """

    point: np.ndarray
    loss: float
    grad_norm: float
    hessian_eigenvalues: np.ndarray
    kind: str
    on_boundary: bool
    nature: str
    members: np.ndarray
    multipliers: np.ndarray = field(default_factory=lambda: np.zeros(0))
    tangent_eigenvalues: np.ndarray = field(default_factory=lambda: np.zeros(0))
    hessian_eigenvectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "point": self.point.tolist(),
            "loss": float(self.loss),
            "grad_norm": float(self.grad_norm),
            "hessian_eigenvalues": self.hessian_eigenvalues.tolist(),
            "kind": self.kind,
            "on_boundary": self.on_boundary,
        }
        if len(self.members) > 1:
            data["continuum"] = {"nature": self.nature, "members": self.members.tolist()}
        if self.on_boundary:
            data["multipliers"] = self.multipliers.tolist()
            data["tangent_eigenvalues"] = self.tangent_eigenvalues.tolist()
        return data


def classify(eigenvalues: np.ndarray, scale: float) -> str:
    """minimum / maximum / saddle / degenerate from curvature signs, |λ| ≤ EIG_TOL·scale is 0."""
    tol = EIG_TOL * max(1.0, scale)
    if len(eigenvalues) == 0 or np.all(eigenvalues > tol):
        return "minimum"
    if np.all(eigenvalues < -tol):
        return "maximum"
    if np.any(eigenvalues > tol) and np.any(eigenvalues < -tol):
        return "saddle"
    return "degenerate"


def _newton_roots(
    residual: Callable[[torch.Tensor], torch.Tensor], starts: torch.Tensor, iterations: int = 60
) -> tuple[torch.Tensor, torch.Tensor]:
    """Batched Newton on G(z) = 0 with pseudo-inverse steps (min-norm at singular Jacobians).

    Steps are capped at ``max_step`` (a quarter of the start cloud's spread) so a start does not
    jump across the window. Returns the final z (B, m) and ‖G(z)‖ (B,).
    """
    jac = vmap(jacrev(residual))
    z = starts.clone()
    spread = float((starts.max(0).values - starts.min(0).values).norm()) or 1.0
    max_step = 0.25 * spread
    for _ in range(iterations):
        g = vmap(residual)(z)
        j = torch.nan_to_num(jac(z))
        g_safe = torch.nan_to_num(g)
        step = -(torch.linalg.pinv(j, rtol=1e-12) @ g_safe.unsqueeze(-1)).squeeze(-1)
        norm = torch.linalg.vector_norm(step, dim=-1, keepdim=True)
        step = step * torch.clamp(max_step / norm.clamp_min(1e-300), max=1.0)
        active = torch.linalg.vector_norm(g_safe, dim=-1) > ROOT_TOL * 1e-3
        z = torch.where(active[:, None], z + step, z)
        if not active.any():
            break
    return z, torch.linalg.vector_norm(vmap(residual)(z), dim=-1)


def _polish_with_scipy(
    residual: Callable[[torch.Tensor], torch.Tensor],
    z: torch.Tensor,
    norms: torch.Tensor,
    budget: int = 48,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Levenberg–Marquardt (scipy.optimize.root) on up to ``budget`` starts Newton left behind."""
    z, norms = z.clone(), norms.clone()
    failed = torch.nonzero(~(norms < ROOT_TOL)).flatten()[:budget]
    jac = jacrev(residual)
    for i in failed.tolist():
        if not torch.isfinite(z[i]).all():
            continue
        sol = scipy.optimize.root(
            lambda x: residual(torch.from_numpy(x)).numpy(),
            z[i].numpy(),
            jac=lambda x: jac(torch.from_numpy(x)).numpy(),
            method="lm",
        )
        cand = torch.from_numpy(sol.x)
        cand_norm = torch.linalg.vector_norm(residual(cand))
        if cand_norm < norms[i]:
            z[i], norms[i] = cand, cand_norm
    return z, norms


def _starts(window: Window) -> torch.Tensor:
    axes = window.axes(STARTS_PER_AXIS[window.dim])
    mesh = np.meshgrid(*axes, indexing="xy")
    return torch.from_numpy(np.stack([m.ravel() for m in mesh], axis=-1))


@dataclass(frozen=True)
class _Root:
    point: np.ndarray
    multipliers: np.ndarray
    residual: float
    face: ActiveFace | None


def _interior_roots(objective: Objective, window: Window) -> list[_Root]:
    def grad_f(theta: torch.Tensor) -> torch.Tensor:
        return torch.func.grad(objective.loss)(theta)

    z, norms = _newton_roots(grad_f, _starts(window))
    z, norms = _polish_with_scipy(grad_f, z, norms)
    return [
        _Root(p, np.zeros(0), float(r), None)
        for p, r in zip(z.numpy(), norms.tolist(), strict=True)
    ]


def _face_roots(objective: Objective, window: Window, face: ActiveFace) -> list[_Root]:
    n = objective.dim
    grad_f = torch.func.grad(objective.loss)

    def kkt(z: torch.Tensor) -> torch.Tensor:
        theta, mu = z[:n], z[n:]
        jc = jacrev(face.residual)(theta)
        return torch.cat([grad_f(theta) + jc.T @ mu, face.residual(theta)])

    theta0 = face.snap(_starts(window))
    theta0 = torch.unique(theta0, dim=0)
    jc0 = vmap(jacrev(face.residual))(theta0)
    g0 = vmap(grad_f)(theta0)
    mu0 = -(torch.linalg.pinv(jc0.transpose(-1, -2)) @ g0.unsqueeze(-1)).squeeze(-1)
    z, norms = _newton_roots(kkt, torch.cat([theta0, mu0], dim=-1))
    return [
        _Root(p[:n], p[n:], float(r), face) for p, r in zip(z.numpy(), norms.tolist(), strict=True)
    ]


def _tangent_eigenvalues(objective: Objective, root: _Root, hess: np.ndarray) -> np.ndarray:
    """Eigenvalues of Zᵀ(∇²F + Σ μₖ∇²cₖ)Z, Z an orthonormal basis of the face's tangent space."""
    face = root.face
    assert face is not None
    theta = torch.from_numpy(root.point)
    mu = torch.from_numpy(root.multipliers)
    jc = jacrev(face.residual)(theta).numpy()
    lagr = hess + jacrev(jacrev(lambda t: face.residual(t) @ mu))(theta).numpy()
    basis = scipy.linalg.null_space(jc)
    if basis.shape[1] == 0:
        return np.zeros(0)
    return np.linalg.eigvalsh(basis.T @ lagr @ basis)


def _classify_boundary(mult: np.ndarray, tangent: np.ndarray, scale: float) -> str | None:
    tol = EIG_TOL * max(1.0, scale)
    if np.all(mult >= -tol):
        return classify(tangent, scale)
    if np.all(mult <= tol) and np.all(tangent < -tol):
        return "maximum"
    return None  # stationary on its face, but F decreases into the set: not a critical point


def _describe(objective: Objective, roots: list[_Root]) -> list[CriticalPoint]:
    """Evaluate and classify each root (boundary roots by their KKT conditions)."""
    if not roots:
        return []
    pts = torch.from_numpy(np.stack([r.point for r in roots]))
    d = second_order(objective.loss, pts)
    eig = d.hessian_eigenvalues().numpy()
    hess = np.nan_to_num(d.hessian.numpy())
    out = []
    for i, root in enumerate(roots):
        scale = float(np.max(np.abs(eig[i]))) if np.isfinite(eig[i]).all() else 1.0
        if root.face is None:
            kind: str | None = classify(eig[i], scale)
            tangent = np.zeros(0)
        else:
            tangent = _tangent_eigenvalues(objective, root, d.hessian[i].numpy())
            kind = _classify_boundary(root.multipliers, tangent, scale)
        if kind is None:
            continue
        out.append(
            CriticalPoint(
                root.point,
                float(d.loss[i]),
                root.residual,
                eig[i],
                kind,
                root.face is not None,
                kind,
                root.point[None, :],
                root.multipliers,
                tangent,
                np.linalg.eigh(hess[i])[1],
            )
        )
    return out


def _deduplicate(roots: list[_Root], radius: float) -> list[_Root]:
    """Keep one root per ball of ``radius`` (the one with the smallest residual)."""
    kept: list[_Root] = []
    for r in sorted(roots, key=lambda c: c.residual):
        if all(np.linalg.norm(r.point - q.point) > radius for q in kept):
            kept.append(r)
    return kept


def _absorb_into_continua(
    boundary: list[CriticalPoint], interior: list[CriticalPoint], link: float
) -> list[CriticalPoint]:
    """Drop boundary points with μ = 0 that lie on an interior continuum (reported already)."""
    continua = [p.members for p in interior if len(p.members) > 1]
    if not continua:
        return boundary
    members = np.concatenate(continua)
    return [
        p
        for p in boundary
        if np.any(np.abs(p.multipliers) > EIG_TOL)
        or np.min(np.linalg.norm(members - p.point, axis=1)) > link
    ]


def _merge_continua(points: list[CriticalPoint], link: float) -> list[CriticalPoint]:
    """Report each connected cloud (single linkage at ``link``) of ≥ 3 degenerate roots once."""
    degenerate = [p for p in points if p.kind == "degenerate"]
    others = [p for p in points if p.kind != "degenerate"]
    if len(degenerate) < 3:
        return points
    coords = np.stack([p.point for p in degenerate])
    graph = scipy.spatial.distance_matrix(coords, coords) <= link
    n_comp, labels = scipy.sparse.csgraph.connected_components(graph, directed=False)
    for comp in range(n_comp):
        group = [degenerate[i] for i in np.flatnonzero(labels == comp)]
        if len(group) < 3:
            others.extend(group)
            continue
        members = np.stack([p.point for p in group])
        centre = members.mean(axis=0)
        rep = min(group, key=lambda p: float(np.linalg.norm(p.point - centre)))
        others.append(
            replace(
                rep,
                grad_norm=max(p.grad_norm for p in group),
                kind="degenerate",
                nature=_continuum_nature(group),
                members=members,
            )
        )
    return others


def _continuum_nature(group: list[CriticalPoint]) -> str:
    eig = np.concatenate([p.hessian_eigenvalues for p in group])
    tol = EIG_TOL * max(1.0, float(np.max(np.abs(eig))))
    if np.all(np.abs(eig) <= tol):
        return "flat"
    if np.all(eig >= -tol):
        return "minimum"
    if np.all(eig <= tol):
        return "maximum"
    return "saddle"


def critical_points(
    objective: Objective, modes: Modes, window: Window
) -> Generator[str, None, list[CriticalPoint]]:
    """Every critical point of F + (λ/2)‖θ‖² in ``window`` ∩ C, deduplicated and classified.

    Yields the name of each stage as it starts (interior, then each boundary face); returns the
    points sorted by loss.
    """
    objective = modes.apply(objective)
    constraint = modes.constraint
    diag = float(np.linalg.norm([hi - lo for lo, hi in window.ranges()]))
    spacing = diag / (STARTS_PER_AXIS[window.dim] - 1)
    yield "interior"
    roots = _interior_roots(objective, window)
    if constraint is not None:
        for face in constraint.faces(objective.dim):
            yield f"boundary {face.label}"
            roots.extend(_face_roots(objective, window, face))
    tol_root = ROOT_TOL * 10
    roots = [
        r
        for r in roots
        if np.isfinite(r.point).all() and r.residual < tol_root and window.contains(r.point)
    ]
    if constraint is not None:
        inside = constraint.contains(
            torch.from_numpy(np.stack([r.point for r in roots]))
            if roots
            else torch.zeros(0, objective.dim)
        )
        roots = [r for r, ok in zip(roots, inside.tolist(), strict=True) if ok]
        roots = [r for r in roots if r.face is not None or not _on_surface(constraint, r.point)]
    described = _describe(objective, _deduplicate(roots, 1e-6 * diag))
    link = 2.0 * spacing
    interior = _merge_continua([p for p in described if not p.on_boundary], link)
    boundary = _merge_continua([p for p in described if p.on_boundary], link)
    result = interior + _absorb_into_continua(boundary, interior, link)
    return sorted(result, key=lambda p: (p.loss, tuple(p.point)))


def _on_surface(constraint: object, point: np.ndarray) -> bool:
    """Whether an interior root sits on the boundary (then the face search reports it)."""
    faces = constraint.faces(len(point))  # type: ignore[attr-defined]
    theta = torch.from_numpy(point)
    return any(bool(torch.all(f.residual(theta).abs() < 1e-9)) for f in faces)
