"""The attention figure's segment: speech, not the zero padding of a short utterance."""

from __future__ import annotations

import numpy as np
import torch

from ssaser.training.fold_task import _sample_for_attention, padded_frames


def _segment(rng, audio_frames: int, frames: int = 50) -> np.ndarray:
    seg = rng.standard_normal((3, frames, 8)).astype(np.float32)
    seg[:, audio_frames:, :] = -1.5  # normalised zero padding: one constant frame
    return seg


def test_padded_frames_counts_the_constant_tail():
    rng = np.random.default_rng(0)
    assert padded_frames(_segment(rng, 50)) == 0
    assert padded_frames(_segment(rng, 8)) == 42
    assert padded_frames(_segment(rng, 49)) == 0  # one repeated frame is not padding


def test_the_sample_is_a_mostly_audio_segment_even_when_a_padded_one_is_more_confident():
    rng = np.random.default_rng(1)
    segments = np.stack([_segment(rng, 8), _segment(rng, 50), _segment(rng, 46)])
    probs = np.array([[0.99, 0.01], [0.7, 0.3], [0.8, 0.2]], dtype=np.float32)

    class Data:
        pass

    data = Data()
    data.segments, data.emotion = torch.from_numpy(segments), torch.zeros(3, dtype=torch.int64)
    sample = _sample_for_attention({"probs": probs, "attention/alpha": np.ones((3, 5))}, data)
    # Segment 0 is the most confident but 84 % padding; segment 2 is 92 % audio and more confident than 1.
    assert np.array_equal(sample["sample_features"], segments[2])
    assert int(sample["sample_padded_frames"]) == 4 and sample["sample_alpha"].shape == (5,)
