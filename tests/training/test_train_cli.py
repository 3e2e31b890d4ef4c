"""``ssaser train`` end to end: a loadable model directory, DDP on CPU, kill and resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from ssaser.audio import load_audio
from ssaser.cli.main import main
from ssaser.data.manifest import read_manifest
from ssaser.features import FeatureCache, segment_features
from ssaser.models.model_dir import load_model_dir
from ssaser.runtime import bf16_supported

TINY = ["--preset", "tiny", "--set", "batch_size=9", "--no-progress", "--accelerator", "cpu"]


def _train_args(manifest, cache, out, *extra):
    return ["train", "--manifest", str(manifest), "--cache", str(cache), "--out", str(out), *TINY, *extra]


def test_train_writes_a_model_directory_that_reproduces_training_outputs(tiny_manifest, feature_cache, tmp_path):
    out = tmp_path / "run"
    assert main(_train_args(tiny_manifest, feature_cache, out, "--model", "ssa-crnn-r", "--epochs", "2")) == 0
    summary = json.loads((out / "train.json").read_text())
    assert [h["epoch"] for h in summary["history"]] == [0, 1]
    assert summary["val_utterances"] > 0 and 0 <= summary["val"]["uar"] <= 1
    # One "best" figure: the epoch was selected on the float32 validation UAR that is reported,
    # also where training ran in bf16 (validation never runs under autocast).
    best = summary["history"][summary["best_epoch"]]
    assert best["val_uar"] == pytest.approx(summary["val"]["uar"], abs=1e-9)
    assert max(h["val_uar"] for h in summary["history"]) == best["val_uar"]
    # The precision it really ran with: the packaged configs ask for bf16, which falls back to
    # float32 on a CPU without bf16 kernels.
    expected = "bf16-mixed" if bf16_supported("cpu") else "32-true"
    assert summary["precision"] == expected and summary["config"]["bf16"] is True
    assert torch.__version__ in summary["machine"]
    assert (out / "checkpoints" / "last.ckpt").is_file()
    assert (out / "logs" / "csv" / "version_0" / "metrics.csv").is_file()
    assert list((out / "logs" / "tensorboard" / "version_0").glob("events.out.tfevents.*"))

    model = load_model_dir(out / "model")
    assert model.emotions == ["anger", "neutral", "sadness"]
    assert model.system_name == "ssa-crnn-r" and len(model.speakers) == 3
    # The loaded model on raw audio (with the speaker's training statistics) gives the
    # outputs of the training pipeline (cache -> normaliser -> segment) within float error.
    row = read_manifest(tiny_manifest).iloc[0]
    wave = torch.from_numpy(load_audio(row["file"]))[None]
    mean, std = model.speaker_stats(row["speaker"])
    via_model = model.forward_waveform(wave, mean, std).emotion_logits
    feats = FeatureCache(feature_cache).get(row["file"])
    seg = segment_features(model.normalizer.transform(feats, row["speaker"]), 300)
    with torch.no_grad():
        via_training = model.system(torch.from_numpy(seg)).emotion_logits
    torch.testing.assert_close(via_model, via_training, atol=1e-3, rtol=1e-3)


def test_train_refuses_to_overwrite_checkpoints_without_resume(tiny_manifest, feature_cache, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(_train_args(tiny_manifest, feature_cache, out, "--model", "acrnn", "--epochs", "1")) == 0
    assert main(_train_args(tiny_manifest, feature_cache, out, "--model", "acrnn", "--epochs", "1")) == 1
    assert "--resume" in capsys.readouterr().err


def _cli(*args):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    return [sys.executable, "-m", "ssaser", *args], env


def test_ddp_two_processes_on_cpu(tiny_manifest, feature_cache, tmp_path):
    out = tmp_path / "ddp"
    cmd, env = _cli(*_train_args(tiny_manifest, feature_cache, out, "--model", "acrnn-r", "--epochs", "1",
                                 "--devices", "2", "--strategy", "ddp"))
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    log = proc.stdout + proc.stderr
    assert "MEMBER: 1/2" in log and "MEMBER: 2/2" in log  # both ranks joined the gloo group
    assert load_model_dir(out / "model").system_name == "acrnn-r"
    assert len(json.loads((out / "train.json").read_text())["history"]) == 1


@pytest.mark.parametrize("augment", [(), ("--set", "augment=[{name: specaugment, time_width: 20}, {name: mel-warp}]",
                                          "--set", "lr_schedule=cosine", "--set", "warmup_epochs=1",
                                          "--set", "label_smoothing=0.1", "--set", "ema_decay=0.9",
                                          "--set", "mixup_alpha=0.4", "--set", "speaker_adversary=0.5")],
                         ids=["plain", "specaugment-melwarp-cosine-warmup-smoothing-ema-mixup-adversary"])
def test_sigkill_then_resume_matches_an_uninterrupted_run(tiny_manifest, feature_cache, tmp_path, augment):
    common = ("--model", "ssa-crnn-r", "--epochs", "4", "--seed", "7", "--set", "batches_per_epoch=6", *augment)
    # The reference runs in this process (same code path, one interpreter start less), with the
    # subprocesses' single thread: bf16 sums split over 2 threads round differently.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert main(_train_args(tiny_manifest, feature_cache, tmp_path / "ref", *common)) == 0
    finally:
        torch.set_num_threads(threads)

    out = tmp_path / "killed"
    cmd, env = _cli(*_train_args(tiny_manifest, feature_cache, out, *common))
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    last = out / "checkpoints" / "last.ckpt"
    deadline = time.time() + 120
    while not last.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.02)
    still_running = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert still_running, "the run ended before it could be killed"
    done = torch.load(last, weights_only=True)["epoch"]
    assert done < 3 and not (out / "train.json").exists()

    resume_cmd, env = _cli(*_train_args(tiny_manifest, feature_cache, out, *common, "--resume"))
    subprocess.run(resume_cmd, env=env, check=True, capture_output=True, timeout=180)
    assert sorted(p.name for p in (out / "logs" / "csv").iterdir()) == ["version_0", "version_1"]
    ref = json.loads((tmp_path / "ref" / "train.json").read_text())
    got = json.loads((out / "train.json").read_text())
    assert len(got["history"]) == 4
    for a, b in zip(ref["history"], got["history"]):
        assert a["epoch"] == b["epoch"]
        assert a["train_loss"] == pytest.approx(b["train_loss"], rel=1e-6)
        assert a["val_uar"] == b["val_uar"]
    assert got["val"] == ref["val"] and got["best_epoch"] == ref["best_epoch"]
    ref_w = load_model_dir(tmp_path / "ref" / "model").state_dict()
    got_w = load_model_dir(out / "model").state_dict()
    assert all(torch.equal(ref_w[k], got_w[k]) for k in ref_w)



def test_training_commands_restart_with_retained_memory_unless_told_not_to():
    from ssaser.cli.main import build_parser, wants_retained_memory

    for command in ("train", "cv", "demo"):
        assert wants_retained_memory([command, "--manifest", "m.csv"])
        assert not wants_retained_memory([command, "--manifest", "m.csv", "--system-malloc"])
        if command != "demo":  # the flag is one of the training options argparse accepts
            build_parser().parse_args([command, "--manifest", "m.csv", "--out", "o", "--system-malloc"])
    assert not wants_retained_memory(["predict", "x.wav"]) and not wants_retained_memory([])


@pytest.mark.parametrize("content", [b"not a checkpoint", b"PK\x03\x04" + b"\x00" * 64])
def test_resume_from_a_corrupt_checkpoint_is_one_line(tiny_manifest, feature_cache, tmp_path, capsys, content):
    out = tmp_path / "run"
    (out / "checkpoints").mkdir(parents=True)
    (out / "checkpoints" / "last.ckpt").write_bytes(content)
    assert main(_train_args(tiny_manifest, feature_cache, out, "--model", "acrnn", "--epochs", "1", "--resume")) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot resume from this checkpoint" in err[0] and "delete it" in err[0], err


def test_resume_refuses_a_checkpoint_that_would_run_code(tiny_manifest, feature_cache, tmp_path, capsys):
    out = tmp_path / "run"
    (out / "checkpoints").mkdir(parents=True)

    class Payload:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    torch.save({"state_dict": {}, "epoch": 0, "x": Payload()}, out / "checkpoints" / "last.ckpt")
    assert main(_train_args(tiny_manifest, feature_cache, out, "--model", "acrnn", "--epochs", "1", "--resume")) == 1
    assert not (tmp_path / "pwned").exists()
    assert "cannot resume from this checkpoint" in capsys.readouterr().err


def test_a_class_of_one_utterance_is_a_warning(tiny_manifest, feature_cache, capsys):
    import pandas as pd

    df = pd.read_csv(tiny_manifest)
    df.loc[0, "emotion"] = "happy"
    manifest = tiny_manifest.with_name("thin.csv")  # beside the original: same relative paths
    df.to_csv(manifest, index=False)
    main(_train_args(manifest, feature_cache, manifest.with_name("thin_run"), "--model", "acrnn", "--epochs", "1"))
    err = capsys.readouterr().err
    assert "ssaser train: warning: emotion 'happiness' has 1 utterance" in err


def test_no_progress_prints_a_line_per_epoch_and_no_lightning_banner(tiny_manifest, feature_cache, tmp_path, capsys):
    assert main(_train_args(tiny_manifest, feature_cache, tmp_path / "run", "--model", "acrnn", "--epochs", "2")) == 0
    out = capsys.readouterr()
    lines = [line for line in out.out.splitlines() if line.startswith("[train] acrnn epoch")]
    assert [line.split(":")[0] for line in lines] == ["[train] acrnn epoch 1/2", "[train] acrnn epoch 2/2"]
    assert "Tip" not in out.out + out.err and "GPU available" not in out.out + out.err
