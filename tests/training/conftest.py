"""A tiny generated corpus shared by the training tests (3 speakers x 3 emotions x 4 utterances)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssaser.data.synth import synthesize_corpus


@pytest.fixture(scope="session")
def tiny_manifest(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("tiny_corpus")
    return synthesize_corpus(root, speakers=3, utterances_per_emotion=4, emotions=("neutral", "angry", "sad"), seed=0)


@pytest.fixture(scope="session")
def feature_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("feature_cache")
