"""IEMOCAP preparer on a generated miniature release tree."""

from __future__ import annotations

from pathlib import Path

import pytest
from minicorpora import IEMOCAP_DIALOGS, make_iemocap

from ssaser.data.corpora import prepare_corpus
from ssaser.data.corpora.iemocap import parse_evaluation
from ssaser.errors import ManifestError


@pytest.fixture(scope="module")
def iemocap_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_iemocap(tmp_path_factory.mktemp("iemocap"))


def _utterances(prepared) -> set[str]:
    return {Path(f).stem for f in prepared.manifest["file"]}


def test_parse_evaluation_reads_summary_lines_only(iemocap_root: Path) -> None:
    path = iemocap_root / "Session1" / "dialog" / "EmoEvaluation" / "Ses01F_impro01.txt"
    parsed = parse_evaluation(path)
    expected = [(f"Ses01F_impro01_{s}", code) for s, code, _ in IEMOCAP_DIALOGS["Ses01F_impro01"]]
    assert parsed == expected


def test_default_is_improvised_four_classes(iemocap_root: Path) -> None:
    prepared = prepare_corpus("iemocap", iemocap_root)
    df = prepared.manifest
    assert _utterances(prepared) == {
        "Ses01F_impro01_F000", "Ses01F_impro01_F001", "Ses01F_impro01_F002",
        "Ses01F_impro01_M002", "Ses02M_impro02_M000", "Ses02M_impro02_F000",
    }
    row = df.set_index(df["file"].map(lambda f: Path(f).stem)).loc["Ses01F_impro01_M002"]
    assert (row["speaker"], row["emotion"], row["session"], row["gender"], row["dialog"]) == (
        "Ses01M", "sadness", "Ses01", "m", "Ses01F_impro01")
    assert set(df["speaker"]) == {"Ses01F", "Ses01M", "Ses02M", "Ses02F"}
    assert set(df["emotion"]) <= {"happiness", "anger", "sadness", "neutral"}
    assert (df["duration"] > 0.2).all() and (df["duration"] < 0.3).all()
    assert all(Path(f).is_absolute() and Path(f).is_file() for f in df["file"])
    reasons = dict(prepared.skipped)
    assert reasons["Ses01F_impro01_M000"].startswith("label fru")
    assert "--merge-excited" in reasons["Ses01F_impro01_M001"]
    assert "scripted" in reasons["Ses01F_script01_1_F000"]
    assert any(item.endswith("Ses02M_impro02_M001.wav") and r == "audio file missing" for item, r in prepared.skipped)
    # every utterance of the evaluation files is either kept or skipped, none twice
    total = sum(len(u) for u in IEMOCAP_DIALOGS.values())
    assert len(df) + len(prepared.skipped) == total


def test_merge_excited_and_include_scripted(iemocap_root: Path) -> None:
    merged = prepare_corpus("iemocap", iemocap_root, merge_excited=True)
    assert _utterances(merged) - _utterances(prepare_corpus("iemocap", iemocap_root)) == {"Ses01F_impro01_M001"}
    assert merged.manifest.loc[merged.manifest["file"].str.endswith("M001.wav"), "emotion"].tolist() == ["happiness"]
    everything = prepare_corpus("iemocap", iemocap_root, merge_excited=True, include_scripted=True)
    assert {"Ses01F_script01_1_F000", "Ses01F_script01_1_M000", "Ses01F_script01_1_M001"} <= _utterances(everything)
    assert len(everything.manifest) == len(merged.manifest) + 3


def test_summary_reports_counts_and_skips(iemocap_root: Path) -> None:
    text = prepare_corpus("iemocap", iemocap_root).summary()
    assert "6 utterances, 4 speakers" in text
    assert "neutral 2" in text and "audio file missing" in text


def test_not_an_iemocap_tree(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="EmoEvaluation"):
        prepare_corpus("iemocap", tmp_path)
