"""Small helpers shared by the compute tests."""

import numpy as np

from compute import Modes, Window, critical_points, drain, scenario
from compute.scenarios import build_problem


def find_critical(sid, params=None, modes=None, window=None):
    spec = scenario(sid)
    return drain(
        critical_points(
            build_problem(spec.id, params).objective(),
            modes or Modes(),
            Window(window or spec.window),
        )
    )


def isolated(points, kind):
    return [p for p in points if p.kind == kind and len(p.members) == 1]


def near(points, target, tol=1e-6):
    return [p for p in points if np.linalg.norm(p.point - np.asarray(target)) < tol]
