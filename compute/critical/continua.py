"""Grouping Newton roots: one point per root, blobs around degenerate points, true continua.

Newton from many starts lands on the same isolated root many times (to rounding), lands
*around* an isolated degenerate root (it converges only linearly there, so the landing points
scatter within a small blob), and lands at many different points of a continuum of critical
points (a curve, a flat region), about one start spacing h apart. These helpers tell the three
apart by geometry; the caller checks that a continuum's links run through critical points.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse
import scipy.sparse.csgraph
import scipy.spatial

BLOB = 0.25
"""A cluster of degenerate roots narrower than BLOB·h is one isolated point (a blob)."""


def _components(n: int, pairs: np.ndarray) -> np.ndarray:
    """Connected-component labels (n,) of the graph with edges ``pairs`` (E, 2)."""
    if n == 0:
        return np.zeros(0, dtype=int)
    data = np.ones(len(pairs))
    graph = scipy.sparse.coo_matrix((data, (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    return scipy.sparse.csgraph.connected_components(graph, directed=False)[1]


@np.errstate(all="ignore")  # far-out roots may overflow; they are non-finite
def merge_same(points: np.ndarray, uncertainty: np.ndarray, radius: float) -> np.ndarray:
    """Labels (N,) joining roots i, j with ‖p_i − p_j‖ ≤ radius + u_i + u_j (transitively).

    ``uncertainty`` u (N,) is each root's location uncertainty (its last Newton step): roots
    whose uncertainty balls overlap may be the same root, found to different accuracy.
    """
    if len(points) == 0:
        return np.zeros(0, dtype=int)
    u = np.where(np.isfinite(uncertainty), uncertainty, 0.0)
    tree = scipy.spatial.cKDTree(points)
    pairs = tree.query_pairs(radius + 2 * float(u.max()), output_type="ndarray")
    if len(pairs):
        dist = np.linalg.norm(points[pairs[:, 0]] - points[pairs[:, 1]], axis=1)
        pairs = pairs[dist <= radius + u[pairs[:, 0]] + u[pairs[:, 1]]]
    return _components(len(points), pairs.reshape(-1, 2))


@np.errstate(all="ignore")
def link_clusters(points: np.ndarray, link: float) -> np.ndarray:
    """Single-linkage labels (N,): points closer than ``link`` share a cluster."""
    if len(points) == 0:
        return np.zeros(0, dtype=int)
    pairs = scipy.spatial.cKDTree(points).query_pairs(link, output_type="ndarray")
    return _components(len(points), pairs.reshape(-1, 2))


@np.errstate(all="ignore")
def extent(points: np.ndarray) -> float:
    """The diagonal of the points' bounding box (0 for one point)."""
    return float(np.linalg.norm(points.max(axis=0) - points.min(axis=0))) if len(points) else 0.0


@np.errstate(all="ignore")
def spanning_edges(points: np.ndarray) -> np.ndarray:
    """The edges (E, 2) of the Euclidean minimum spanning tree of ``points`` (m, n)."""
    if len(points) < 2:
        return np.zeros((0, 2), dtype=int)
    dist = scipy.spatial.distance_matrix(points, points)
    # coincident points would be missing edges (a zero is "no edge" for csgraph)
    dist = np.where(dist > 0, dist, np.finfo(float).tiny)
    np.fill_diagonal(dist, 0.0)
    tree = scipy.sparse.csgraph.minimum_spanning_tree(dist).tocoo()
    return np.stack([tree.row, tree.col], axis=1).astype(int)


def split_by_edges(n: int, edges: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Component labels (n,) after dropping the edges where ``keep`` (E,) is False."""
    return _components(n, edges[keep].reshape(-1, 2))


@np.errstate(all="ignore")
def continuum_nature(eigenvalues: np.ndarray, tol: float) -> str:
    """What the members of an interior continuum are, from their Hessian eigenvalues (m, n).

    ``flat`` where ∇²F vanishes at every member, ``minimum`` / ``maximum`` where the nonzero
    curvatures all have one sign (a valley or ridge of critical points), else ``saddle``.
    """
    eig = eigenvalues[np.isfinite(eigenvalues)]
    if len(eig) == 0 or np.all(np.abs(eig) <= tol):
        return "flat"
    if np.all(eig >= -tol):
        return "minimum"
    if np.all(eig <= tol):
        return "maximum"
    return "saddle"


@np.errstate(all="ignore")
def boundary_continuum_nature(
    multipliers: np.ndarray,
    tangent: np.ndarray,
    eigenvalues: np.ndarray,
    tol_mu: float,
    tol_eig: float,
) -> str:
    """The same for a continuum on a face, from its members' μ (m, k), tangent curvatures and
    Hessian eigenvalues (m, n): where every μ = 0 the members are critical points of F lying
    on the boundary and their Hessians decide, as inside."""
    mu, t = multipliers[np.isfinite(multipliers)], tangent[np.isfinite(tangent)]
    if np.all(np.abs(mu) <= tol_mu):
        return continuum_nature(eigenvalues, tol_eig)
    if np.all(np.abs(mu) <= tol_mu) and np.all(np.abs(t) <= tol_eig):
        return "flat"
    if np.all(mu >= -tol_mu) and np.all(t >= -tol_eig):
        return "minimum"
    if np.all(mu <= tol_mu) and np.all(t <= tol_eig):
        return "maximum"
    return "saddle"
