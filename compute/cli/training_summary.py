"""What ``train`` reports of a finished run: final values, metrics, block norms and the
constraint's norm (JSON-ready)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from compute.cli.building import caveats, finite
from compute.dynamics.optimizers import RunConfig
from compute.dynamics.run_records import RunHistory
from compute.networks.sliced import SlicedProblem
from compute.objectives.modes import Modes
from compute.vocabulary import STATUS_NAMES


def train_summary(problem: SlicedProblem, config: RunConfig, h: RunHistory) -> dict[str, Any]:
    """The ``train --json`` object: final values, metrics (initial, final), status, curve."""
    labels = {m.key: m.label for m in problem.objective().metrics}
    loss = h.loss[:, 0]
    evaluated = np.isfinite(loss)
    metrics: dict[str, Any] = {}
    for key, values in h.metrics.items():
        col = values[:, 0]
        ok = col[np.isfinite(col)]
        if ok.size:
            metrics[key] = {"label": labels[key], "initial": float(ok[0]), "final": float(ok[-1])}
    metric = None
    if "metric" in metrics:
        m = metrics["metric"]
        metric = {"name": m["label"], "initial": m["initial"], "final": m["final"]}
    final = h.final
    last = {k: v["final"] for k, v in metrics.items()}
    return {
        "scenario": problem.id,
        "params": dict(problem.params),
        "optimizer": {"name": config.optimizer, "lr": config.lr, "batch_size": config.batch_size},
        "final_loss": finite(float(loss[evaluated][-1])) if evaluated.any() else None,
        "test_loss": last.get("test_loss"),
        "accuracy": last.get("accuracy"),
        "test_accuracy": last.get("test_accuracy"),
        "metric": metric,
        "metrics": metrics,
        "grad_norm": finite(float(h.grad_norm[-1, 0])),
        "projected_grad_norm": finite(float(h.projected[-1, 0])),
        "steps": int(final.stopped_at[0]),
        "status": STATUS_NAMES[int(final.status[0])],
        "curve": [finite(v) for v in loss[evaluated]],
        "curve_steps": h.steps[evaluated].tolist(),
        "baselines": dict(problem.baselines),
        "warnings": caveats(problem),
    }


def block_norms(problem: SlicedProblem, h: RunHistory) -> dict[str, dict[str, float]]:
    """‖block‖_F of each parameter block at the start and the end of the run."""
    thetas = torch.as_tensor(h.thetas[[0, -1], 0, :], dtype=torch.float64)
    out = {}
    for b in problem.layout.blocks:
        norm = thetas[:, b.offset : b.stop].norm(dim=-1)
        out[b.name] = {"initial": float(norm[0]), "final": float(norm[1])}
    return out


def constrained_norms(modes: Modes, h: RunHistory) -> dict[str, float]:
    """‖θ_B‖₂ (ball) or max|θ_B| (box) of the constrained coordinates at the start and the end
    of the run, with the radius: whether the projection acted (``final`` = R)."""
    c = modes.constraint
    assert c is not None
    thetas = torch.as_tensor(h.thetas[[0, -1], 0, :], dtype=torch.float64)
    part = c.part(thetas)
    norm = part.norm(dim=-1) if c.kind == "ball" else part.abs().amax(dim=-1)
    return {"initial": float(norm[0]), "final": float(norm[1]), "radius": c.radius}


def joint_norm(problem: SlicedProblem, h: RunHistory, names: tuple[str, ...]) -> dict[str, Any]:
    """‖(θ_B₁, θ_B₂, …)‖₂ of the named blocks together at the start and the end of the run."""
    thetas = torch.as_tensor(h.thetas[[0, -1], 0, :], dtype=torch.float64)
    parts = [thetas[:, b.offset : b.stop] for b in problem.layout.blocks if b.name in names]
    norm = torch.cat(parts, dim=-1).norm(dim=-1)
    return {"blocks": list(names), "initial": float(norm[0]), "final": float(norm[1])}
