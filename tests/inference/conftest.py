"""Fixtures of the inference tests: an untrained tiny model directory and generated recordings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ssaser.inference import Recognizer
from random_models import build_random_model_dir, generated_voice


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny ``ssa-crnn-r`` with random weights and a normaliser fitted on generated voices."""
    return build_random_model_dir(tmp_path_factory.mktemp("models") / "tiny-ssa", seed=3)


@pytest.fixture(scope="session")
def recognizer(model_dir: Path) -> Recognizer:
    return Recognizer.from_pretrained(model_dir)


@pytest.fixture(scope="session")
def voice() -> np.ndarray:
    """7.3 s at 16 kHz: three segments, the last one padded."""
    return generated_voice(7.3, seed=11)


@pytest.fixture(scope="session")
def voice_wav(tmp_path_factory: pytest.TempPathFactory, voice: np.ndarray) -> Path:
    path = tmp_path_factory.mktemp("audio") / "voice.wav"
    sf.write(path, voice, 16000, subtype="FLOAT")
    return path
