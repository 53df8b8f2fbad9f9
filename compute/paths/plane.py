"""The plane a path lives in: through its two ends and its bend, so that a curved path is drawn
in the one slice that holds its defining points.

A quadratic Bezier curve φ(t) = (1 − t)² a + 2t(1 − t) c + t² b lies entirely in the affine plane
through a, b and its bend c (every φ(t) is an affine combination of the three, weights summing
to 1), so there it is drawn without any projection error. A band's images are not coplanar in
general; its plane goes through the ends and the highest image (the saddle estimate), which then
lie in it exactly, and the other images are drawn as their projections (their distance from the
plane is reported). A straight line has no third direction: its midpoint lies on the segment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from compute.errors import LandscapeError
from compute.geometry.planes import Plane, Window4, frame_window, three_point_plane
from compute.landscapes.plane_choice import PlaneSpec, decode, plane_spec
from compute.objectives.problem import Problem
from compute.paths.result import PathResult

BEND_NAMES = {"bezier": "bend", "neb": "highest image"}
"""What the third point of a path's plane is called, by method."""
MARGIN = 0.25
"""The window frames the path's projection with this share of its extent on each side."""


@dataclass(frozen=True, eq=False)
class PathPlane:
    """A path's plane and the path drawn in it.

    spec : the plane as the session keeps it (kind ``points``; its vectors in float32, marks at
        the ends and the bend); window : (amin, amax, bmin, bmax) framing the path
    coords : (K, 2) the path's nodes projected onto the saved plane (its map coordinates there)
    distance : (K,) each node's distance from that plane (0 up to float32 rounding for the three
        points and, for a Bezier curve, for every node)
    points : name → (n,) the three points the plane goes through, in order
    """

    spec: PlaneSpec
    window: Window4
    coords: np.ndarray
    distance: np.ndarray
    points: dict[str, np.ndarray]


def bend_of(result: PathResult) -> tuple[str, np.ndarray]:
    """The path's third point with its name: a curve's bend (``control[1]``), a band's highest
    image (``nodes[saddle.node]``). A LandscapeError says why there is none (a straight line;
    a band whose highest image is one of its ends)."""
    if result.method == "bezier":
        return BEND_NAMES["bezier"], np.asarray(result.control[1])
    if result.method == "neb":
        k = result.saddle.node
        if k in (0, len(result.nodes) - 1):
            raise LandscapeError(
                "the band's highest point is one of its ends: no third point to span a plane"
            )
        return BEND_NAMES["neb"], np.asarray(result.nodes[k])
    raise LandscapeError(
        "a straight line has no bend: its midpoint lies on the line, so its points span no plane"
    )


def plane_reason(result: PathResult | None, sliced: bool) -> str:
    """Why ``result`` cannot be shown in its own plane ("" where it can), for a button's
    tooltip."""
    if result is None:
        return "Connect two points first."
    if not sliced:
        return "The map is the whole parameter space: the path is drawn as it is."
    try:
        bend_of(result)
    except LandscapeError as exc:
        return f"{str(exc)[0].upper()}{str(exc)[1:]}."
    return ""


def _names(result: PathResult, bend: str) -> list[str]:
    """Three distinct mark names: the ends' names (``from``/``to`` where they clash) and the
    bend's."""
    a, b = (e.strip() or d for e, d in zip(result.ends, ("from", "to"), strict=True))
    if len({a, b, bend}) < 3:
        a, b = f"from {a}"[:80], f"to {b}"[:80]
    return [a, b, bend]


def path_plane(problem: Problem, result: PathResult) -> PathPlane:
    """The plane through ``result``'s first node a, last node b and its bend c (``bend_of``):
    origin a, d₁ = (b − a)/‖b − a‖, d₂ the unit part of c − a orthogonal to d₁
    (``three_point_plane``; a, b are Euclidean coordinates in θ). The path's nodes are projected
    onto the plane *as saved* (float32 vectors, what the map is computed on), so the drawn path
    is where the map puts it. LandscapeError for a line, coinciding or collinear points, or a
    path of another problem's size."""
    name, bend = bend_of(result)
    nodes = np.asarray(result.nodes, dtype=np.float64)
    if nodes.shape[1] != problem.dim:
        raise LandscapeError(
            f"the path has {nodes.shape[1]} parameters, {problem.id} {problem.dim}"
        )
    names = _names(result, name)
    points = dict(
        zip(names, (nodes[0], nodes[-1], np.asarray(bend, dtype=np.float64)), strict=True)
    )
    plane = three_point_plane({k: torch.from_numpy(v) for k, v in points.items()}, MARGIN)
    spec = plane_spec(plane, f"the {result.method} path {result.ends[0]} → {result.ends[1]}")
    projection = Plane(*decode(spec.vectors), "points", True).project(nodes)
    marks = np.array([m[1:] for m in spec.marks])
    window = frame_window(np.vstack([projection.coords, marks]), MARGIN)
    return PathPlane(spec, window, projection.coords, projection.distance, points)
