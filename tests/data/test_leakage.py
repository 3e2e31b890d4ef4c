"""Leakage report between two parts of a split."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ssaser.data.corpora import prepare_corpus
from ssaser.data.leakage import LeakageError, leakage_report


def _part(files: list[str], speakers: list[str], phrases: list[str] | None = None) -> pd.DataFrame:
    df = pd.DataFrame({"file": files, "speaker": speakers, "emotion": ["neutral"] * len(files)})
    if phrases is not None:
        df["phrase"] = phrases
    return df


def test_disjoint_parts() -> None:
    report = leakage_report(_part(["/c/a.wav"], ["s1"], ["p1"]), _part(["/c/b.wav"], ["s2"], ["p2"]))
    assert (report.shared_speakers, report.shared_phrases, report.shared_files) == ((), (), ())
    assert not report.has_file_leak
    report.check(allow_shared_speakers=False, allow_shared_phrases=False)
    assert "none shared" in report.summary()


def test_shared_speakers_phrases_files() -> None:
    train = _part(["/c/a.wav", "/c/b.wav", "/c/x/../c.wav"], ["s1", "s2", "s3"], ["p1", "p2", "p1"])
    val = _part(["/c/c.wav", "/c/d.wav"], ["s3", "s1"], ["p1", "p9"])
    report = leakage_report(train, val)
    assert report.shared_speakers == ("s1", "s3")
    assert report.shared_phrases == ("p1",)
    assert report.shared_files == ("/c/c.wav",)  # found through the path normalisation
    assert (report.n_train, report.n_val) == (3, 2)
    text = str(report)
    assert "speakers: 2 shared (s1, s3)" in text and "ERROR" in text
    with pytest.raises(LeakageError, match="1 file"):
        report.check()


def test_check_follows_the_protocol() -> None:
    train = _part(["/c/a.wav"], ["s1"], ["p1"])
    val = _part(["/c/b.wav"], ["s1"], ["p1"])
    report = leakage_report(train, val)
    report.check()  # speaker-dependent random split: both may be shared
    with pytest.raises(LeakageError, match="1 speaker"):
        report.check(allow_shared_speakers=False)
    with pytest.raises(LeakageError, match="1 phrase"):
        report.check(allow_shared_phrases=False)


def test_without_phrase_column() -> None:
    report = leakage_report(_part(["/a.wav"], ["s1"]), _part(["/b.wav"], ["s1"], ["p"]))
    assert report.shared_phrases is None
    assert "not checked" in report.summary()


@pytest.mark.corpus
def test_emodb_phrase_split(emodb_dir: Path) -> None:
    """Texts a* for training, b* for validation: a linguistic split with all speakers in both."""
    df = prepare_corpus("emodb", emodb_dir, with_duration=False).manifest
    is_a = df["phrase"].str.startswith("a")
    report = leakage_report(df[is_a], df[~is_a])
    assert report.shared_phrases == () and report.shared_files == ()
    assert len(report.shared_speakers) == 10
    report.check(allow_shared_phrases=False)
    with pytest.raises(LeakageError):
        leakage_report(df, df.iloc[:5]).check()
