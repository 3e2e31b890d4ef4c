"""The seams of "Extending" (#17): a toy system added with one registry entry trains, saves,
predicts and is reported; a shared setting is stated once; augmentations plug in from the config,
deterministic per (seed, epoch)."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from ssaser.cli.main import main
from ssaser.inference import Recognizer
from ssaser.models.registry import SystemSpec, register_system, unregister_system
from ssaser.models.spec import resolve_model_spec
from ssaser.models.systems import SystemOutput
from ssaser.training.augment import (
    AugmentationError,
    build_augmentations,
    register_augmentation,
    step_generator,
    unregister_augmentation,
)

TINY = ["--preset", "tiny", "--set", "batch_size=9", "--no-progress", "--accelerator", "cpu", "--epochs", "1"]


class ToySystem(nn.Module):
    """Mean log-Mel of the segment -> linear: the smallest thing that is a system."""

    def __init__(self, config, n_emotions: int, n_speakers: int | None) -> None:
        super().__init__()
        self.config = config
        self.head = nn.Linear(config.in_channels * config.n_mels, n_emotions)

    def forward(self, features: torch.Tensor) -> SystemOutput:
        pooled = features.mean(dim=2).flatten(1)  # (batch, channels * bins)
        return SystemOutput(self.head(pooled), None, pooled)


@pytest.fixture
def toy_system():
    register_system(SystemSpec("toy", "Toy", ToySystem, description="mean log-Mel + linear"))
    yield "toy"
    unregister_system("toy")


def test_a_toy_system_is_one_registry_entry(toy_system, tiny_manifest, feature_cache, tmp_path, capsys):
    out = tmp_path / "train"
    args = ["--manifest", str(tiny_manifest), "--cache", str(feature_cache), *TINY]
    assert main(["train", "--model", "toy", "--out", str(out), *args]) == 0
    recognizer = Recognizer.from_pretrained(out / "model")
    wav = json.loads((out / "train.json").read_text())["manifest"]
    assert recognizer.info["system"] == "toy" and len(recognizer.labels) == 3
    import pandas as pd

    first = pd.read_csv(wav).iloc[0]["file"]
    assert sum(recognizer.classify_file(tiny_manifest.parent / first).scores.values()) == pytest.approx(1.0)
    assert main(["cv", "--model", "toy", "acrnn", "--folds", "2", "--out", str(tmp_path / "cv"), *args]) == 0
    report = (tmp_path / "cv" / "report.md").read_text()
    assert "| Toy |" in report and "| ACRNN |" in report
    assert "The paper's ordering" not in report  # one paper system only: no ordering sentence


@pytest.mark.parametrize("system", ["acrnn", "ssa-crnn-r"])
def test_segment_frames_stated_once_trains_and_saves(system, tiny_manifest, feature_cache, tmp_path):
    out = tmp_path / system
    assert main(["train", "--model", system, "--manifest", str(tiny_manifest), "--cache", str(feature_cache),
                 "--out", str(out), *TINY, "--set", "feature_options.segment_frames=200"]) == 0
    recognizer = Recognizer.from_pretrained(out / "model")
    assert recognizer.model.model_config.segment_frames == 200 == recognizer.feature_config.segment_frames
    assert recognizer.window_seconds == pytest.approx(2.0)


def test_a_contradiction_is_one_line_before_any_feature(tiny_manifest, tmp_path, capsys):
    cache = tmp_path / "never_written"
    assert main(["train", "--manifest", str(tiny_manifest), "--cache", str(cache), "--out", str(tmp_path / "x"),
                 *TINY, "--set", "model_options.n_mels=64"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["ssaser train: error: model_options.n_mels = 64 contradicts feature_options.n_mels = 40: "
                   "state it only there"]
    assert not cache.exists()  # nothing was computed
    spec = resolve_model_spec("ssa-crnn-r", "tiny", {}, {"n_mels": 64})
    assert spec.model_config.n_mels == 64 and spec.model_config.mels_after_pool == 16


class AddNoise:
    def __init__(self, scale: float = 0.1) -> None:
        if scale < 0:
            raise ValueError("scale must be >= 0")
        self.scale = scale

    def __call__(self, features, labels, generator):
        return features + self.scale * torch.randn(features.shape, generator=generator)


@pytest.fixture
def noise_augmentation():
    register_augmentation("noise", AddNoise)
    yield "noise"
    unregister_augmentation("noise")


def test_augmentations_plug_in_from_the_config(noise_augmentation, tiny_manifest, feature_cache, tmp_path):
    (augmentation,) = build_augmentations([{"name": "noise", "scale": 0.5}])
    x, y = torch.zeros(4, 3, 10, 8), torch.zeros(4, dtype=torch.long)
    same = [augmentation(x, y, step_generator(7, epoch=2, batch=3)) for _ in range(2)]
    torch.testing.assert_close(same[0], same[1])  # a function of (seed, epoch, batch) only
    assert not torch.equal(same[0], augmentation(x, y, step_generator(7, epoch=3, batch=3)))
    with pytest.raises(AugmentationError, match="unknown augmentation 'blur'"):
        build_augmentations([{"name": "blur"}])
    with pytest.raises(AugmentationError, match="noise: scale must be >= 0"):
        build_augmentations([{"name": "noise", "scale": -1}])
    runs = []
    for k in range(2):
        out = tmp_path / f"run{k}"
        assert main(["train", "--model", "acrnn", "--manifest", str(tiny_manifest), "--cache", str(feature_cache),
                     "--out", str(out), *TINY, "--set", "augment=[{name: noise, scale: 0.3}]"]) == 0
        runs.append(json.loads((out / "train.json").read_text())["history"])
    assert runs[0] == runs[1]  # reproducible with augmentation on
