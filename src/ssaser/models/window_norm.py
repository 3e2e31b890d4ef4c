"""Per-window normalisation of the emotion branch's input (``ModelConfig.window_norm``).

Each segment is normalised with the statistics of its own audio frames, so an unseen voice
is normalised at test exactly as every voice was in training, with no test-speaker audio
beyond the window being classified (not transductive). It runs inside the model, hence the
same in training, in the torch and ONNX inference graphs and in the service.

The input is already normalised (the speaker's or the global statistics), so the window's
statistics are shrunk toward that prior (mean 0, variance 1) with the weight of
``window_norm_prior`` frames: a window with a few frames of audio is left almost as it was,
instead of dividing by the spread of those few frames.
"""

from __future__ import annotations

import torch

from ssaser.models.attention import audio_frames


def normalise_windows(features: torch.Tensor, mode: str, prior_frames: float) -> torch.Tensor:
    """Normalise each segment with its own audio frames' statistics.

    Parameters
    ----------
    features : torch.Tensor
        ``(batch, C, segment_frames, n_mels)`` normalised segments; padding frames are exactly 0
        in every channel and band, and stay 0.
    mode : {"none", "mean", "mean_std"}
        ``mean``: subtract the window's mean per channel and band; ``mean_std``: also divide by
        its std.
    prior_frames : float
        Weight of the prior (mean 0, variance 1) in frames; 0 = the window's statistics alone.

    Returns
    -------
    torch.Tensor
        Same shape and dtype as ``features``.
    """
    if mode == "none":
        return features
    x = features.float()
    keep = audio_frames(features).to(x.dtype)[:, None, :, None]  # (batch, 1, frames, 1)
    weight = keep.sum(dim=2, keepdim=True) + prior_frames  # (batch, 1, 1, 1)
    weight = weight.clamp_min(1e-6)  # a padding-only window with no prior
    mean = (x * keep).sum(dim=2, keepdim=True) / weight
    out = x - mean
    if mode == "mean_std":
        var = ((out * keep).square().sum(dim=2, keepdim=True) + prior_frames) / weight
        out = out * torch.rsqrt(var.clamp_min(1e-6))
    return (out * keep).to(features.dtype)
