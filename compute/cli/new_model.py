"""The ``new-model`` command: a commented template of a model file to fill in."""

from __future__ import annotations

import argparse
from typing import Any

TEMPLATE = '''"""My model for Landscape Explorer.

    landscape-explorer gui --model {name}:make
    landscape-explorer slice --model {name}:make --plane random --out slice.npz

``make`` returns a dict; only model, train and loss are required. Its keyword arguments (with
defaults: numbers or booleans) become sliders in the window and ``--set NAME=VALUE`` options.
Flat parameter vectors (exports, --at-file) follow torch.nn.utils.parameters_to_vector over
the trainable parameters, in model.parameters() order.
"""

import torch
import torch.nn.functional as F
from torch import nn


def make(width: int = 32, seed: int = 0):
    """A one-line description shown in the window."""
    torch.manual_seed(seed)
    x = torch.randn(512, 10)                 # inputs (N, ...)
    y = (x[:, 0] > 0).long()                 # targets (N, ...)
    model = nn.Sequential(nn.Linear(10, width), nn.ReLU(), nn.Linear(width, 2))
    return dict(
        model=model,                         # any torch.nn.Module (never modified)
        train=(x, y),                        # tensors, a Dataset, or any iterable of batches
        loss=F.cross_entropy,                # loss(output, target), a mean over the batch;
                                             # or loss(model, batch) for anything unusual
        # test=(x_test, y_test),             # the same form: test loss (and accuracy)
        # metrics={{"mse": my_metric}},       # more quantities, each like the loss
        # points={{"final": "final.pt"}},     # named checkpoints (state_dicts or files)
        # trajectory="checkpoints/",         # a list or folder of checkpoints (PCA planes)
        # samples=1000,                      # evaluate on a seeded subset of this size
    )
'''


def add_parser(sub: Any) -> None:
    p = sub.add_parser("new-model", help="write a commented template of your own model file")
    p.add_argument("file", metavar="FILE.py", help="the file to write (must not exist)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from compute.errors import LandscapeError
    from compute.outputs import atomic_write

    path = Path(args.file)
    if path.suffix != ".py":
        raise LandscapeError(f"{args.file} must end in .py")
    if path.exists():
        raise LandscapeError(f"{args.file} exists: choose a new file name")
    with atomic_write(path, "wb") as fh:
        fh.write(TEMPLATE.format(name=path.name).encode())  # type: ignore[arg-type]
    print(f"wrote {path}; try: landscape-explorer gui --model {path}:make")
    return 0
