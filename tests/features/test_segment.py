"""segment_features: fixed 300-frame segments, the last one zero-padded."""

from __future__ import annotations

import numpy as np
import pytest

from ssaser.features import segment_features


def _feats(frames: int) -> np.ndarray:
    return np.arange(3 * frames * 40, dtype=np.float32).reshape(3, frames, 40) + 1.0


@pytest.mark.parametrize(("frames", "segments"), [(1, 1), (299, 1), (300, 1), (301, 2), (600, 2), (601, 3)])
def test_segment_count_and_padding(frames: int, segments: int) -> None:
    feats = _feats(frames)
    out = segment_features(feats)
    assert out.shape == (segments, 3, 300, 40) and out.dtype == feats.dtype
    flat = np.concatenate(list(out), axis=1)  # (3, segments * 300, 40)
    np.testing.assert_array_equal(flat[:, :frames], feats)
    assert not flat[:, frames:].any()


def test_overlapping_hop() -> None:
    feats = _feats(500)
    out = segment_features(feats, segment_frames=300, hop_frames=100)
    assert out.shape[0] == 3  # starts 0, 100, 200: the one at 200 reaches the end
    np.testing.assert_array_equal(out[1], feats[:, 100:400])
    np.testing.assert_array_equal(out[2], feats[:, 200:500])


def test_bad_shapes() -> None:
    with pytest.raises(ValueError):
        segment_features(np.zeros((3, 0, 40), dtype=np.float32))
    with pytest.raises(ValueError):
        segment_features(np.zeros((300, 40), dtype=np.float32))
