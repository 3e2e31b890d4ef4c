"""Recognizer: streamed windows equal the whole-utterance computation of training."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf
import torch

from ssaser.errors import AudioError, SsaserError
from ssaser.features import compute_features, segment_features
from ssaser.inference import Recognizer
from random_models import generated_voice
from ssaser.inference.windows import StreamEnd, chunk_array, iter_window_jobs


def reference_posteriors(recognizer: Recognizer, wave: np.ndarray, hop_frames: int | None = None) -> np.ndarray:
    """Training's path, written out: whole-utterance features, normalise, segment (pad), softmax."""
    model = recognizer.model
    feats = compute_features(wave, model.feature_config)
    mean, std = model.normalizer.stats_for(None)
    normed = ((feats - mean[:, None, :]) / std[:, None, :]).astype(np.float32)
    segments = segment_features(normed, model.feature_config.segment_frames, hop_frames)
    with torch.no_grad():
        logits = model.forward_features(torch.from_numpy(segments)).emotion_logits.double()
    return torch.softmax(logits, dim=1).numpy()


def probs_of(windows, labels) -> np.ndarray:
    return np.array([[w.scores[label] for label in labels] for w in windows])


def test_classify_equals_whole_utterance_path(recognizer, voice):
    expected = reference_posteriors(recognizer, voice)
    prediction = recognizer.classify(voice, 16000)
    assert len(prediction.segments) == 3
    np.testing.assert_allclose(probs_of(prediction.segments, recognizer.labels), expected, atol=1e-6)
    np.testing.assert_allclose(list(prediction.scores.values()), expected.mean(axis=0), atol=1e-6)
    assert prediction.label == recognizer.labels[int(expected.mean(axis=0).argmax())]
    assert [(s.start, s.end) for s in prediction.segments] == [(0.0, 3.0), (3.0, 6.0), (6.0, 7.3)]
    assert prediction.duration == pytest.approx(7.3)


@pytest.mark.parametrize("block", [1000, 48000, 10**6])
def test_windows_do_not_depend_on_block_size(recognizer, voice, block):
    config = recognizer.feature_config
    jobs = list(iter_window_jobs(chunk_array(voice, block), config, [300, 70]))
    reference = list(iter_window_jobs([voice], config, [300, 70]))
    assert isinstance(jobs[-1], StreamEnd) and jobs[-1].total_samples == voice.size
    assert [(j.start, j.valid, j.offset) for j in jobs[:-1]] == [(j.start, j.valid, j.offset) for j in reference[:-1]]
    for got, want in zip(jobs[:-1], reference[:-1]):
        np.testing.assert_array_equal(got.wave, want.wave)


def test_timeline_windows_equal_overlapping_segments(recognizer, voice):
    prediction, timeline = recognizer.analyze((voice, 16000), hop=0.7)
    expected = reference_posteriors(recognizer, voice, hop_frames=70)
    assert len(timeline.windows) == len(expected)  # segment_features' count: 1 + ceil((730 - 300) / 70)
    np.testing.assert_allclose(timeline.probabilities(), expected, atol=1e-6)
    assert [w.start for w in timeline.windows] == pytest.approx([0.7 * k for k in range(len(expected))])
    assert timeline.hop == pytest.approx(0.7) and timeline.window == pytest.approx(3.0)
    # One pass serves both sequences: the utterance result is unchanged by the timeline.
    np.testing.assert_allclose(list(prediction.scores.values()),
                               list(recognizer.classify(voice, 16000).scores.values()), atol=1e-9)


def test_file_array_bytes_and_batch_agree(recognizer, voice, voice_wav):
    from_array = recognizer.classify(voice, 16000)
    from_file = recognizer.classify_file(voice_wav)
    from_bytes = recognizer.classify_bytes(voice_wav.read_bytes(), "upload.wav")
    batch = recognizer.classify_batch([voice_wav, (voice[:20000], 16000), voice_wav.read_bytes()])
    assert from_file.source == str(voice_wav) and from_bytes.source == "upload.wav"
    for other in (from_file, from_bytes, batch[0], batch[2]):
        np.testing.assert_allclose(list(other.scores.values()), list(from_array.scores.values()), atol=1e-6)
    alone = recognizer.classify(voice[:20000], 16000)
    np.testing.assert_allclose(list(batch[1].scores.values()), list(alone.scores.values()), atol=1e-6)


def test_resampled_and_stereo_input(recognizer, tmp_path):
    wave = generated_voice(2.0, 44100, seed=4)
    path = tmp_path / "stereo.flac"
    sf.write(path, np.stack([wave, wave], axis=1), 44100)
    from_file = recognizer.classify_file(path)
    from_array = recognizer.classify(np.stack([wave, wave], axis=1), 44100)
    assert from_file.duration == pytest.approx(2.0, abs=1e-3)
    np.testing.assert_allclose(list(from_file.scores.values()), list(from_array.scores.values()), atol=1e-4)


def test_results_are_json_and_hf_style(recognizer, voice):
    prediction = recognizer.classify(voice, 16000)
    hf = prediction.to_hf()
    assert [item["label"] for item in hf] == sorted(prediction.scores, key=prediction.scores.get, reverse=True)
    assert hf[0] == {"label": prediction.label, "score": prediction.score}
    assert sum(item["score"] for item in hf) == pytest.approx(1.0)
    data = json.loads(json.dumps(prediction.to_dict()))
    assert data["normalization"] == {"kind": "global", "source": None}
    assert set(data) >= {"file", "label", "score", "scores", "segments", "duration"}


def test_bad_inputs_raise_one_line_errors(recognizer, tmp_path):
    with pytest.raises(AudioError, match="shorter than one analysis window"):
        recognizer.classify(np.zeros(399, np.float32), 16000)
    with pytest.raises(AudioError, match="NaN"):
        recognizer.classify(np.array([0.0, np.nan] * 400), 16000)
    with pytest.raises(AudioError, match="file not found"):
        recognizer.classify_file(tmp_path / "missing.wav")
    with pytest.raises(SsaserError, match="hop"):
        recognizer.timeline(tmp_path / "missing.wav", hop=0.001)
    with pytest.raises(SsaserError, match="training speakers"):
        Recognizer(recognizer.model, speaker="nobody")


def test_model_speaker_statistics_change_the_input(recognizer, voice):
    spk = Recognizer(recognizer.model, speaker="spk3")
    assert spk.normalization.kind == "model-speaker" and spk.normalization.source == "spk3"
    a = recognizer.classify(voice, 16000).segments[0].scores
    b = spk.classify(voice, 16000).segments[0].scores
    assert any(abs(a[k] - b[k]) > 1e-7 for k in a)
