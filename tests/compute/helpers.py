"""Small helpers shared by the compute tests."""

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F

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


def assert_slice_is_the_modules(problem, plane, result):
    """Every value of ``result`` (a slice of a user's classifier on ``plane``) equals a plain
    loop over a copy of its module: ``vector_to_parameters`` + eval forward + cross-entropy."""
    model = copy.deepcopy(problem.parts.evaluator).eval()
    params = [p for p in model.parameters() if p.requires_grad]
    x, y = problem.train
    for i, b in enumerate(result.axes[1]):
        for j, a in enumerate(result.axes[0]):
            theta = plane.origin + a * plane.d1 + b * plane.d2
            torch.nn.utils.vector_to_parameters(theta.clone(), params)
            with torch.no_grad():
                want = float(F.cross_entropy(model(x), y))
            assert result.values["loss"][i, j] == pytest.approx(want, rel=1e-5)
