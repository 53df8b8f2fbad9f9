"""Data of the network scenarios: seeded Gaussian inputs and scikit-learn's bundled digits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from compute.errors import LandscapeError

MAX_ROWS = 2_000_000
"""Refuse data sets with more sample × feature entries than this (memory, not theory)."""


@dataclass(frozen=True)
class Dataset:
    """Training and held-out samples.

    Attributes
    ----------
    x_train : (N, d) float inputs
    y_train : (N,) or (N, k) targets (float), or (N,) class indices (int64)
    x_test : (M, d), M ≥ 1
    y_test : like ``y_train`` with M rows
    classes : number of classes for classification data, 0 for regression
    """

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    classes: int = 0

    def split(self, name: str) -> tuple[torch.Tensor, torch.Tensor]:
        """``(x, y)`` of ``"train"`` or ``"test"``."""
        if name == "train":
            return self.x_train, self.y_train
        if name == "test":
            return self.x_test, self.y_test
        raise LandscapeError(f"data split must be 'train' or 'test', got {name!r}")

    def to(self, device: torch.device, dtype: torch.dtype) -> Dataset:
        """The same data on ``device`` with float tensors cast to ``dtype`` (labels stay int)."""

        def cast(t: torch.Tensor) -> torch.Tensor:
            return t.to(device=device, dtype=dtype if t.is_floating_point() else t.dtype)

        return Dataset(
            cast(self.x_train),
            cast(self.y_train),
            cast(self.x_test),
            cast(self.y_test),
            self.classes,
        )


def generator(seed: int) -> torch.Generator:
    """A CPU generator: every random draw of a scenario comes from one, so runs reproduce."""
    return torch.Generator().manual_seed(int(seed))


def gaussian_inputs(gen: torch.Generator, samples: int, dim: int) -> torch.Tensor:
    """x ~ N(0, I_d): a (samples, dim) float32 tensor."""
    if samples * dim > MAX_ROWS:
        raise LandscapeError(
            f"{samples} samples of dimension {dim} is too large (at most {MAX_ROWS} entries)"
        )
    return torch.randn(samples, dim, generator=gen)


def digits(seed: int, test_fraction: float) -> Dataset:
    """scikit-learn's bundled 8×8 digits (1797 images, no download), split by a seeded shuffle.

    Inputs are the 64 pixel intensities divided by 16 (so in [0, 1]); targets are the class
    indices 0…9. ``round(test_fraction · 1797)`` images are held out as the test split.
    """
    from sklearn.datasets import load_digits

    if not 0.05 <= test_fraction <= 0.5:
        raise LandscapeError(f"test_fraction must be in [0.05, 0.5], got {test_fraction:g}")
    bunch = load_digits()
    x = np.asarray(bunch.data, dtype=np.float32) / 16.0
    y = np.asarray(bunch.target, dtype=np.int64)
    order = np.random.default_rng(seed).permutation(len(x))
    n_test = round(test_fraction * len(x))
    test, train = order[:n_test], order[n_test:]
    return Dataset(
        torch.from_numpy(x[train]),
        torch.from_numpy(y[train]),
        torch.from_numpy(x[test]),
        torch.from_numpy(y[test]),
        classes=10,
    )
