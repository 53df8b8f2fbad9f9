"""Per-layer norm ratios of many random trials, summarised as quantile bands with overflow masks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
"""The statistics of a band, in the order of ``NormProfile.quantiles``' rows."""
OVERFLOW_RATIO = 1e300
"""A ratio above this (or non-finite) has overflowed: float64 ends at 1.8e308."""
_SENTINEL = 1e305
"""What an overflowed trial's ratio is replaced by before taking quantiles (finite, > cap)."""
_SQUARE_SAFE = 1e150
"""Mean squares are taken only where every ratio is below this (so squares stay finite)."""


@dataclass(frozen=True)
class FinalRatio:
    """The last layer's ratio over the trials: median and quartiles (capped at OVERFLOW_RATIO)."""

    median: float
    q25: float
    q75: float


@dataclass(frozen=True)
class NormProfile:
    """A ratio r_l per layer l = 0…L for each of T trials, summarised; no NaN or inf anywhere.

    Attributes
    ----------
    quantiles
        (5, L + 1): the ``QUANTILES`` (q05, q25, median, q75, q95) of r_l over the trials,
        capped at ``OVERFLOW_RATIO`` where ``valid`` is False.
    valid
        (5, L + 1) bool: False where that statistic has overflowed (too many trials above the
        cap); a plot draws each line only where it is True.
    mean_square
        (L + 1,): the Monte-Carlo mean of r_l² (the seeds' E‖z_l‖² / ‖x‖²), and
    mean_square_sem
        (L + 1,): its standard error s / √T; both 0 where ``mean_square_valid`` is False.
    mean_square_valid
        (L + 1,) bool: every trial's r_l is below 1e150 there.
    overflowed
        (L + 1,) int: trials whose ratio has overflowed at or before layer l.
    final
        (T,): every trial's last ratio r_L (capped).
    """

    quantiles: np.ndarray
    valid: np.ndarray
    mean_square: np.ndarray
    mean_square_sem: np.ndarray
    mean_square_valid: np.ndarray
    overflowed: np.ndarray
    final: np.ndarray

    @property
    def trials(self) -> int:
        return len(self.final)

    @property
    def median(self) -> np.ndarray:
        """(L + 1,) the median ratio per layer (capped where it overflowed)."""
        return self.quantiles[2]

    @property
    def overflow_layer(self) -> int | None:
        """The first layer whose median has overflowed (None: the median never does)."""
        bad = np.flatnonzero(~self.valid[2])
        return int(bad[0]) if len(bad) else None

    @property
    def first_overflow(self) -> int | None:
        """The first layer at which any trial has overflowed (None: none did)."""
        bad = np.flatnonzero(self.overflowed > 0)
        return int(bad[0]) if len(bad) else None

    @property
    def final_ratio(self) -> FinalRatio:
        return FinalRatio(
            float(self.quantiles[2, -1]), float(self.quantiles[1, -1]), float(self.quantiles[3, -1])
        )


def overflow_masked(ratios: torch.Tensor) -> torch.Tensor:
    """Ratios (..., L + 1) with every entry at or after a trial's first overflow set to a
    finite sentinel above the cap (so later layers of a blown-up trial count as overflowed)."""
    bad = ~torch.isfinite(ratios) | (ratios > OVERFLOW_RATIO)
    after = torch.cummax(bad.to(torch.uint8), dim=-1).values.bool()
    return torch.where(after, torch.full_like(ratios, _SENTINEL), ratios)


def summarise(ratios: np.ndarray) -> NormProfile:
    """The NormProfile of (T, L + 1) overflow-masked ratios (see ``overflow_masked``)."""
    over = ratios > OVERFLOW_RATIO
    q = np.quantile(ratios, QUANTILES, axis=0)
    valid = q <= OVERFLOW_RATIO
    safe = ratios.max(axis=0) < _SQUARE_SAFE
    squares = np.where(safe, ratios, 0.0) ** 2
    scale = np.maximum(squares.max(axis=0), 1e-300)  # so that the deviations² stay finite
    mean = (squares / scale).mean(axis=0) * scale
    spread = (squares / scale).std(axis=0, ddof=1) * scale if len(ratios) > 1 else 0 * mean
    sem = spread / np.sqrt(len(ratios))
    return NormProfile(
        quantiles=np.minimum(q, OVERFLOW_RATIO),
        valid=valid,
        mean_square=np.where(safe, mean, 0.0),
        mean_square_sem=np.where(safe, sem, 0.0),
        mean_square_valid=safe,
        overflowed=over.sum(axis=0),
        final=np.minimum(ratios[:, -1], OVERFLOW_RATIO),
    )
