"""How the attention layers spread their weight over a part's segments (is alpha_sp flat?).

Per segment, on the frames after the pool that hold audio (padding excluded, see
:func:`ssaser.models.attention.padding_frames_mask`):

- ``entropy/<name>``: entropy of the weights of one attention output, renormalised over the audio
  frames, divided by ``log(audio frames)``: 1 is uniform (mean pooling), 0 all weight on one frame;
- ``speaker_share`` (SSA): the weight of the speaker half, ``sum_t alpha_sp``;
- ``padding_weight``: the weight the layer puts on padding frames (0 with ``attention_mask=padding``).

Each is the mean over the segments.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import torch

from ssaser.models.attention import padding_frames_mask

_TINY = 1e-12


def attention_summary(attention: Mapping[str, np.ndarray], segments: torch.Tensor) -> dict[str, float]:
    """Summaries of the attention weights of a part.

    Parameters
    ----------
    attention : mapping of str to np.ndarray
        ``{name: (segments, T)}``, e.g. ``alpha`` (SA) or ``alpha_em``, ``alpha_sp`` and
        ``alpha_speaker`` (SSA-CRNN-r), as :func:`ssaser.training.fit.predict_segments` gives them.
    segments : torch.Tensor
        ``(segments, 3, segment_frames, n_mels)`` the normalised inputs (for the padding).

    Returns
    -------
    dict of str to float
        ``entropy/<name>`` per output, ``padding_weight``, and ``speaker_share`` for SSA.
    """
    if not attention:
        return {}
    frames = next(iter(attention.values())).shape[1]
    audio = padding_frames_mask(segments, frames).numpy()  # (segments, T)
    n_audio = audio.sum(axis=1)
    out: dict[str, float] = {}
    for name, weights in attention.items():
        w = np.where(audio, weights, 0.0)
        p = w / np.maximum(w.sum(axis=1, keepdims=True), _TINY)
        entropy = -(p * np.log(np.maximum(p, _TINY))).sum(axis=1)
        usable = n_audio > 1  # one audio frame: no spread to measure
        if usable.any():
            out[f"entropy/{name}"] = float(np.mean(entropy[usable] / np.log(n_audio[usable])))
    ssa = "alpha_sp" in attention and "alpha_em" in attention
    together = attention["alpha_em"] + attention["alpha_sp"] if ssa else attention.get("alpha")
    if together is not None:
        out["padding_weight"] = float(np.mean(np.where(audio, 0.0, together).sum(axis=1)))
    if ssa:
        out["speaker_share"] = float(np.mean(attention["alpha_sp"].sum(axis=1)))
    return out
