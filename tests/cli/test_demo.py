"""``ssaser demo``: the README's main job end to end, at toy sizes."""

from __future__ import annotations

import json

from ssaser.cli.main import main


def test_demo_generates_corpus_compares_two_systems_and_continues(tmp_path, capsys):
    out = tmp_path / "demo"
    args = ["demo", "--out", str(out), "--speakers", "2", "--utterances-per-emotion", "3", "--folds", "2",
            "--epochs", "1", "--preset", "tiny", "--set", "batch_size=8", "--jobs", "1", "--no-progress"]
    assert main(args) == 0
    assert (out / "generated-corpus" / "manifest.csv").is_file()
    results = json.loads((out / "cv" / "results.json").read_text())
    assert set(results["models"]) == {"acrnn-r", "ssa-crnn-r"}
    assert results["protocol"] == "sd-random" and results["folds_completed"] == 2
    # The demo's learning rate is a default that --set still overrides.
    assert all(c["lr"] == 3e-4 for c in results["configs"].values())
    assert (out / "cv" / "report.md").read_text().count("SSA-CRNN-r") >= 1
    log = capsys.readouterr().out
    assert "[demo] generating the corpus" in log and "[demo] done" in log
    # It leaves a model directory (fold 1's SSA-CRNN-r) that predict loads, and says where.
    assert f"[demo] model (SSA-CRNN-r of fold 1): {out / 'model'}" in log
    config = json.loads((out / "model" / "config.json").read_text())
    assert config["system"] == "ssa-crnn-r" and config["training"]["fold"]["fold"] == 0
    wav = next((out / "generated-corpus" / "wav").rglob("*.wav"))
    assert main(["predict", str(out / "model"), str(wav), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["label"] in config["emotions"]
    # A rerun finds the corpus and the finished folds: nothing is generated or trained again.
    assert main(args) == 0
    log = capsys.readouterr().out
    assert "generating" not in log and "[cv] acrnn-r:" not in log
    assert main([*args[:3], "--set", "lr=0.01", *args[3:]]) == 1  # another configuration, same folder
