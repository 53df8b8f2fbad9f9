"""Regenerate the README's figures of what the seeds predict for the network scenarios.

    .venv/bin/python resources/make_gallery.py      # writes resources/gallery/*.png

Each panel trains a scenario with its defaults (Adam, full batch, seed 0) with
``compute.run_from_init`` and plots its metric (or loss) per step, with the reference lines the
seed compares against; teacher scenarios also show the distance up to the network's symmetries
(dashed). Uses matplotlib's non-GUI canvas.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
from matplotlib.figure import Figure

from compute import STATUS_NAMES, RunConfig, network, run_from_init

OUT = Path(__file__).with_name("gallery")
PANELS = (
    ("li-yuan", "metric", "‖W − W*‖_F", "Li–Yuan: the student recovers the teacher"),
    ("resnet-block", "metric", "distance to teacher", "One-block ResNet: stalls away from it"),
    ("li-yuan-on-resnet", "loss", "loss", "Li–Yuan student on a ResNet teacher"),
    ("relaxation", "metric", "distance to teacher", "Relaxation warm start: no recovery"),
    ("residual-predictor", "loss", "loss", "Residual predictor vs F_lin (Shamir)"),
    ("linear-residual", "metric", "max ‖A_i‖₂", "Hardt & Ma: small-norm linear residual net"),
)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    fig = Figure(figsize=(12, 7), layout="constrained")
    axes = fig.subplots(2, 3)
    for ax, (sid, field, label, title) in zip(axes.ravel(), PANELS, strict=True):
        problem = network(sid).problem()
        h = run_from_init(problem, RunConfig("adam", lr=0.01, steps=1500))
        values = h.loss[:, 0] if field == "loss" else h.metrics[field][:, 0]
        ok = np.isfinite(values)
        ax.plot(h.steps[ok], values[ok], color="#0072B2", lw=2, label=label)
        if "aligned_distance" in h.metrics:
            aligned = h.metrics["aligned_distance"][:, 0]
            ax.plot(h.steps, aligned, color="#009E73", ls="--", lw=2, label="up to symmetries")
        for name, value in problem.baselines.items():
            if field == "loss":
                ax.axhline(value, color="#D55E00", ls="--", lw=1.5, label=f"{name} = {value:.3g}")
        if field == "loss":
            ax.set_yscale("log")
        status, steps = STATUS_NAMES[int(h.final.status[0])], int(h.final.stopped_at[0])
        ax.set_title(f"{title}\n({sid}, {status} after {steps} steps)", fontsize=10)
        ax.set_xlabel("step")
        ax.set_ylabel(label)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    fig.savefig(OUT / "seed-outcomes.png", dpi=110)
    print(f"wrote {OUT / 'seed-outcomes.png'}")


if __name__ == "__main__":
    main()
