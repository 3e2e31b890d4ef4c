"""SpeakerNormalizer: per-speaker zero mean / unit variance, global fallback, JSON round trip."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from ssaser.features import SpeakerNormalizer


def _speaker_data(rng: np.random.Generator, offset: float, scale: float, count: int) -> list[np.ndarray]:
    return [(offset + scale * rng.standard_normal((3, rng.integers(50, 150), 40))).astype(np.float32) for _ in range(count)]


@pytest.fixture
def fitted() -> tuple[SpeakerNormalizer, dict[str, list[np.ndarray]]]:
    rng = np.random.default_rng(0)
    data = {"03": _speaker_data(rng, 5.0, 2.0, 4), "08": _speaker_data(rng, -3.0, 0.5, 3)}
    feats = [f for spk in data for f in data[spk]]
    speakers = [spk for spk in data for _ in data[spk]]
    return SpeakerNormalizer().fit(feats, speakers), data


def test_each_speaker_gets_zero_mean_unit_variance(fitted) -> None:
    norm, data = fitted
    for speaker, feats in data.items():
        out = np.concatenate([norm.transform(f, speaker) for f in feats], axis=1)  # (3, frames, 40)
        np.testing.assert_allclose(out.mean(axis=1), 0.0, atol=1e-5)
        np.testing.assert_allclose(out.std(axis=1), 1.0, atol=1e-4)
        assert norm.stats_for(speaker)[0].shape == (3, 40)


def test_unknown_speaker_falls_back_to_pooled_statistics(fitted) -> None:
    norm, data = fitted
    pooled = np.concatenate([f for feats in data.values() for f in feats], axis=1)
    mean, std = norm.stats_for("99")
    np.testing.assert_allclose(mean, pooled.mean(axis=1), atol=1e-4)
    np.testing.assert_allclose(std, pooled.std(axis=1), atol=1e-4)
    np.testing.assert_array_equal(norm.transform(data["03"][0], None), norm.transform(data["03"][0], "unknown"))
    assert not np.allclose(norm.transform(data["03"][0], "03"), norm.transform(data["03"][0], None))


def test_speaker_ids_compare_as_strings(fitted) -> None:
    norm, _ = fitted
    assert norm.stats_for(8) is not norm.stats_for("08")  # 8 != "08": falls back
    assert norm.stats_for("08") is norm.speakers["08"]


def test_torch_and_segmented_inputs(fitted) -> None:
    norm, data = fitted
    segs = np.stack([data["08"][0][:, :50]] * 2)  # (2, 3, 50, 40)
    out_np = norm.transform(segs, "08")
    out_t = norm.transform(torch.from_numpy(segs), "08")
    assert isinstance(out_t, torch.Tensor) and out_t.dtype == torch.float32 and out_np.dtype == np.float32
    np.testing.assert_allclose(out_t.numpy(), out_np, atol=1e-5)


def test_constant_band_uses_std_floor() -> None:
    norm = SpeakerNormalizer(std_floor=1e-3).fit([np.ones((3, 20, 40), dtype=np.float32)], ["a"])
    out = norm.transform(np.ones((3, 5, 40), dtype=np.float32), "a")
    assert np.isfinite(out).all() and not out.any()


def test_dict_round_trip_through_json(fitted) -> None:
    norm, data = fitted
    restored = SpeakerNormalizer.from_dict(json.loads(json.dumps(norm.to_dict())))
    for speaker in ("03", "08", None):
        np.testing.assert_array_equal(restored.transform(data["03"][1], speaker), norm.transform(data["03"][1], speaker))
    assert restored.frames == norm.frames and restored.std_floor == norm.std_floor


def test_errors() -> None:
    with pytest.raises(RuntimeError, match="not fitted"):
        SpeakerNormalizer().transform(np.zeros((3, 5, 40)), None)
    with pytest.raises(ValueError, match="no features"):
        SpeakerNormalizer().fit([], [])
    with pytest.raises(ValueError, match="unsegmented"):
        SpeakerNormalizer().fit([np.zeros((2, 3, 5, 40))], ["a"])
