"""ResNet-18 (11.2M parameters, the CIFAR variant: 3×3 stem, no max-pool) on scikit-learn's
digits scaled to 32×32 RGB: size is no limit, the memory a slice takes is set by its chunk of
points and samples, not by the grid.

    landscape-explorer slice --model resources/examples/resnet18_digits.py:make \\
        --set samples=256 --plane random --resolution 9 --out resnet18.npz

One point is a forward pass of ResNet-18 over the evaluation set, 1.1 GFLOP per image: about
1.4 s per point for 256 images on 2 CPU cores (a 41×41 slice of all 1,437 training images takes
hours there; a GPU or a Dask cluster is the way, see the README). The weights are torch's
default initialisation; BatchNorm's running statistics are set from one pass over the
evaluation images, so eval mode (the explorer's default) normalises as training would.
"""

import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch import nn


class BasicBlock(nn.Module):
    """x + conv(ReLU(BN(conv(x)))) with BN, and a 1×1 projection where the shape changes."""

    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)
            )

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class ResNet18(nn.Module):
    """Four stages of two BasicBlocks (64, 128, 256, 512 channels), global pooling, linear."""

    def __init__(self, classes: int = 10):
        super().__init__()
        self.stem = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(64)
        blocks, cin = [], 64
        for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
            blocks += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]
            cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Linear(512, classes)

    def forward(self, x):
        h = self.blocks(F.relu(self.bn(self.stem(x))))
        return self.head(F.adaptive_avg_pool2d(h, 1).flatten(1))


def digits32(seed: int = 0):
    """The digits as (N, 3, 32, 32) images in [0, 1] (bilinear upscaling, grey in RGB), labels
    0…9; 1,437 train and 360 test after a seeded shuffle."""
    bunch = load_digits()
    x = torch.tensor(bunch.data, dtype=torch.float32).reshape(-1, 1, 8, 8) / 16.0
    x = F.interpolate(x, size=32, mode="bilinear", align_corners=False).expand(-1, 3, -1, -1)
    y = torch.tensor(bunch.target, dtype=torch.int64)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    test, train = order[:360], order[360:]
    return (x[train].contiguous(), y[train]), (x[test].contiguous(), y[test])


def make(samples: int = 256, seed: int = 0):
    """ResNet-18 at torch's default initialisation (seeded), BatchNorm statistics from one pass
    over ``samples`` training images, evaluated on those ``samples`` images (0: all)."""
    torch.manual_seed(seed)
    model = ResNet18()
    train, test = digits32(seed)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.momentum = None  # a cumulative average: the pass below sets the statistics
    model.train()
    with torch.no_grad():
        model(train[0][: samples or None])
    model.eval()
    return dict(model=model, train=train, test=test, loss=F.cross_entropy, samples=samples)
