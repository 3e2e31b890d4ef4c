"""A recognizer over several models: their window posteriors averaged, each with its own statistics."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ssaser.cli.main import main
from ssaser.errors import SsaserError
from ssaser.inference import Recognizer
from ssaser.inference.enrollment import SpeakerStats
from random_models import build_random_model_dir


@pytest.fixture(scope="module")
def other_dir(tmp_path_factory):
    """Another system, other weights and other training statistics than ``model_dir``."""
    return build_random_model_dir(tmp_path_factory.mktemp("models") / "tiny-acrnn-r", system="acrnn-r", seed=5)


def _segment_probs(prediction, labels):
    return np.array([[s.scores[label] for label in labels] for s in prediction.segments])


def test_posteriors_are_the_mean_of_the_members(model_dir, other_dir, voice):
    alone = [Recognizer.from_pretrained(d) for d in (model_dir, other_dir)]
    both = Recognizer.from_pretrained(model_dir, ensemble=[other_dir])
    expected = np.mean([_segment_probs(r.classify(voice, 16000), r.labels) for r in alone], axis=0)
    assert not np.allclose(*[_segment_probs(r.classify(voice, 16000), r.labels) for r in alone], atol=1e-3)
    prediction = both.classify(voice, 16000)
    np.testing.assert_allclose(_segment_probs(prediction, both.labels), expected, atol=1e-5)
    np.testing.assert_allclose(list(prediction.scores.values()), expected.mean(axis=0), atol=1e-5)
    assert both.info["system"] == "ssa-crnn-r + acrnn-r" and both.info["backend"] == "ensemble of 2 (torch)"
    assert both.info["model"] == "tiny-ssa + tiny-acrnn-r"


def test_each_member_keeps_its_own_global_statistics(model_dir, other_dir):
    both = Recognizer.from_pretrained(model_dir, ensemble=[other_dir])
    (_, m0, _), (_, m1, _) = both.backend.members
    other = Recognizer.from_pretrained(other_dir)
    np.testing.assert_array_equal(m1, other._mean)  # not the first model's
    assert not np.array_equal(m0, m1)


def test_enrolled_statistics_serve_every_member(model_dir, other_dir, voice, tmp_path):
    config = Recognizer.from_pretrained(model_dir).feature_config
    stats = SpeakerStats(np.full((3, 40), 0.5), np.full((3, 40), 2.0), config, frames=500, speaker="guest")
    stats.save(tmp_path / "guest.json")
    both = Recognizer.from_pretrained(model_dir, ensemble=[other_dir], speaker_stats=tmp_path / "guest.json")
    assert all(np.array_equal(m, np.full((3, 40), 0.5, np.float32)) for _, m, _ in both.backend.members)
    assert both.normalization.kind == "speaker-stats"


def test_members_of_other_emotions_are_refused(model_dir, tmp_path):
    fewer = build_random_model_dir(tmp_path / "three", emotions=["anger", "joy", "sadness"], seed=7)
    with pytest.raises(SsaserError, match="ensemble model 2 .*emotions"):
        Recognizer.from_pretrained(model_dir, ensemble=[fewer])


def test_predict_cli_averages_repeated_ensemble_models(model_dir, other_dir, voice_wav, capsys):
    assert main(["predict", str(model_dir), str(voice_wav), "--json"]) == 0
    single = json.loads(capsys.readouterr().out)[0]
    assert main(["predict", str(model_dir), str(voice_wav), "--ensemble", str(other_dir), "--ensemble", str(model_dir),
                 "--json"]) == 0
    row = json.loads(capsys.readouterr().out)[0]
    assert row["file"] == single["file"] and row["scores"] != single["scores"]
    assert sum(row["scores"].values()) == pytest.approx(1.0, abs=1e-5)
    assert main(["predict", "--model", str(model_dir), "--ensemble", "no-such-model", str(voice_wav)]) == 1
    assert "no-such-model" in capsys.readouterr().err


def test_self_normalisation_reaches_every_member(model_dir, other_dir, voice):
    both = Recognizer.from_pretrained(model_dir, ensemble=[other_dir])
    config = both.feature_config
    stats = SpeakerStats(np.full((3, 40), -1.0), np.full((3, 40), 3.0), config, frames=500, speaker="s")
    own = both.with_speaker_stats(stats, "self:s")
    assert own.normalization.kind == "speaker-stats" and own.info["backend"] == "ensemble of 2 (torch)"
    assert all(np.array_equal(m, np.full((3, 40), -1.0, np.float32)) for _, m, _ in own.backend.members)
    alone = [Recognizer.from_pretrained(d, ensemble=()).with_speaker_stats(stats) for d in (model_dir, other_dir)]
    expected = np.mean([list(r.classify(voice, 16000).scores.values()) for r in alone], axis=0)
    np.testing.assert_allclose(list(own.classify(voice, 16000).scores.values()), expected, atol=1e-5)
