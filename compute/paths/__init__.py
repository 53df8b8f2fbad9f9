"""Paths between two points of a landscape: the straight line, the line after aligning the
far end by the network's symmetries, a nudged elastic band with climbing image, a trained
quadratic Bezier curve; the loss profile along each, barrier heights and the highest point
with its Hessian index."""

from compute.paths.band import BandResult, BandSettings, band, band_forces, tangents
from compute.paths.bezier import CurveResult, bezier_points, train_bezier
from compute.paths.connect import connect, highest_point
from compute.paths.result import (
    METHODS,
    Barrier,
    PathRequest,
    PathResult,
    PathStep,
    Saddle,
    evaluate_profile,
)

__all__ = [
    "METHODS",
    "BandResult",
    "BandSettings",
    "Barrier",
    "CurveResult",
    "PathRequest",
    "PathResult",
    "PathStep",
    "Saddle",
    "band",
    "band_forces",
    "bezier_points",
    "connect",
    "evaluate_profile",
    "highest_point",
    "tangents",
    "train_bezier",
]
