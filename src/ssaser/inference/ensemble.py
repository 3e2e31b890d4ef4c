"""Several trained models as one recognizer: their window posteriors averaged.

An ensemble of models trained on the same emotions and features (other seeds, recipes or
systems) is often more accurate on unseen speakers than any member (``ssaser ensemble`` measures
it on cross-validation folds). At inference every member scores the same windows, each
normalised with its own statistics, and the recognizer averages their posteriors with equal
weights; a prediction costs one forward pass per member.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ssaser.errors import SsaserError
from ssaser.inference.backends import Backend, softmax
from ssaser.models import SerModel

#: Smallest posterior kept when the mean is turned back into logits (log 0 is not a score).
_TINY = 1e-30


def check_members(models: Sequence[SerModel]) -> None:
    """Refuse models that cannot score the same windows into the same classes.

    Raises
    ------
    SsaserError
        A member with other emotions (or order), front end or feature settings than the first.
    """
    first = models[0]
    for i, model in enumerate(models[1:], 2):
        name = f"ensemble model {i} ({model.system_name})"
        if list(model.emotions) != list(first.emotions):
            raise SsaserError(f"{name}: emotions {list(model.emotions)}, the first model has {list(first.emotions)}")
        if model.frontend_name != first.frontend_name or model.feature_config != first.feature_config:
            raise SsaserError(f"{name}: other front end or feature settings than the first model "
                              "(members must read the same windows)")


class EnsembleBackend:
    """Members' backends on the same windows; the mean of their posteriors.

    Parameters
    ----------
    members : sequence of (Backend, mean, std)
        Each member's backend and the ``(3, n_mels)`` statistics it normalises with (resolved for
        that model by the recognizer: its own global or training-speaker ones, or the enrolled
        speaker's, shared by all). The ``mean``/``std`` given to :meth:`run` are therefore not used.
    """

    def __init__(self, members: Sequence[tuple[Backend, np.ndarray, np.ndarray]]) -> None:
        if len(members) < 2:
            raise SsaserError("an ensemble needs at least two models")
        self.members = list(members)
        self.name = f"ensemble of {len(members)} ({', '.join(sorted({b.name for b, _, _ in members}))})"

    def run(self, waves: np.ndarray, offsets: np.ndarray, valid: np.ndarray,
            mean: np.ndarray, std: np.ndarray) -> np.ndarray:
        """``waves (batch, samples)`` -> ``(batch, n_emotions)`` log of the members' mean posterior
        (so that a softmax of it gives that mean back)."""
        probs = np.mean([softmax(backend.run(waves, offsets, valid, m, s)) for backend, m, s in self.members], axis=0)
        return np.log(np.maximum(probs, _TINY)).astype(np.float32)
