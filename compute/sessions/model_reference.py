"""A session that names a user's model file: its reference and the file's SHA-256 are kept
(never a pickle); loading it before the file is loaded raises ``ModelNotLoaded``."""

from __future__ import annotations

from compute.errors import LandscapeError
from compute.scenarios.own_model import PREFIX, ModelReference, is_model_id


class ModelNotLoaded(LandscapeError):
    """A session names a user's model file that is not loaded yet. Loading it runs its code:
    the caller decides (the window asks first), registers it (``register_model``) and loads
    the session again. ``changed``: the file differs from the one the session was saved with."""

    def __init__(self, scenario_id: str, saved_sha256: str) -> None:
        self.scenario_id, self.saved_sha256 = scenario_id, saved_sha256
        self.reference = ModelReference.parse(scenario_id[len(PREFIX) :])
        current = self.reference.digest()
        self.changed = bool(saved_sha256) and current != saved_sha256
        super().__init__(f"the session uses your model {self.reference.name}: load it first")


def model_digest(scenario_id: str) -> str:
    """SHA-256 of a user model's file ("" for other scenarios or a file that is gone)."""
    if not is_model_id(scenario_id):
        return ""
    try:
        return ModelReference.parse(scenario_id[len(PREFIX) :]).digest()
    except (LandscapeError, OSError):
        return ""
