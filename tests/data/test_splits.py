"""Cross-validation protocols: disjoint parts, coverage, phrase/speaker disjointness, determinism, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssaser.data.leakage import leakage_report
from ssaser.data.splits import PROTOCOLS, Fold, make_folds
from ssaser.errors import ManifestError

EMOTIONS = ("neutral", "happy", "angry", "sad")


def manifest(speakers: int = 6, phrases: int = 10, per_cell: int = 3, seed: int = 0) -> pd.DataFrame:
    """A table shaped like a manifest: every speaker says every phrase in every emotion ``per_cell`` times,
    rows shuffled and indexed by labels (not 0..n-1) so that positions and labels differ."""
    rows = [{"file": f"/c/s{s}_p{p}_{e}_{k}.wav", "speaker": f"s{s}", "emotion": e, "phrase": f"p{p:02d}"}
            for s in range(speakers) for p in range(phrases) for e in EMOTIONS for k in range(per_cell)]
    df = pd.DataFrame(rows).sample(frac=1.0, random_state=seed)
    df.index = [f"row{i}" for i in range(len(df))]
    return df


def with_given_folds(df: pd.DataFrame, protocol: str, folds: int) -> pd.DataFrame:
    """For ``given``, a ``fold`` column grouping the speakers into ``folds`` folds (as a fold file would)."""
    if protocol != "given":
        return df
    speakers = sorted(df["speaker"].unique())
    return df.assign(fold=df["speaker"].map({s: f"g{i % folds}" for i, s in enumerate(speakers)}))


def parts(fold: Fold) -> list[np.ndarray]:
    return [fold.train, fold.val, fold.test]


def assert_partition(fold: Fold, n: int) -> None:
    """Parts are disjoint, sorted, in range, and together cover every row."""
    joined = np.concatenate(parts(fold))
    assert len(np.unique(joined)) == joined.size == n
    assert all(p.dtype == np.int64 and np.all(np.diff(p) > 0) for p in parts(fold) if p.size)
    assert fold.train.size and fold.val.size
    assert fold.has_test == bool(fold.test.size)


def column_sets(df: pd.DataFrame, fold: Fold, column: str) -> list[set[str]]:
    return [set(df[column].iloc[p]) for p in parts(fold)]


@pytest.mark.parametrize("protocol", list(PROTOCOLS))
@pytest.mark.parametrize("test_fraction", [0.0, 0.2])
def test_parts_are_disjoint_and_cover_everything(protocol, test_fraction):
    df = with_given_folds(manifest(), protocol, 5)
    folds = make_folds(df, protocol, folds=5, seed=1, test_fraction=test_fraction)
    assert len(folds) == 5 and [f.fold for f in folds] == list(range(5))
    for fold in folds:
        assert fold.protocol == protocol and fold.n_folds == 5
        assert_partition(fold, len(df))
        assert fold.has_test == (test_fraction > 0 or protocol == "given")  # given folds always test apart
        report = leakage_report(df.iloc[fold.train], df.iloc[fold.val])
        assert not report.has_file_leak
    if test_fraction and protocol not in ("loso", "given"):  # one test part for all folds, selection never sees it
        assert all(np.array_equal(f.test, folds[0].test) for f in folds)


def test_sd_random_is_stratified_and_speaker_dependent():
    df = manifest()
    folds = make_folds(df, "sd-random", folds=10, seed=0)
    assert len({tuple(f.val) for f in folds}) == 10  # ten different random draws
    for fold in folds:
        assert fold.val.size == round(0.2 * len(df))
        val = df.iloc[fold.val]
        # every (speaker, emotion) cell holds 30 rows: 6 in validation, exactly as stratified
        assert val.groupby(["speaker", "emotion"]).size().eq(6).all()
        assert leakage_report(df.iloc[fold.train], val).shared_speakers  # speaker-dependent by design


def test_sd_random_test_part_is_stratified_and_apart():
    df = manifest()
    folds = make_folds(df, "sd-random", folds=3, seed=0, test_fraction=0.1)
    test = df.iloc[folds[0].test]
    assert len(test) == round(0.1 * len(df))
    assert test["emotion"].value_counts().max() - test["emotion"].value_counts().min() <= 1
    for fold in folds:
        assert not set(fold.test) & (set(fold.train) | set(fold.val))
        assert fold.val.size == round(0.2 * (len(df) - fold.test.size))


def test_sd_random_falls_back_when_classes_are_too_small():
    df = manifest(speakers=2, phrases=1, per_cell=1)  # 8 rows, one per (speaker, emotion)
    df.loc[df.index[0], "emotion"] = "bored"  # a class of one: no stratification possible
    for fold in make_folds(df, "sd-random", folds=4, seed=0):
        assert_partition(fold, len(df))


@pytest.mark.parametrize("n_folds, validated", [(10, 2), (5, 1)])
def test_sd_phrase_rotates_phrase_groups(n_folds, validated):
    df = manifest(phrases=20)
    folds = make_folds(df, "sd-phrase", folds=n_folds, seed=3)
    times = np.zeros(len(df), dtype=int)
    for fold in folds:
        train, val, _ = column_sets(df, fold, "phrase")
        assert not train & val
        assert len(val) == 20 * validated // n_folds and len(train) == 20 - len(val)  # 80/20 by phrase
        assert set(fold.val_groups) == val
        times[fold.val] += 1
    assert np.all(times == validated)  # every utterance validated round(0.2 k) times


def test_sd_phrase_paper_setting_with_uneven_groups():
    df = manifest(phrases=23)  # 23 phrases in 10 groups: sizes 3 and 2
    folds = make_folds(df, "sd-phrase", folds=10, seed=0)
    sizes = [len(f.val_groups) for f in folds]
    assert min(sizes) >= 4 and max(sizes) <= 6
    times = np.zeros(len(df), dtype=int)
    for fold in folds:
        times[fold.val] += 1
    assert np.all(times == 2)


def test_sd_phrase_test_phrases_are_never_trained_or_validated():
    df = manifest(phrases=20)
    folds = make_folds(df, "sd-phrase", folds=5, seed=0, test_fraction=0.2)
    test_phrases = set(df["phrase"].iloc[folds[0].test])
    assert len(test_phrases) == 4 and set(folds[0].test_groups) == test_phrases
    for fold in folds:
        train, val, test = column_sets(df, fold, "phrase")
        assert not (train | val) & test and not train & val


@pytest.mark.parametrize("n_folds", [None, 6, 4, 2])
def test_loso_holds_out_speakers_once_each(n_folds):
    df = manifest(speakers=6)
    folds = make_folds(df, "loso", folds=n_folds, seed=2)
    assert len(folds) == (n_folds or 6)
    times = np.zeros(len(df), dtype=int)
    for fold in folds:
        train, val, _ = column_sets(df, fold, "speaker")
        assert not train & val and set(fold.val_groups) == val
        assert leakage_report(df.iloc[fold.train], df.iloc[fold.val]).shared_speakers == ()
        times[fold.val] += 1
    assert np.all(times == 1)  # every utterance validated exactly once
    if n_folds in (None, 6):
        assert [f.val_groups for f in folds] == [(f"s{i}",) for i in range(6)]


def test_loso_with_test_part_selects_on_the_other_speakers():
    df = manifest(speakers=5)
    folds = make_folds(df, "loso", folds=None, seed=0, test_fraction=0.1)
    tested = np.zeros(len(df), dtype=int)
    for fold in folds:
        train, val, test = column_sets(df, fold, "speaker")
        assert len(test) == 1 and not (train | val) & test and set(fold.test_groups) == test
        assert val == train  # validation: a random part of the remaining speakers' utterances
        assert fold.val.size == round(0.2 * (len(df) - fold.test.size))
        tested[fold.test] += 1
    assert np.all(tested == 1)


@pytest.mark.parametrize("protocol", list(PROTOCOLS))
def test_same_seed_same_folds_other_seed_other_folds(protocol):
    df = with_given_folds(manifest(), protocol, 3)
    kwargs = {"folds": 3, "test_fraction": 0.2}
    a, b = make_folds(df, protocol, seed=5, **kwargs), make_folds(df, protocol, seed=5, **kwargs)
    assert all(np.array_equal(x, y) for fa, fb in zip(a, b) for x, y in zip(parts(fa), parts(fb)))
    c = make_folds(df, protocol, seed=6, **kwargs)
    assert any(not np.array_equal(fa.val, fc.val) for fa, fc in zip(a, c))


def test_describe_says_protocol_and_whether_selection_saw_the_test():
    df = manifest(speakers=3)
    paper = make_folds(df, "loso", folds=None)[1]
    assert paper.describe().startswith("loso fold 2/3: train")
    assert "speaker s1" in paper.describe() and "no separate test part" in paper.describe()
    apart = make_folds(df, "sd-phrase", folds=4, test_fraction=0.2)[0]
    assert "selection never saw the test part" in apart.describe() and "phrases" in apart.describe()
    summary = apart.to_dict()
    assert summary["has_test"] and summary["test"] == apart.test.size and summary["protocol"] == "sd-phrase"


@pytest.mark.parametrize("change, protocol, kwargs, message", [
    (lambda d: d.drop(columns="phrase"), "sd-phrase", {}, "needs a 'phrase' column"),
    (lambda d: d.assign(phrase="same"), "sd-phrase", {}, "at least 2 distinct phrases"),
    (lambda d: d, "sd-phrase", {"folds": 12}, "needs at least 12 phrases"),
    (lambda d: d, "sd-phrase", {"folds": 10, "test_fraction": 0.2}, "outside the 2 test phrase"),
    (lambda d: d, "sd-phrase", {"folds": 1}, "at least 2 folds"),
    (lambda d: d, "loso", {"folds": 7}, "needs at least 7 speakers"),
    (lambda d: d.assign(speaker="one"), "loso", {}, "at least 2 speakers"),
    (lambda d: d, "leave-two-out", {}, "unknown protocol"),
    (lambda d: d, "sd-random", {"test_fraction": 1.0}, "test fraction"),
    (lambda d: d, "sd-random", {"folds": 0}, "at least 1"),
    (lambda d: d.head(3), "sd-random", {"val_fraction": 0.1}, "a part would be empty"),
    (lambda d: d.assign(emotion=""), "sd-random", {}, "empty 'emotion'"),
])
def test_impossible_requests_are_clear_errors(change, protocol, kwargs, message):
    with pytest.raises(ManifestError, match=message):
        make_folds(change(manifest(speakers=6, phrases=10)), protocol, **kwargs)
