"""``ssaser evaluate``: a model scored on a labelled manifest, labels matched on the canonical names."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from ssaser.cli.main import main
from ssaser.inference.evaluate import evaluate_manifests
from random_models import generated_voice


@pytest.fixture(scope="module")
def labelled(tmp_path_factory) -> Path:
    """Two speakers x four classes in other spellings than the model's, plus a class it lacks."""
    root = tmp_path_factory.mktemp("labelled")
    rows = []
    for s, speaker in enumerate(("a", "b")):
        for e, label in enumerate(("anger", "happiness", "neutral", "sadness", "boredom")):
            path = root / f"{speaker}_{label}.wav"
            sf.write(path, generated_voice(2.0, pitch=110 + 60 * s + 10 * e, seed=10 * s + e), 16000)
            rows.append({"file": path.name, "speaker": speaker, "emotion": label})
    pd.DataFrame(rows).to_csv(root / "manifest.csv", index=False)
    return root / "manifest.csv"


def test_scores_match_a_recomputation_from_the_predictions(recognizer, labelled):
    evaluation = evaluate_manifests(recognizer, labelled, progress=False)
    # The model says angry/happy/neutral/sad: anger and friends match, boredom is left out.
    assert evaluation.left_out == {"boredom (not a class of the model)": 2}
    p = evaluation.predictions
    assert len(p) == 8 and set(p["speaker"]) == {"a", "b"}
    names = {"angry": "anger", "happy": "happiness", "neutral": "neutral", "sad": "sadness"}
    correct = p["predicted"].map(names) == p["emotion"]
    # Every class has 2 utterances, so UAR equals accuracy here.
    assert evaluation.metrics["uar"] == pytest.approx(correct.mean())
    assert np.sum(evaluation.metrics["confusion"]) == 8
    for row in evaluation.per_speaker:
        mine = p[p["speaker"] == row["speaker"]]
        assert row["max_class_share"] == pytest.approx(mine["predicted"].value_counts().max() / len(mine))


def test_self_normalisation_fits_each_speaker_on_their_own_rows_only(recognizer, labelled, monkeypatch):
    from ssaser.inference import enrollment

    fitted = {}
    real = enrollment.enroll

    def spy(paths, config=None, speaker=None, **kwargs):
        fitted[speaker] = sorted(Path(p).name for p in paths)
        return real(paths, config, speaker=speaker, **kwargs)

    monkeypatch.setattr(enrollment, "enroll", spy)
    self_run = evaluate_manifests(recognizer, labelled, speaker_norm="self", progress=False)
    assert self_run.to_dict()["unseen_speaker_norm"] == "self"
    assert "transductive" in self_run.to_dict()["normalisation"]
    # The kept rows of each speaker, never another speaker's nor the left-out class's.
    assert fitted == {s: sorted(f"{s}_{e}.wav" for e in ("anger", "happiness", "neutral", "sadness")) for s in "ab"}


def test_cli_writes_its_files_and_names_them(model_dir, labelled, tmp_path, capsys):
    out = tmp_path / "eval"
    assert main(["evaluate", str(model_dir), str(labelled), "--out", str(out), "--no-progress",
                 "--emotions", "anger,sadness"]) == 0
    printed = capsys.readouterr().out
    for name in ("results.json", "predictions.csv", "confusion.png", "report.md"):
        assert (out / name).is_file() and str(out / name) in printed
    results = json.loads((out / "results.json").read_text())
    assert results["metrics"]["n"] == 4 and results["training_overlap"] == 0
    assert "happiness" in results["left_out"]["--emotions"]
    assert "| speaker | utterances |" in (out / "report.md").read_text()


def test_cli_scores_an_ensemble_a_model_with_itself_scores_alike(model_dir, labelled, tmp_path):
    single, double = tmp_path / "single", tmp_path / "double"
    assert main(["evaluate", str(model_dir), str(labelled), "--out", str(single), "--no-progress",
                 "--speaker-norm", "self"]) == 0
    assert main(["evaluate", str(model_dir), str(labelled), "--out", str(double), "--no-progress",
                 "--speaker-norm", "self", "--ensemble", str(model_dir)]) == 0
    a, b = (json.loads((p / "results.json").read_text()) for p in (single, double))
    assert b["model"] == f"{model_dir.name} + {model_dir.name}" and a["metrics"] == b["metrics"]
