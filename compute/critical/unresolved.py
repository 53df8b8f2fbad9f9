"""What a critical-point search could not resolve, said in a sentence the window can show."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from compute.critical import continua
from compute.critical.classify import Tolerances
from compute.critical.point import CriticalPoint
from compute.geometry.grid import Window

PLACES = 3
"""The most unresolved places one note names."""


@dataclass(frozen=True)
class Landings:
    """Where every Newton run of a search ended (interior and faces together).

    Attributes
    ----------
    point : (B, n) θ of each run's best iterate
    residual : (B,) ‖G‖ there (‖∇F‖ inside, the KKT residual on a face; NaN: not finite)
    step : (B,) the length of the full Newton step there: how far the root it points at is
    accepted : (B,) whether it was accepted as a root (``Tolerances.accepts``)
    """

    point: np.ndarray
    residual: np.ndarray
    step: np.ndarray
    accepted: np.ndarray

    @staticmethod
    def of(found: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], n: int) -> Landings:
        """From ``run_newton``'s (z, residuals, steps, accepted), θ = z[:, :n]."""
        z, residual, step, accepted = found
        return Landings(z[:, :n], residual, step, accepted)

    @staticmethod
    def join(parts: Sequence[Landings]) -> Landings:
        return Landings(
            np.concatenate([p.point for p in parts]),
            np.concatenate([p.residual for p in parts]),
            np.concatenate([p.step for p in parts]),
            np.concatenate([p.accepted for p in parts]),
        )


def _fmt(point: np.ndarray) -> str:
    return "(" + ", ".join(f"{v:.3g}" for v in point) + ")"


@np.errstate(all="ignore")
def unresolved_note(
    landings: Landings, points: Sequence[CriticalPoint], window: Window, tol: Tolerances
) -> str:
    """The note of a search: "" when every near-critical place became a point.

    A run is *unresolved* when it was refused, ended inside the window with ‖G‖ ≤ eps^¼·G
    (small enough for a settled root, ``Tolerances.accepts``) and a Newton step ≤ h (the root
    it points at lies within the start spacing, not across a plateau), and lies farther than 2h
    from every reported point and continuum member. Such runs within 2h of each other are one place
    (single linkage); the note names up to PLACES of them, least ‖G‖ first, with the
    tolerances that refused them: ‖G‖ ≤ √eps·G, or a root located within h/64 where Newton
    settled. With no point and no such place it names the roots the runs converged to outside
    the window (the best run of the place nearest to its centre), or else how close the runs
    came: the least ‖G‖ any run reached, and where.
    """
    finite = np.isfinite(landings.residual)
    inside = np.array([window.contains(p) for p in landings.point], dtype=bool)
    near = [p.members for p in points]
    members = np.concatenate(near) if near else np.zeros((0, landings.point.shape[1]))
    far = np.ones(len(landings.point), dtype=bool)
    if len(members):
        gaps = np.linalg.norm(landings.point[:, None, :] - members[None], axis=-1)
        far = gaps.min(axis=1) > 2 * tol.spacing
    loose = tol.eps**0.25 * tol.grad
    close = (landings.residual <= loose) & (landings.step <= tol.spacing)
    lost = np.flatnonzero(~landings.accepted & finite & inside & far & close)
    if len(lost):
        labels = continua.link_clusters(landings.point[lost], 2 * tol.spacing)
        best = [
            lost[labels == lab][np.argmin(landings.residual[lost[labels == lab]])]
            for lab in np.unique(labels)
        ]
        best.sort(key=lambda i: landings.residual[i])
        where = "; ".join(
            f"near {_fmt(landings.point[i])} ‖∇F‖ = {landings.residual[i]:.3g}"
            for i in best[:PLACES]
        )
        more = f" (and {len(best) - PLACES} more)" if len(best) > PLACES else ""
        return (
            f"{len(best)} near-critical place(s) not resolved: {where}{more}. Newton got ‖∇F‖ "
            f"down to there (typical ‖∇F‖ {tol.grad:.3g}) but could not pin a root down: that "
            f"needs ‖∇F‖ ≤ {tol.root:.3g}, or a root located within h/64 = {tol.settle:.3g} "
            "where ∇F stops decreasing. ∇F is rough there (the kinks of a ReLU or |·| loss "
            "make it jump), or F has a kink minimum where ∇F jumps instead of vanishing."
        )
    if points:
        return ""
    outside = np.flatnonzero(landings.accepted & finite & ~inside)
    if len(outside):
        centre = np.array([(lo + hi) / 2 for lo, hi in window.ranges()])
        labels = continua.link_clusters(landings.point[outside], 2 * tol.spacing)
        near = labels[np.argmin(np.linalg.norm(landings.point[outside] - centre, axis=1))]
        nearest = outside[labels == near]
        i = nearest[np.argmin(landings.residual[nearest])]
        places = len(np.unique(labels))
        return (
            f"No critical point in the window: Newton runs converge to {places} outside it, "
            f"the nearest near {_fmt(landings.point[i])}. Widen the window to see it."
        )
    if not (finite & inside).any():
        return (
            "No critical point: every Newton run left the window or met a non-finite ∇F "
            "(F overflows): choose a smaller window."
        )
    ok = np.flatnonzero(finite & inside)
    i = ok[np.argmin(landings.residual[ok])]
    return (
        f"No critical point found: no Newton run got ‖∇F‖ below {landings.residual[i]:.3g} "
        f"(reached near {_fmt(landings.point[i])}; typical ‖∇F‖ {tol.grad:.3g}, a critical "
        f"point needs ≤ {tol.root:.3g}). F has none in the window, or its minimum there is a "
        "kink, where ∇F jumps instead of vanishing."
    )
