"""Att-HACK preparer on a generated miniature tree; the attitude table is overridable."""

from __future__ import annotations

from pathlib import Path

import pytest
from minicorpora import ATTHACK_ATTITUDES, ATTHACK_ODD, ATTHACK_SENTENCES, ATTHACK_SPEAKERS, make_atthack

from ssaser.data.corpora import prepare_corpus
from ssaser.data.corpora.atthack import DEFAULT_ATTITUDES, parse_attitude_map
from ssaser.errors import ManifestError


@pytest.fixture(scope="module")
def atthack_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_atthack(tmp_path_factory.mktemp("atthack"))


def test_fields_from_the_file_name(atthack_root: Path) -> None:
    prepared = prepare_corpus("atthack", atthack_root)
    df = prepared.manifest
    # every speaker x attitude x sentence in v01, plus one v02 repetition
    assert len(df) == len(ATTHACK_SPEAKERS) * len(ATTHACK_ATTITUDES) * len(ATTHACK_SENTENCES) + 1
    assert set(df["speaker"]) == set(ATTHACK_SPEAKERS)
    assert set(df["phrase"]) == set(ATTHACK_SENTENCES)
    assert set(df["emotion"]) == set(DEFAULT_ATTITUDES.values())
    row = df[df["file"].str.endswith("M02_a3_s002_v01.wav")].iloc[0]
    assert (row["speaker"], row["emotion"], row["phrase"], row["gender"], row["version"]) == (
        "M02", DEFAULT_ATTITUDES["a3"], "s002", "m", "v01")
    assert set(df.loc[df["speaker"] == "F01", "gender"]) == {"f"}
    skipped = {Path(item).name: reason for item, reason in prepared.skipped}
    assert set(skipped) == set(ATTHACK_ODD)
    assert "not in the attitude map" in skipped["F01_a5_s001_v01.wav"]


def test_attitude_map_override(atthack_root: Path) -> None:
    prepared = prepare_corpus("atthack", atthack_root, attitude_map="a2=seductive, a4=distant,a5=ironic")
    df = prepared.manifest
    by_code = {Path(f).stem.split("_")[1]: e for f, e in zip(df["file"], df["emotion"])}
    assert by_code == {"a1": "friendly", "a2": "seductive", "a3": "dominant", "a4": "distant", "a5": "ironic"}
    assert [Path(i).name for i, _ in prepared.skipped] == ["F01-a1-s001.wav"]


@pytest.mark.parametrize("bad", ["a1", "b1=friendly", "a1="])
def test_bad_attitude_map(bad: str) -> None:
    with pytest.raises(ManifestError, match="attitude mapping"):
        parse_attitude_map(bad)


def test_parse_attitude_map_accepts_a_mapping() -> None:
    assert parse_attitude_map({"a1": "warm"})["a1"] == "warm"
    assert parse_attitude_map(None) == DEFAULT_ATTITUDES


def test_tree_without_matching_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("nothing here")
    with pytest.raises(ManifestError, match="no usable atthack"):
        prepare_corpus("atthack", tmp_path)
