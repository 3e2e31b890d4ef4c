"""An untrained model directory (random weights, statistics from generated audio).

For tests, smoke checks and the service benchmark: it has every part a trained model has
(front end, both branches, heads, per-speaker and global statistics, label and speaker names)
without needing a training run. Its predictions mean nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from ssaser.features import FeatureConfig, SpeakerNormalizer, compute_features

DEFAULT_EMOTIONS = ("angry", "happy", "neutral", "sad")
DEFAULT_SPEAKERS = ("spk1", "spk2", "spk3")


def generated_voice(seconds: float, sample_rate: int = 16000, pitch: float = 140.0, seed: int = 0) -> np.ndarray:
    """A voiced-speech-like test signal: harmonics of a wavering pitch, syllable-rate envelope, noise.

    Returns
    -------
    np.ndarray
        ``(round(seconds * sample_rate),)`` float32 in [-1, 1].
    """
    rng = np.random.default_rng(seed)
    t = np.arange(int(round(seconds * sample_rate))) / sample_rate
    f0 = pitch * (1.0 + 0.08 * np.sin(2 * np.pi * 0.7 * t + rng.uniform(0, 6.28)))
    phase = 2 * np.pi * np.cumsum(f0) / sample_rate
    voice = sum(np.sin(k * phase) / k for k in range(1, 12))
    envelope = 0.55 + 0.45 * np.sin(2 * np.pi * 4.0 * t + rng.uniform(0, 6.28))
    wave = 0.25 * envelope * voice / 3.0 + 0.01 * rng.standard_normal(t.size)
    return np.clip(wave, -1.0, 1.0).astype(np.float32)


def build_random_model(system: str = "ssa-crnn-r", preset: str = "tiny",
                       emotions: Sequence[str] = DEFAULT_EMOTIONS, speakers: Sequence[str] = DEFAULT_SPEAKERS,
                       seed: int = 0, feature_config: FeatureConfig | None = None, **model_options):
    """A :class:`ssaser.models.SerModel` with random weights and a normaliser fitted on generated voices.

    ``model_options`` override fields of the preset's ModelConfig.

    Returns
    -------
    SerModel
        In eval mode.
    """
    from ssaser.models import SerModel, get_preset

    config = feature_config or FeatureConfig()
    waves = [generated_voice(2.5, config.sample_rate, 110.0 + 40.0 * i, seed + i) for i in range(len(speakers))]
    features = [compute_features(w, config) for w in waves]
    normalizer = SpeakerNormalizer().fit(features, list(speakers))
    torch.manual_seed(seed)
    model_config = get_preset(preset, n_mels=config.n_mels, segment_frames=config.segment_frames, **model_options)
    model = SerModel(system, model_config, config, emotions=emotions, speakers=speakers, normalizer=normalizer)
    return model.eval()


def build_random_model_dir(path: str | Path, system: str = "ssa-crnn-r", preset: str = "tiny",
                           emotions: Sequence[str] = DEFAULT_EMOTIONS, speakers: Sequence[str] = DEFAULT_SPEAKERS,
                           seed: int = 0) -> Path:
    """Write :func:`build_random_model` to the model directory ``path``; returns it."""
    from ssaser.models import save_model_dir

    model = build_random_model(system, preset, emotions, speakers, seed)
    return save_model_dir(path, model, {"note": "random weights (ssaser.inference.random_model), not trained"})
