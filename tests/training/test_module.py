"""What the training logs record per step: the learning-rate schedule (warm-up, cosine decay) and
the speaker adversary's ramp."""

from __future__ import annotations

import csv
import math

import pytest

from ssaser.cli.main import main
from ssaser.training.adversary import SpeakerAdversary
from ssaser.training.module import lr_factor


def test_warmup_then_cosine_reaches_zero_at_the_last_step():
    factor = lr_factor("cosine", warmup_steps=4, total_steps=20)
    assert [factor(s) for s in range(4)] == [0.25, 0.5, 0.75, 1.0]
    assert factor(4) == 1.0 and factor(12) == pytest.approx(0.5) and factor(20) == pytest.approx(0.0)
    values = [factor(s) for s in range(4, 21)]
    assert all(a > b for a, b in zip(values, values[1:]))  # strictly decreasing after the warm-up


def test_constant_schedule_is_the_paper_s_flat_lr_after_any_warmup():
    assert [lr_factor("constant", 0, 10)(s) for s in range(10)] == [1.0] * 10
    assert [lr_factor("constant", 2, 10)(s) for s in range(4)] == [0.5, 1.0, 1.0, 1.0]


def test_training_steps_follow_the_configured_schedule(tiny_manifest, feature_cache, tmp_path):
    out = tmp_path / "run"
    args = ["train", "--manifest", str(tiny_manifest), "--cache", str(feature_cache), "--out", str(out),
            "--model", "acrnn", "--preset", "tiny", "--epochs", "3", "--no-progress", "--accelerator", "cpu",
            "--set", "batch_size=9", "--set", "batches_per_epoch=4", "--set", "lr=1e-3",
            "--set", "lr_schedule=cosine", "--set", "warmup_epochs=1"]
    assert main(args) == 0
    rows = list(csv.DictReader((out / "logs" / "csv" / "version_0" / "metrics.csv").open()))
    lrs = [float(r["lr-NAdam"]) for r in rows if r.get("lr-NAdam")]
    expected = [1e-3 * lr_factor("cosine", 4, 12)(s) for s in range(12)]
    assert len(lrs) == 12
    assert all(math.isclose(a, b, rel_tol=1e-6) for a, b in zip(lrs, expected)), lrs


def test_the_speaker_adversarys_reversal_rises_over_the_training_steps(tiny_manifest, feature_cache, tmp_path):
    out = tmp_path / "run"
    args = ["train", "--manifest", str(tiny_manifest), "--cache", str(feature_cache), "--out", str(out),
            "--model", "acrnn-r", "--preset", "tiny", "--epochs", "3", "--no-progress", "--accelerator", "cpu",
            "--set", "batch_size=9", "--set", "batches_per_epoch=4", "--set", "speaker_adversary=0.5"]
    assert main(args) == 0
    rows = list(csv.DictReader((out / "logs" / "csv" / "version_0" / "metrics.csv").open()))
    scales = [float(r["adversary_reversal"]) for r in rows if r.get("adversary_reversal")]
    adversary = SpeakerAdversary(8, 2, weight=0.5)
    assert len(scales) == 12
    assert all(math.isclose(a, adversary.reversal_scale(s / 12), rel_tol=1e-5, abs_tol=1e-7)
               for s, a in enumerate(scales)), scales
    assert [r["adversary_loss"] for r in rows if r.get("adversary_loss")]  # once per epoch


def _steps(run) -> int:
    rows = csv.DictReader((run / "logs" / "csv" / "version_0" / "metrics.csv").open())
    return sum(1 for r in rows if r.get("lr-NAdam"))


def test_speed_perturbation_enlarges_the_pool_not_the_epoch(tiny_manifest, feature_cache, tmp_path):
    common = ["--manifest", str(tiny_manifest), "--cache", str(feature_cache), "--model", "acrnn",
              "--preset", "tiny", "--epochs", "1", "--no-progress", "--accelerator", "cpu", "--set", "batch_size=9"]
    assert main(["train", *common, "--out", str(tmp_path / "plain")]) == 0
    assert main(["train", *common, "--out", str(tmp_path / "speed"), "--set", "speed_perturb=[0.9, 1.1]"]) == 0
    assert _steps(tmp_path / "speed") == _steps(tmp_path / "plain") > 0
    suffixes = {p.stem.split("-", 1)[1] for p in feature_cache.rglob("*-speed*.npy")}
    assert suffixes == {"speed0.9", "speed1.1"}


def test_weight_averaging_selects_and_saves_the_averaged_weights(tiny_manifest, feature_cache, tmp_path):
    import json

    import torch

    from ssaser.models.model_dir import load_model_dir

    common = ["--manifest", str(tiny_manifest), "--cache", str(feature_cache), "--model", "acrnn",
              "--preset", "tiny", "--epochs", "3", "--no-progress", "--accelerator", "cpu", "--set", "batch_size=9",
              "--set", "lr=3e-3"]
    assert main(["train", *common, "--out", str(tmp_path / "plain")]) == 0
    assert main(["train", *common, "--out", str(tmp_path / "ema"), "--set", "ema_decay=0.8"]) == 0
    summary = json.loads((tmp_path / "ema" / "train.json").read_text())
    # The reported figure is the selected epoch's, scored again on the saved (averaged) weights.
    assert summary["history"][summary["best_epoch"]]["val_uar"] == pytest.approx(summary["val"]["uar"], abs=1e-9)
    plain = load_model_dir(tmp_path / "plain" / "model").state_dict()
    ema = load_model_dir(tmp_path / "ema" / "model").state_dict()
    assert not all(torch.equal(plain[k], ema[k]) for k in plain)  # same seed, same steps: only the averaging differs
