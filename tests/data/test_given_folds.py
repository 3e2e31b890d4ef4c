"""Folds defined outside ssaser (``--folds-from``, the manifest's ``fold`` column): no leakage."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ssaser.data.fold_files import assign_folds, bundled_fold_files, read_fold_file
from ssaser.data.splits import make_folds
from ssaser.errors import ManifestError, SsaserWarning


def _corpus(speakers: int = 8, per_emotion: int = 3) -> pd.DataFrame:
    rows = [{"file": f"/x/{s}_{e}_{k}.wav", "speaker": f"{s:02d}", "emotion": e}
            for s in range(1, speakers + 1) for e in ("anger", "neutral", "sadness") for k in range(per_emotion)]
    return pd.DataFrame(rows)


def test_the_emobox_ravdess_file_is_six_folds_of_four_actors():
    key, mapping = read_fold_file("emobox-ravdess")
    assert key == "speaker" and sorted(mapping) == [f"{a:02d}" for a in range(1, 25)]
    folds = {}
    for actor, fold in mapping.items():
        folds.setdefault(fold, []).append(int(actor))
    assert sorted(map(sorted, folds.values())) == sorted([[1, 11, 20, 21], [4, 10, 12, 14], [8, 9, 19, 23],
                                                          [3, 5, 7, 24], [2, 15, 16, 18], [6, 13, 17, 22]])
    assert "emobox-ravdess" in bundled_fold_files()


def test_given_folds_keep_test_speakers_out_of_training_and_validation(tmp_path):
    df = _corpus()
    (tmp_path / "f.csv").write_text("speaker,fold\n" + "".join(f"{s:02d},{'abcd'[(s - 1) // 2]}\n" for s in range(1, 9)))
    df = assign_folds(df, tmp_path / "f.csv")
    folds = make_folds(df, "given", None, seed=0)
    assert [f.n_folds for f in folds] == [4] * 4
    covered = []
    for fold in folds:
        test_speakers = set(df["speaker"].iloc[fold.test])
        assert len(test_speakers) == 2 and fold.has_test
        assert not test_speakers & set(df["speaker"].iloc[fold.train])
        assert not test_speakers & set(df["speaker"].iloc[fold.val])
        assert len(fold.val) == round(0.2 * (len(df) - len(fold.test)))
        assert "selection never saw the test part" in fold.describe()
        covered.extend(fold.test.tolist())
    assert sorted(covered) == list(range(len(df)))  # every utterance is tested exactly once


def test_a_fold_column_of_files_and_a_speaker_dependent_warning(tmp_path):
    df = _corpus(speakers=3)
    df["fold"] = np.arange(len(df)) % 2  # per file: every speaker in both folds
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        folds = make_folds(df.astype({"fold": str}), "given", 2, seed=0)
    assert len(folds) == 2
    assert any(issubclass(w.category, SsaserWarning) and "not speaker-independent" in str(w.message) for w in caught)
    with pytest.raises(ManifestError, match="defines 2 folds, not --folds 3"):
        make_folds(df.astype({"fold": str}), "given", 3)


def test_fold_file_errors_are_one_line(tmp_path):
    df = _corpus(speakers=3)
    bad = tmp_path / "bad.csv"
    bad.write_text("speaker,fold\n01,a\n02,b\n")
    with pytest.raises(ManifestError, match="1 row.* have no fold|have no fold"):
        assign_folds(df, bad)
    bad.write_text("who,fold\n01,a\n")
    with pytest.raises(ManifestError, match="needs columns speaker,fold or file,fold"):
        read_fold_file(bad)
    bad.write_text("speaker,fold\n01,a\n01,b\n")
    with pytest.raises(ManifestError, match="more than one fold"):
        read_fold_file(bad)
    with pytest.raises(ManifestError, match="not a file nor a bundled fold file"):
        read_fold_file("emobox-ravdes")
    with pytest.raises(ManifestError, match="needs a 'fold' column"):
        make_folds(df, "given", None)


def test_prefixed_speakers_of_several_manifests_match_bare_keys(tmp_path):
    df = _corpus(speakers=2)
    df["corpus"] = "ravdess"
    df["speaker"] = "ravdess/" + df["speaker"]
    (tmp_path / "f.csv").write_text("speaker,fold\n01,1\n02,2\n")
    assert sorted(assign_folds(df, tmp_path / "f.csv")["fold"].unique()) == ["1", "2"]


def test_validation_on_held_out_training_speakers():
    df = _corpus(speakers=8)
    df["fold"] = df["speaker"].map(lambda s: str((int(s) - 1) // 2))
    for protocol, folds in (("given", None), ("loso", 4)):
        for fold in make_folds(df, protocol, folds, seed=0, test_fraction=0.2, val_by_speaker=True):
            train, val, test = (set(df["speaker"].iloc[p]) for p in (fold.train, fold.val, fold.test))
            assert not train & val and not train & test and not val & test
            assert len(val) == round(0.2 * 6)  # of the 6 training speakers
    with pytest.raises(ManifestError, match="goes with loso or given"):
        make_folds(df, "sd-random", 2, val_by_speaker=True)
