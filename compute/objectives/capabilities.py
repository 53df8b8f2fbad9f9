"""What a problem offers beyond its objective (torch-free: the scenario catalogue, which the
command line reads before torch loads, declares them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Capabilities:
    """What a problem offers beyond ``objective()``.

    Attributes
    ----------
    sliced
        θ has too many coordinates to map: maps are planes θ₀ + a·d₁ + b·d₂ through it, built
        from the problem's ``layout`` (filter-normalised directions) and evaluated by its
        ``plane_evaluator``. False: the map's coordinates are θ itself (n = 1 or 2).
    samples
        N > 0 when F is a mean over N training samples (minibatches, sample subsets of the
        Hessian, the Gauss–Newton matrix); 0 for exact losses.
    classifier
        The outputs are class logits (accuracy is recorded and mapped).
    teacher
        ``references`` holds a ``"teacher"`` point of the student's own architecture (planes
        towards it, distances to it along runs).
    symmetry
        The problem knows the symmetry group of its parameters (``align``): distances up to
        permutation and rescaling of hidden units.
    linear_baseline
        The problem has the best linear predictor's loss F_lin as a baseline (Shamir 2018),
        with the output weights in a block named by ``output_block``.
    sopsp_blocks
        The parameter blocks of seed 001's ε-SOPSP test ((w, V) or (w, v)); empty: none.
    output_block
        The block of output weights w of the linear-baseline comparison ("" without one).
    """

    sliced: bool = False
    samples: int = 0
    classifier: bool = False
    teacher: bool = False
    symmetry: bool = False
    linear_baseline: bool = False
    sopsp_blocks: tuple[str, ...] = ()
    output_block: str = ""
