"""A small CNN with BatchNorm and dropout on scikit-learn's 8×8 digits, trained briefly, so the
landscape is centred on trained weights with meaningful BatchNorm statistics.

    landscape-explorer gui --model resources/examples/digits_bn_cnn.py:make

BatchNorm is evaluated in eval mode with the centre's running statistics by default
(``--set batchnorm=recompute`` recomputes them at every point); dropout is off while the
landscape is evaluated and on while a run trains.
"""

import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch import nn


class SmallCNN(nn.Module):
    """conv(1→c, 3×3) → BN → ReLU → conv(c→c, 3×3) → BN → ReLU → pool → dropout → linear."""

    def __init__(self, channels: int = 8, dropout: float = 0.2):
        super().__init__()
        self.conv1 = nn.Conv2d(1, channels, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(channels)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(channels * 4 * 4, 10)

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = F.max_pool2d(F.relu(self.bn2(self.conv2(h))), 2)
        return self.head(self.drop(h.flatten(1)))


def digits(seed: int = 0):
    """The 1797 images as (N, 1, 8, 8) floats in [0, 1] and labels 0…9, 20 % held out."""
    bunch = load_digits()
    x = torch.tensor(bunch.data, dtype=torch.float32).reshape(-1, 1, 8, 8) / 16.0
    y = torch.tensor(bunch.target, dtype=torch.int64)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    test, train = order[:360], order[360:]
    return (x[train], y[train]), (x[test], y[test])


def make(channels: int = 8, train_steps: int = 60, seed: int = 0):
    """A BatchNorm CNN on the 8×8 digits after ``train_steps`` Adam steps (batch 128)."""
    torch.manual_seed(seed)
    model = SmallCNN(channels)
    train, test = digits(seed)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(train_steps):
        index = torch.randint(0, len(train[0]), (128,), generator=gen)
        opt.zero_grad()
        F.cross_entropy(model(train[0][index]), train[1][index]).backward()
        opt.step()
    return dict(model=model, train=train, test=test, loss=F.cross_entropy)
