"""The augmentations shipped with the package (registered by ``ssaser.training.augment``) (``augment: [{name: specaugment, ...}]``).

``specaugment``
    SpecAugment's time and frequency masks (Park et al., Interspeech 2019) on the normalised
    segments: per example, ``time_masks`` bands of at most ``time_width`` frames and
    ``freq_masks`` bands of at most ``freq_width`` mel bins, set to 0 (the normalised mean) across
    the static, delta and delta-delta channels together. Written here on tensors with the step's
    ``torch.Generator``: torchaudio's masking (the usual library) does not install beside the torch
    build this project pins, and audiomentations' spectrogram masks draw from the global RNG, which
    would break the (seed, epoch, batch) reproducibility that resuming relies on.
``mel-warp``
    A random warp of the mel axis per example (vocal tract length perturbation in the manner of
    Jaitly & Hinton 2013, on the features): bin ``k`` takes the value at ``k * alpha`` (linear
    interpolation, the top bin repeated past the edge), ``alpha`` uniform in
    ``[1 - max_warp, 1 + max_warp]``, the same for the three channels and every frame. Aimed at
    unseen voices: a warped timbre is a voice the training set does not have
    (``results/ravdess_emobox_lite_fast/ssa_probe.md``: what SSA learns of the 20 training
    actors does not transfer). Written here for the same reason as ``specaugment``.
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


class MelWarp:
    """Warps the mel axis of each example by a random factor; ``(batch, C, frames, bins)`` in and out."""

    def __init__(self, max_warp: float = 0.1) -> None:
        if isinstance(max_warp, bool) or not isinstance(max_warp, (int, float)) or not 0 <= max_warp <= 0.5:
            raise ValueError(f"max_warp must be a number in [0, 0.5], got {max_warp!r}")
        self.max_warp = float(max_warp)

    def __call__(self, features: torch.Tensor, labels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        batch, channels, frames, bins = features.shape
        alpha = 1 + self.max_warp * (2 * torch.rand(batch, generator=generator) - 1)
        source = (torch.arange(bins, dtype=torch.float32)[None, :] * alpha[:, None]).clamp(max=bins - 1)
        low = source.floor().long()
        high = (low + 1).clamp(max=bins - 1)
        frac = (source - low).to(features.dtype)[:, None, None, :]

        def take(index: torch.Tensor) -> torch.Tensor:
            return features.gather(-1, index[:, None, None, :].expand(batch, channels, frames, bins))

        # Interpolating along the bins keeps an all-zero padding frame at 0.
        return take(low) * (1 - frac) + take(high) * frac


#: name -> factory, registered by :mod:`ssaser.training.augment`.
BUILTIN_AUGMENTATIONS = {"specaugment": SpecAugment, "gaussian-noise": GaussianNoise, "mel-warp": MelWarp}
