"""A speaker adversary on the emotion embedding (``TrainConfig.speaker_adversary``).

Domain-adversarial training (Ganin & Lempitsky 2015) with speakers as the domains, as in
speaker-invariant SER (Tu et al. 2019, arXiv:1903.09606; Lian et al. 2019, "Domain adversarial
learning for emotion recognition"): a small classifier learns to tell the training speakers
apart from the emotion embedding ``z_em``, behind a gradient reversal, so the emotion branch is
pushed towards features that do not identify the voice, which an unseen voice then shifts less.
As in Ganin & Lempitsky, the reversal's strength rises from 0 to its weight over training,
``weight * (2 / (1 + exp(-10 p)) - 1)`` at progress ``p`` in [0, 1], so the random features of the
first steps are not pushed around by an adversary that has not learnt anything yet.

For SSA-CRNN-r the reversed gradient also reaches the speaker branch through SSA's speaker half:
the branch still learns to name the speakers through its own loss, while what SSA takes from it
is pushed not to.

The adversary lives in the training module only: it is not part of the system, so a trained
model, its weights file, its ONNX export and inference are the same with or without it. Not in
the paper; off by default.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ssaser.training.config import ConfigError


class _ReverseGradient(torch.autograd.Function):
    """Identity forward; backward multiplies the gradient by ``-scale``."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, scale: float) -> torch.Tensor:
        ctx.scale = scale
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        return -ctx.scale * grad, None


def reverse_gradient(x: torch.Tensor, scale: float) -> torch.Tensor:
    """``x`` unchanged; the gradient that flows back through it is multiplied by ``-scale``."""
    return _ReverseGradient.apply(x, scale)


class SpeakerAdversary(nn.Module):
    """Classify the training speakers from an emotion embedding, through a gradient reversal.

    Parameters
    ----------
    embedding_dim : int
        Width of the emotion embedding (``ModelConfig.embedding_dim``).
    n_speakers : int
        Training speakers (at least 2).
    weight : float
        ``> 0``: how strongly the reversed gradient pushes the emotion branch (the adversary
        itself always learns at the full rate).
    """

    def __init__(self, embedding_dim: int, n_speakers: int, weight: float) -> None:
        super().__init__()
        if not weight > 0:
            raise ConfigError(f"speaker_adversary must be > 0 to build an adversary, got {weight!r}")
        if not n_speakers or n_speakers < 2:
            raise ConfigError(f"speaker_adversary needs at least 2 training speakers, got {n_speakers}")
        self.weight = float(weight)
        self.classifier = nn.Sequential(nn.Linear(embedding_dim, embedding_dim), nn.ReLU(),
                                        nn.Linear(embedding_dim, n_speakers))

    def forward(self, embedding: torch.Tensor, progress: float = 1.0) -> torch.Tensor:
        """``embedding (batch, embedding_dim)`` -> speaker logits ``(batch, n_speakers)``; the
        gradient reaching ``embedding`` is scaled by ``-reversal_scale(progress)``."""
        return self.classifier(reverse_gradient(embedding, self.reversal_scale(progress)))

    def reversal_scale(self, progress: float) -> float:
        """``weight * (2 / (1 + exp(-10 p)) - 1)``: 0 at the start, 0.987 ``weight`` at half way."""
        p = min(1.0, max(0.0, float(progress)))
        return self.weight * (2.0 / (1.0 + math.exp(-10.0 * p)) - 1.0)
