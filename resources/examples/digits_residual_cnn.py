"""A small residual CNN on scikit-learn's 8×8 digits with a saved training trajectory: six
checkpoints in ``residual_cnn_checkpoints/`` (epoch_00.pt … epoch_25.pt, written by
``python digits_residual_cnn.py``), so the map can be centred on the final weights and sliced
along the PCA plane of the trajectory, or through the named points epoch 0 / epoch 5 / final.

    landscape-explorer gui --model resources/examples/digits_residual_cnn.py:make
    landscape-explorer slice --model resources/examples/digits_residual_cnn.py:make \
        --plane pca --out pca.npz
"""

from pathlib import Path

import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch import nn

HERE = Path(__file__).resolve().parent / "residual_cnn_checkpoints"
EPOCHS = (0, 5, 10, 15, 20, 25)


class ResidualCNN(nn.Module):
    """conv(1→c) → ReLU → [x + conv(ReLU(conv(x)))] → pool → linear; no normalisation."""

    def __init__(self, channels: int = 6):
        super().__init__()
        self.stem = nn.Conv2d(1, channels, 3, padding=1)
        self.conv_a = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv_b = nn.Conv2d(channels, channels, 3, padding=1)
        self.head = nn.Linear(channels * 4 * 4, 10)

    def forward(self, x):
        h = F.relu(self.stem(x))
        h = h + self.conv_b(F.relu(self.conv_a(h)))
        return self.head(F.max_pool2d(h, 2).flatten(1))


def digits():
    """(N, 1, 8, 8) images in [0, 1], labels 0…9; the first 1437 of a seeded shuffle train."""
    bunch = load_digits()
    x = torch.tensor(bunch.data, dtype=torch.float32).reshape(-1, 1, 8, 8) / 16.0
    y = torch.tensor(bunch.target, dtype=torch.int64)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
    return (x[order[:1437]], y[order[:1437]]), (x[order[1437:]], y[order[1437:]])


def make():
    """A residual CNN on the 8×8 digits at its final checkpoint, with its saved trajectory."""
    model = ResidualCNN()
    files = [HERE / f"epoch_{e:02d}.pt" for e in EPOCHS]
    model.load_state_dict(torch.load(files[-1], weights_only=True))
    train, test = digits()
    return dict(
        model=model,
        train=train,
        test=test,
        loss=F.cross_entropy,
        points={"epoch 0": files[0], "epoch 5": files[1]},
        trajectory=files,
    )


def train_and_save() -> None:
    """Write the checkpoints (SGD with momentum, batch 64, epochs of 1437 images)."""
    torch.manual_seed(0)
    model = ResidualCNN()
    (x, y), _ = digits()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    gen = torch.Generator().manual_seed(1)
    HERE.mkdir(exist_ok=True)
    for epoch in range(EPOCHS[-1] + 1):
        if epoch in EPOCHS:
            torch.save(model.state_dict(), HERE / f"epoch_{epoch:02d}.pt")
        for index in torch.randperm(len(x), generator=gen).split(64):
            opt.zero_grad()
            F.cross_entropy(model(x[index]), y[index]).backward()
            opt.step()


if __name__ == "__main__":
    train_and_save()
