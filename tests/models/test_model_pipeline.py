"""SerModel (waveform in) and model directories (save, load, identical outputs, bad files)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from ssaser.errors import ModelFileError
from ssaser.features import FeatureConfig, SpeakerNormalizer, compute_features
from ssaser.models import ModelConfigError, get_preset
from ssaser.models.model_dir import CONFIG_NAME, WEIGHTS_NAME, load_model_dir, save_model_dir
from ssaser.models.pipeline import SerModel

EMOTIONS = ["angry", "happy", "neutral", "sad"]


def _normalizer(seed: int = 0) -> SpeakerNormalizer:
    rng = np.random.default_rng(seed)
    feats = [rng.standard_normal((3, 120, 40)) * (1 + i) + i for i in range(4)]
    return SpeakerNormalizer().fit(feats, ["s1", "s1", "s2", "s3"])


def _model(name: str = "ssa-crnn-r") -> SerModel:
    torch.manual_seed(0)
    return SerModel(name, get_preset("tiny"), FeatureConfig(), EMOTIONS, ["s1", "s2", "s3"], _normalizer())


def test_waveform_path_equals_features_path(tone: np.ndarray) -> None:
    model = _model().eval()
    norm = model.normalizer
    feats = norm.transform(compute_features(tone), None)  # (3, frames, 40), about 1 s
    segment = np.zeros((3, 300, 40), dtype=np.float32)
    segment[:, : feats.shape[1]] = feats
    wave = torch.from_numpy(tone)[None]
    with torch.no_grad():
        from_wave = model.forward_waveform(wave)
        from_feats = model.forward_features(torch.from_numpy(segment)[None])
        torch.testing.assert_close(model.features(wave), torch.from_numpy(segment)[None], rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(from_wave.emotion_logits, from_feats.emotion_logits, rtol=1e-4, atol=1e-5)
    assert set(from_wave.attention) >= {"alpha_em", "alpha_sp"}


def test_long_audio_is_cropped_and_speaker_stats_override(tone: np.ndarray) -> None:
    model = _model().eval()
    wave = torch.from_numpy(np.tile(tone, 5))[None]  # 5 s: cropped to the first 300 frames
    feats = model.features(wave)
    assert feats.shape == (1, 3, 300, 40)
    mean, std = model.speaker_stats("s3")
    own = model.features(wave, mean, std)
    assert not torch.allclose(own, feats)
    per_row = model.features(wave.repeat(2, 1), mean.expand(2, 3, 40), std.expand(2, 3, 40))
    torch.testing.assert_close(per_row[1:], own)
    assert model(wave).shape == (1, 4)


def test_feature_and_model_configs_must_agree() -> None:
    with pytest.raises(ModelConfigError):
        SerModel("acrnn", get_preset("tiny"), FeatureConfig(n_mels=64), EMOTIONS)


@pytest.mark.parametrize("name", ["acrnn", "acrnn-r", "ssa-crnn-r"])
def test_round_trip_gives_identical_outputs(tmp_path, name: str) -> None:
    model = _model(name)
    # Move BatchNorm running statistics away from their defaults so they are checked too.
    model.train()
    with torch.no_grad():
        model.forward_features(torch.randn(4, 3, 300, 40))
    model.eval()
    save_model_dir(tmp_path / "m", model, {"corpus": "synthetic", "epochs": 1})
    config = json.loads((tmp_path / "m" / CONFIG_NAME).read_text())
    assert config["system"] == name and config["format_version"] == 1
    assert config["emotions"] == EMOTIONS and config["speakers"] == ["s1", "s2", "s3"]
    assert config["normalizer"]["global"]["mean"] == model.normalizer.to_dict()["global"]["mean"]
    loaded = load_model_dir(tmp_path / "m")
    assert not loaded.training and loaded.training_info == {"corpus": "synthetic", "epochs": 1}
    assert loaded.emotions == EMOTIONS and loaded.model_config == model.model_config
    wave = torch.randn(2, 24000) * 0.1
    with torch.no_grad():
        a, b = model.forward_waveform(wave), loaded.forward_waveform(wave)
    assert torch.equal(a.emotion_logits, b.emotion_logits)
    mean, std = loaded.speaker_stats("s2")
    np.testing.assert_allclose(mean.numpy(), model.normalizer.stats_for("s2")[0].astype(np.float32))


def test_bad_model_directories(tmp_path) -> None:
    with pytest.raises(ModelFileError, match="no config.json"):
        load_model_dir(tmp_path / "absent")
    root = save_model_dir(tmp_path / "m", _model())
    config_file, weights = root / CONFIG_NAME, root / WEIGHTS_NAME
    good = config_file.read_text()

    config_file.write_text(good.replace('"format_version": 1', '"format_version": 99'))
    with pytest.raises(ModelFileError, match="format version"):
        load_model_dir(root)
    config_file.write_text("{not json")
    with pytest.raises(ModelFileError, match="not valid JSON"):
        load_model_dir(root)
    config_file.write_text(good.replace('"lstm_hidden": 16', '"lstm_hidden": 17'))
    with pytest.raises(ModelFileError, match="do not match"):
        load_model_dir(root)
    config_file.write_text(good)
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(ModelFileError, match="unreadable"):
        load_model_dir(root)
    weights.unlink()
    with pytest.raises(ModelFileError, match="no model.safetensors"):
        load_model_dir(root)
