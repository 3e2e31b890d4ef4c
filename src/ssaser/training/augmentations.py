"""The augmentations shipped with the package (registered by ``ssaser.training.augment``) (``augment: [{name: specaugment, ...}]``).

``specaugment``
    SpecAugment's time and frequency masks (Park et al., Interspeech 2019) on the normalised
    segments: per example, ``time_masks`` bands of at most ``time_width`` frames and
    ``freq_masks`` bands of at most ``freq_width`` mel bins, set to 0 (the normalised mean) across
    the static, delta and delta-delta channels together. Written here on tensors with the step's
    ``torch.Generator``: torchaudio's masking (the usual library) does not install beside the torch
    build this project pins, and audiomentations' spectrogram masks draw from the global RNG, which
    would break the (seed, epoch, batch) reproducibility that resuming relies on.
``gaussian-noise``
    Gaussian noise of standard deviation ``std`` on the normalised features of the audio frames;
    the zero padding of a short utterance stays 0, so that it stays padding (``attention_mask``).

None is on by default: the packaged configuration has ``augment: []`` until a measured run
supports a setting (results/README.md lists what was measured).
"""

from __future__ import annotations

import torch

from ssaser.models.attention import audio_frames


def _bands(count: int, width: int, size: int, batch: int, generator: torch.Generator) -> torch.Tensor:
    """``(batch, size)`` bool: ``count`` random bands of width ``0..width`` per example."""
    mask = torch.zeros(batch, size, dtype=torch.bool)
    if count == 0 or width == 0:
        return mask
    widths = torch.randint(0, width + 1, (batch, count), generator=generator)
    starts = (torch.rand(batch, count, generator=generator) * (size - widths + 1).clamp(min=1)).long()
    positions = torch.arange(size)
    for k in range(count):
        lo, hi = starts[:, k:k + 1], (starts[:, k] + widths[:, k])[:, None]
        mask |= (positions >= lo) & (positions < hi)
    return mask


class SpecAugment:
    """Time and frequency masks; ``features (batch, C, frames, bins)`` in, same shape out."""

    def __init__(self, time_masks: int = 2, time_width: int = 40, freq_masks: int = 2, freq_width: int = 6) -> None:
        for name, value in (("time_masks", time_masks), ("time_width", time_width),
                            ("freq_masks", freq_masks), ("freq_width", freq_width)):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10_000:
                raise ValueError(f"{name} must be an integer in [0, 10000], got {value!r}")
        self.time_masks, self.time_width = time_masks, time_width
        self.freq_masks, self.freq_width = freq_masks, freq_width

    def __call__(self, features: torch.Tensor, labels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        batch, _, frames, bins = features.shape
        time = _bands(self.time_masks, min(self.time_width, frames), frames, batch, generator)
        freq = _bands(self.freq_masks, min(self.freq_width, bins), bins, batch, generator)
        keep = ~(time[:, None, :, None] | freq[:, None, None, :])
        return features * keep.to(features.dtype)


class GaussianNoise:
    """Adds ``std`` times standard normal noise to the normalised features (not to padding frames)."""

    def __init__(self, std: float = 0.1) -> None:
        if isinstance(std, bool) or not isinstance(std, (int, float)) or not 0 <= std <= 10:
            raise ValueError(f"std must be a number in [0, 10], got {std!r}")
        self.std = float(std)

    def __call__(self, features: torch.Tensor, labels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        noise = torch.randn(features.shape, generator=generator, dtype=torch.float32)
        audio = audio_frames(features)[:, None, :, None]  # padding frames get no noise
        return features + self.std * noise.to(features.dtype) * audio


#: name -> factory, registered by :mod:`ssaser.training.augment`.
BUILTIN_AUGMENTATIONS = {"specaugment": SpecAugment, "gaussian-noise": GaussianNoise}
