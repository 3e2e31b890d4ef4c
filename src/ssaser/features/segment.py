"""Cutting utterance features into the model's fixed-length segments."""

from __future__ import annotations

import numpy as np


def segment_features(
    feats: np.ndarray, segment_frames: int = 300, hop_frames: int | None = None
) -> np.ndarray:
    """Cut ``(3, frames, n_mels)`` features into fixed-length segments.

    Segments start every ``hop_frames`` frames until one reaches the end; the last one is
    zero-padded (normalise before segmenting, so that the padding 0 equals the mean). An
    utterance shorter than ``segment_frames`` is one padded segment.

    Parameters
    ----------
    feats : np.ndarray
        ``(3, frames, n_mels)``, ``frames >= 1``.
    segment_frames : int
        Frames per segment (300 = 3 s at a 10 ms hop).
    hop_frames : int, optional
        Step between segment starts; default ``segment_frames`` (no overlap).

    Returns
    -------
    np.ndarray
        ``(segments, 3, segment_frames, n_mels)``, same dtype as ``feats``;
        ``segments = 1 + ceil(max(0, frames - segment_frames) / hop_frames)``.
    """
    if feats.ndim != 3:
        raise ValueError(f"expected features (channels, frames, n_mels), got shape {feats.shape}")
    hop = segment_frames if hop_frames is None else hop_frames
    if segment_frames < 1 or hop < 1:
        raise ValueError(f"segment_frames and hop_frames must be >= 1, got {segment_frames}, {hop}")
    channels, frames, n_mels = feats.shape
    if frames < 1:
        raise ValueError("cannot segment features with no frames")
    count = 1 + -(-max(0, frames - segment_frames) // hop)
    out = np.zeros((count, channels, segment_frames, n_mels), dtype=feats.dtype)
    for k in range(count):
        part = feats[:, k * hop: k * hop + segment_frames]
        out[k, :, : part.shape[1]] = part
    return out
