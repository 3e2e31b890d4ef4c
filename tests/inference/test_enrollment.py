"""Speaker enrolment: statistics equal a direct numpy computation; files round-trip and are checked."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from ssaser.errors import AudioError
from ssaser.features import FeatureConfig, compute_features
from ssaser.inference import Recognizer, SpeakerStats, SpeakerStatsError, enroll
from random_models import generated_voice


@pytest.fixture
def recordings(tmp_path):
    paths = []
    for k, seconds in enumerate([1.2, 2.5, 0.8]):
        path = tmp_path / f"rec{k}.wav"
        sf.write(path, generated_voice(seconds, pitch=180.0, seed=20 + k), 16000, subtype="FLOAT")
        paths.append(path)
    return paths


def test_enrolled_statistics_pool_all_frames(recordings, tmp_path):
    stats = enroll(recordings, speaker="alice")
    frames = np.concatenate([compute_features(sf.read(p, dtype="float32")[0]) for p in recordings], axis=1)
    assert stats.frames == frames.shape[1]
    np.testing.assert_allclose(stats.mean, frames.mean(axis=1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(stats.std, np.maximum(frames.std(axis=1), 1e-3), rtol=1e-4, atol=1e-6)
    path = stats.save(tmp_path / "alice.json")
    loaded = SpeakerStats.load(path)
    np.testing.assert_array_equal(loaded.mean, stats.mean)
    assert loaded.speaker == "alice" and loaded.files == [str(p) for p in recordings]


def test_recognizer_uses_enrolled_statistics(recordings, model_dir, voice, tmp_path):
    path = enroll(recordings).save(tmp_path / "spk.json")
    recognizer = Recognizer.from_pretrained(model_dir, speaker_stats=path)
    prediction = recognizer.classify(voice, 16000)
    # The file's name only: a service never shows its paths.
    assert prediction.normalization.kind == "speaker-stats" and prediction.normalization.source == path.name
    baseline = Recognizer.from_pretrained(model_dir).classify(voice, 16000)
    assert baseline.normalization.kind == "global"
    assert any(abs(prediction.scores[k] - baseline.scores[k]) > 1e-7 for k in prediction.scores)


def test_bad_stats_files_and_recordings(recordings, tmp_path):
    other = enroll(recordings[:1], FeatureConfig(n_mels=40, fmax=4000.0))
    with pytest.raises(SpeakerStatsError, match="other feature settings"):
        other.check_compatible(FeatureConfig(), "x.json")
    (tmp_path / "bad.json").write_text(json.dumps({"format": "something else"}))
    with pytest.raises(SpeakerStatsError, match="not a speaker stats file"):
        SpeakerStats.load(tmp_path / "bad.json")
    with pytest.raises(SpeakerStatsError, match="not found"):
        SpeakerStats.load(tmp_path / "none.json")
    (tmp_path / "junk.wav").write_bytes(b"not audio at all")
    with pytest.raises(AudioError, match="junk.wav"):
        enroll([recordings[0], tmp_path / "junk.wav"])
