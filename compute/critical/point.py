"""What the critical-point search returns: points with their kind, a note on what it could not
resolve, and its progress records."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

KINDS = ("minimum", "saddle", "maximum", "degenerate")
METHODS = ("hessian", "kkt", "sampling", "continuum")


@dataclass(frozen=True)
class CriticalProgress:
    """Where a search is: ``stage`` (``scales``, ``interior``, ``boundary <face>``,
    ``classify``) and ``fraction`` ∈ [0, 1] of the whole search, non-decreasing."""

    stage: str
    fraction: float


@dataclass(frozen=True)
class CriticalPoint:
    """A critical point (or a continuum of them) of F restricted to the constraint set.

    Attributes
    ----------
    point : (n,) the point (for a continuum: the member nearest the set's centroid)
    loss : F at ``point``
    grad_norm : ‖∇F‖ in the interior; the KKT residual ‖∇F + Jcᵀμ‖ on the boundary
    hessian_eigenvalues : (n,) ascending eigenvalues of ∇²F at ``point``
    kind : one of KINDS, what the point is for F on the feasible set: ``minimum`` (F higher
        at every feasible point nearby), ``maximum``, ``saddle`` (higher and lower feasible
        points arbitrarily close), ``degenerate`` (a continuum, or an isolated point where F
        is flat to rounding in some direction at every scale probed)
    on_boundary : whether the point lies on the boundary of the constraint set
    nature : for a continuum, what its members are by their nonzero curvatures (``minimum``,
        ``maximum``, ``saddle``, or ``flat`` when ∇²F vanishes); for an isolated degenerate
        point, what sampling saw around it (``minimum``: nothing lower, F flat in some
        direction; ``maximum``; ``flat``); otherwise equal to ``kind``
    members : (m, n) the distinct roots found on a continuum (m = 1 for an isolated point)
    multipliers : (k,) μ on the active face, empty in the interior
    tangent_eigenvalues : eigenvalues of the Lagrangian Hessian on the face's tangent space
    hessian_eigenvectors : (n, n) unit eigenvectors of ∇²F as columns, in eigenvalue order
    classified_by : how ``kind`` was decided, one of METHODS: ``hessian`` (eigenvalue signs),
        ``kkt`` (multipliers and tangent curvature), ``sampling`` (F on small spheres around
        the point, where those were inconclusive), ``continuum``
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
    classified_by: str = "hessian"

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "point": self.point.tolist(),
            "loss": float(self.loss),
            "grad_norm": float(self.grad_norm),
            "hessian_eigenvalues": self.hessian_eigenvalues.tolist(),
            "kind": self.kind,
            "on_boundary": self.on_boundary,
            "classified_by": self.classified_by,
        }
        if len(self.members) > 1:
            data["continuum"] = {"nature": self.nature, "members": self.members.tolist()}
        if self.on_boundary:
            data["multipliers"] = self.multipliers.tolist()
            data["tangent_eigenvalues"] = self.tangent_eigenvalues.tolist()
        return data


@dataclass(frozen=True)
class CriticalSearch:
    """The outcome of one search: ``points`` (sorted by loss) and ``note``, a sentence for the
    user on where starts came close to a critical point the search could not resolve, or why
    it found none at all ("" when every near-critical place became a point)."""

    points: tuple[CriticalPoint, ...]
    note: str = ""
