"""``ssaser table1``: the paper's two protocols and three systems, the paper's figures beside the run's."""

from __future__ import annotations

import json

import pandas as pd

from ssaser.cli.main import main
from ssaser.data.synth import synthesize_corpus


def test_table1_runs_both_protocols_and_prints_the_papers_figures(tmp_path, capsys):
    manifest = synthesize_corpus(tmp_path / "corpus", speakers=2, utterances_per_emotion=3, phrases=4, seed=0,
                                 progress=False)
    df = pd.read_csv(manifest)
    df.to_csv(tmp_path / "corpus" / "atthack.csv", index=False)  # stands for both corpora
    out = tmp_path / "t1"
    args = ["table1", "--iemocap", str(manifest), "--atthack", str(tmp_path / "corpus" / "atthack.csv"),
            "--out", str(out), "--folds", "2", "--max-folds", "1", "--preset", "tiny", "--epochs", "1",
            "--set", "batch_size=8", "--no-progress", "--cache", str(tmp_path / "cache")]
    assert main(args) == 0
    printed = capsys.readouterr().out
    iemocap = json.loads((out / "iemocap" / "results.json").read_text())
    atthack = json.loads((out / "atthack" / "results.json").read_text())
    assert (iemocap["protocol"], atthack["protocol"]) == ("sd-random", "sd-phrase")
    assert set(iemocap["models"]) == {"acrnn", "acrnn-r", "ssa-crnn-r"}
    assert iemocap["configs"]["ssa-crnn-r"]["lr"] == 1e-4  # the paper's settings
    assert "77.22 ± 4.27" in printed and "70.25 ± 4.36" in printed and "(1/2)" in printed
    assert main(["table1", "--out", str(out)]) == 1
