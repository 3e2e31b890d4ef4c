"""ssaser ensemble: posteriors of cv runs on the same folds averaged, scored and paired."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ssaser.errors import SsaserError
from ssaser.evaluation.run_ensemble import ENSEMBLE, ensemble_results, read_member, write_ensemble
from ssaser.evaluation.run_comparison import compare_runs, read_results

EMOTIONS = ["anger", "joy", "sadness"]
LABELS = np.array([0, 0, 1, 1, 2, 2])
SPEAKERS = np.array(["s1", "s1", "s1", "s2", "s2", "s2"])


def _write_run(root, name, probs_per_fold, speakers=True, system="ssa-crnn-r", description="given fold"):
    """A cv run folder with ``results.json`` and each fold's ``outputs.npz``; a fold's UAR is its argmax's."""
    from ssaser.evaluation.metrics import classification_metrics

    run = root / name
    folds = []
    for k, probs in enumerate(probs_per_fold):
        fold_dir = run / system / f"fold_{k}"
        fold_dir.mkdir(parents=True)
        arrays = {"probs": np.asarray(probs, dtype=float), "labels": LABELS}
        if speakers:
            arrays["speakers"] = SPEAKERS
        np.savez_compressed(fold_dir / "outputs.npz", **arrays)
        metrics = classification_metrics(LABELS, arrays["probs"].argmax(1), len(EMOTIONS))
        folds.append({"fold": k, **metrics, "test": metrics, "best_epoch": 3, "epochs": 5, "seconds": 10.0,
                      "history": [], "split": {"test_groups": ["s1", "s2"]}})
    results = {
        "protocol": "given", "folds": len(folds), "split_seed": 0, "test_fraction": 0.0, "reported_split": "test",
        "selection_saw_reported_data": False, "unseen_speaker_norm": "global", "preset": "lite",
        "corpus": {"name": "toy", "utterances": 6, "emotions": EMOTIONS, "speakers": 2},
        "folds_description": [f"{description} {k + 1}" for k in range(len(folds))],
        "configs": {system: {"lr": 1e-4}}, "model_configs": {system: {}},
        "models": {system: {"folds": folds}},
    }
    (run / "results.json").write_text(json.dumps(results))
    return run / system


def _onehot(classes, confidence):
    probs = np.full((len(classes), 3), (1 - confidence) / 2)
    probs[np.arange(len(classes)), classes] = confidence
    return probs


# Member a: right on utterances 0-3, wrong (confidently) on 4-5; member b: hesitantly wrong on 0-1,
# right (surely) on 4-5. Averaged, all six are right.
A = _onehot([0, 0, 1, 1, 0, 0], 0.6)
B = _onehot([1, 1, 1, 1, 2, 2], 0.45)
B[4:] = _onehot([2, 2], 0.95)


def test_posteriors_are_averaged_and_scored_per_fold_and_speaker(tmp_path):
    a = _write_run(tmp_path, "a", [A, A])
    b = _write_run(tmp_path, "b", [B, A])
    results = ensemble_results([read_member(str(a)), read_member(str(b))])
    folds = results["models"][ENSEMBLE]["folds"]
    assert folds[0]["uar"] == pytest.approx(1.0)  # each member alone is below
    assert results["models"]["a.ssa-crnn-r"]["folds"][0]["uar"] < 1 and results["models"]["b.ssa-crnn-r"]["folds"][0]["uar"] < 1
    assert folds[1]["uar"] == results["models"]["a.ssa-crnn-r"]["folds"][1]["uar"]  # A with A is A
    assert {r["speaker"] for r in folds[0]["per_speaker"]} == {"s1", "s2"}
    assert folds[0]["test"] == {k: folds[0][k] for k in ("uar", "wa", "macro_f1", "confusion", "n")}
    pair = next(p for p in results["paired"] if p["candidate"] == ENSEMBLE and p["baseline"] == "a.ssa-crnn-r")
    assert pair["folds"] == [0, 1] and pair["mean"] > 0


def test_only_folds_every_member_completed_count(tmp_path):
    a = _write_run(tmp_path, "a", [A, A, A])
    b = _write_run(tmp_path, "b", [B, B])
    b_results = json.loads((b.parent / "results.json").read_text())
    a_results = json.loads((a.parent / "results.json").read_text())
    b_results["folds_description"] = a_results["folds_description"]  # the same 3 folds, b finished 2
    b_results["folds"] = 3
    (b.parent / "results.json").write_text(json.dumps(b_results))
    results = ensemble_results([read_member(str(a)), read_member(str(b))])
    assert results["folds_completed"] == 2 and [f["fold"] for f in results["models"][ENSEMBLE]["folds"]] == [0, 1]
    assert len(results["models"]["a.ssa-crnn-r"]["folds"]) == 2  # members are shown on the shared folds


def test_runs_on_other_folds_or_utterances_are_refused(tmp_path):
    a = _write_run(tmp_path, "a", [A, A])
    other = _write_run(tmp_path, "other", [A, A], description="another fold")
    with pytest.raises(SsaserError, match="do not share their folds"):
        ensemble_results([read_member(str(a)), read_member(str(other))])
    shuffled = _write_run(tmp_path, "shuffled", [A, A])
    with np.load(shuffled / "fold_1" / "outputs.npz") as data:
        arrays = dict(data)
    arrays["labels"] = arrays["labels"][::-1]
    np.savez_compressed(shuffled / "fold_1" / "outputs.npz", **arrays)
    with pytest.raises(SsaserError, match="fold 2: .* scored other utterances"):
        ensemble_results([read_member(str(a)), read_member(str(shuffled))])


def test_members_need_distinct_labels_and_an_existing_system(tmp_path):
    a = _write_run(tmp_path, "a", [A, A])
    with pytest.raises(SsaserError, match="share a label"):
        ensemble_results([read_member(str(a)), read_member(str(a))])
    with pytest.raises(SsaserError, match="at least two members"):
        ensemble_results([read_member(str(a))])
    with pytest.raises(SsaserError, match="no system 'acrnn'"):
        read_member(str(a.parent / "acrnn"))
    with pytest.raises(SsaserError, match="choose another"):
        read_member(f"ensemble={a}")
    assert read_member(f"mine={a}").label == "mine"


def test_an_older_run_without_speakers_gives_no_speaker_breakdown(tmp_path):
    a = _write_run(tmp_path, "a", [A, A])
    old = _write_run(tmp_path, "old", [B, B], speakers=False)
    results = ensemble_results([read_member(str(a)), read_member(str(old))])
    assert all("per_speaker" not in f for f in results["models"][ENSEMBLE]["folds"])


def test_written_ensembles_report_and_pair_like_cv_runs(tmp_path):
    members = [read_member(str(_write_run(tmp_path, n, [p, p]))) for n, p in (("a", A), ("b", B))]
    write_ensemble(members, tmp_path / "ens1")
    write_ensemble(members[::-1], tmp_path / "ens2")
    report = (tmp_path / "ens1" / "report.md").read_text()
    assert "**Ensemble**: mean of the members' utterance posteriors" in report
    assert "| ensemble | 100.00 ± 0.00" in report and "| — | — |" in report
    with np.load(tmp_path / "ens1" / ENSEMBLE / "fold_0" / "outputs.npz") as saved:
        assert saved["probs"] == pytest.approx((A + B) / 2)
    rows = compare_runs(read_results(tmp_path / "ens1"), read_results(tmp_path / "ens2"))
    row = next(r for r in rows if r["system"] == ENSEMBLE)
    assert row["reported"]["mean"] == 0 and row["folds"] == [0, 1]  # the order of members does not matter
    assert row["changes"] == ["members: ['a.ssa-crnn-r=ssa-crnn-r', 'b.ssa-crnn-r=ssa-crnn-r'] -> "
                              "['b.ssa-crnn-r=ssa-crnn-r', 'a.ssa-crnn-r=ssa-crnn-r']"]
