"""An MLP on scikit-learn's bundled 8×8 digits: the smallest "your own model" file.

landscape-explorer gui --model resources/examples/digits_mlp.py:make
landscape-explorer slice --model resources/examples/digits_mlp.py:make --plane random --out s.npz
"""

import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch import nn


def digits(test_fraction: float = 0.2, seed: int = 0):
    """The 1797 images as (N, 64) floats in [0, 1] and labels 0…9, split by a seeded shuffle."""
    bunch = load_digits()
    x = torch.tensor(bunch.data, dtype=torch.float32) / 16.0
    y = torch.tensor(bunch.target, dtype=torch.int64)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    n_test = round(test_fraction * len(x))
    test, train = order[:n_test], order[n_test:]
    return (x[train], y[train]), (x[test], y[test])


def make(width: int = 32, seed: int = 0):
    """An MLP 64 → width → width → 10 with ReLU, cross-entropy, on the 8×8 digits."""
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Linear(64, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 10)
    )
    train, test = digits(seed=seed)
    return dict(model=model, train=train, test=test, loss=F.cross_entropy)
