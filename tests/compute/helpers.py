"""Small helpers shared by the compute tests."""

import numpy as np

from compute import Modes, Window, critical_points, drain, scenario


def find_critical(sid, params=None, modes=None, window=None):
    spec = scenario(sid)
    return drain(
        critical_points(spec.objective(params), modes or Modes(), Window(window or spec.window))
    )


def isolated(points, kind):
    return [p for p in points if p.kind == kind and len(p.members) == 1]


def near(points, target, tol=1e-6):
    return [p for p in points if np.linalg.norm(p.point - np.asarray(target)) < tol]
