"""Mixup of training batches (``TrainConfig.mixup_alpha``; Zhang et al. 2018, "mixup").

Each training batch is blended with a shuffled copy of itself, ``x = lam x + (1 - lam) x[partner]``,
and the loss is the same blend of the two targets' losses. Cross-entropy is linear in the target
distribution, so this is the cross-entropy against the mixed targets; the speaker term of an
SSA-CRNN-r is mixed the same way. One ``lam ~ Beta(alpha, alpha)`` per batch, drawn after the
configured augmentations from the step's generator (:func:`ssaser.training.augment.step_generator`):
a function of ``(seed, epoch, batch, rank)`` only, so a resumed run mixes exactly as an
uninterrupted one. Zero padding stays zero only where both segments are padding.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch


class MixedBatch(NamedTuple):
    """A batch blended with a permutation of itself.

    Attributes
    ----------
    features : torch.Tensor
        ``(batch, C, frames, bins)``: ``lam * x + (1 - lam) * x[partner]``.
    partner : torch.Tensor
        ``(batch,)`` indices of the example each row was blended with.
    lam : float
        Weight of the row's own example (and of its own targets in the loss), in ``[0, 1]``.
    """

    features: torch.Tensor
    partner: torch.Tensor
    lam: float


def mix_batch(features: torch.Tensor, alpha: float, generator: torch.Generator) -> MixedBatch:
    """Blend ``features (batch, C, frames, bins)`` with a shuffled copy of itself.

    Parameters
    ----------
    features : torch.Tensor
        ``(batch, C, frames, bins)`` normalised (and augmented) training segments.
    alpha : float
        ``> 0``: both parameters of the Beta distribution of ``lam`` (small values give ``lam``
        near 0 or 1: mostly one example; 1 gives uniform weights).
    generator : torch.Generator
        The step's generator; the draw depends on its state only.
    """
    if not alpha > 0:
        raise ValueError(f"mixup alpha must be > 0, got {alpha!r}")
    # torch has no Beta sampler that takes a generator: numpy's, seeded from it.
    rng = np.random.default_rng(int(torch.randint(0, 2**62, (1,), generator=generator)))
    lam = float(rng.beta(alpha, alpha))
    partner = torch.from_numpy(rng.permutation(features.shape[0])).to(features.device)
    mixed = features * lam + features[partner] * (1.0 - lam)
    return MixedBatch(mixed.to(features.dtype), partner, lam)
