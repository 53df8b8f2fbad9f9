"""Checkpoints of a user's model as points θ: ``state_dict``s or files read with
``torch.load(weights_only=True)`` (never an arbitrary pickle), one or a trajectory of them."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch

from compute.errors import LandscapeError

CHECKPOINT_SUFFIXES = (".pt", ".pth", ".ckpt", ".bin")


def checkpoint_theta(
    names: Sequence[str], shapes: Sequence[torch.Size], state: Any, what: str
) -> torch.Tensor:
    """θ from a checkpoint: a ``state_dict`` (or a dict holding one under ``state_dict`` /
    ``model_state_dict`` / ``model``), or a path to one (``torch.load(weights_only=True)``)."""
    if isinstance(state, str | os.PathLike):
        path = Path(state)
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:  # unpickling refused, corrupt file, missing file
            raise LandscapeError(f"checkpoint {what} ({path}) cannot be read: {exc}") from None
    if isinstance(state, Mapping):
        for key in ("state_dict", "model_state_dict", "model"):
            if isinstance(state.get(key), Mapping):
                state = state[key]
                break
    if not isinstance(state, Mapping):
        raise LandscapeError(f"checkpoint {what} is not a state_dict")
    parts = []
    for name, shape in zip(names, shapes, strict=True):
        if name not in state:
            raise LandscapeError(f"checkpoint {what} lacks parameter {name}: it does not fit")
        t = torch.as_tensor(state[name])
        if tuple(t.shape) != tuple(shape):
            raise LandscapeError(
                f"checkpoint {what}: {name} has shape {tuple(t.shape)}, the model {tuple(shape)}"
            )
        parts.append(t.detach().reshape(-1).float())
    return torch.cat(parts)


def trajectory_of(given: Any, names: Sequence[str], shapes: Sequence[torch.Size]) -> torch.Tensor:
    if isinstance(given, str | os.PathLike) and Path(given).is_dir():
        files = sorted(p for p in Path(given).iterdir() if p.suffix in CHECKPOINT_SUFFIXES)
        if len(files) < 2:
            raise LandscapeError(f"trajectory folder {given} holds fewer than two checkpoints")
        given = files
    if not isinstance(given, Sequence) or isinstance(given, str) or len(given) < 2:
        raise LandscapeError("trajectory must be a list of two or more checkpoints or a folder")
    return torch.stack(
        [checkpoint_theta(names, shapes, s, f"{i} of the trajectory") for i, s in enumerate(given)]
    )
