"""CREMA-D preparer on a generated miniature tree, with and without demographics."""

from __future__ import annotations

from pathlib import Path

import pytest
from minicorpora import CREMAD_EMPTY, CREMAD_FILES, CREMAD_SEX, CREMAD_UNKNOWN, make_cremad

from ssaser.data.corpora import prepare_corpus
from ssaser.data.corpora.cremad import EMOTIONS
from ssaser.errors import ManifestError


def test_fields_gender_and_skips(tmp_path: Path) -> None:
    prepared = prepare_corpus("cremad", make_cremad(tmp_path))
    df = prepared.manifest
    assert sorted(Path(f).stem for f in df["file"]) == sorted(CREMAD_FILES)
    row = df[df["file"].str.endswith("1002_TIE_SAD_LO.wav")].iloc[0]
    assert (row["speaker"], row["emotion"], row["phrase"], row["intensity"], row["gender"]) == (
        "1002", "sadness", "TIE", "low", "f")
    sexes = {"Male": "m", "Female": "f"}
    assert all(g == sexes[CREMAD_SEX[s]] for s, g in zip(df["speaker"], df["gender"]))
    assert set(df["emotion"]) <= set(EMOTIONS.values())
    skipped = {Path(item).stem: reason for item, reason in prepared.skipped}
    assert set(skipped) == {CREMAD_EMPTY, CREMAD_UNKNOWN}
    assert skipped[CREMAD_EMPTY].startswith("unreadable audio")


def test_root_may_be_the_audio_folder_without_demographics(tmp_path: Path) -> None:
    root = make_cremad(tmp_path, demographics=False)
    df = prepare_corpus("cremad", root / "AudioWAV").manifest
    assert len(df) == len(CREMAD_FILES)
    assert (df["gender"] == "").all()


def test_bad_demographics(tmp_path: Path) -> None:
    root = make_cremad(tmp_path, demographics=False)
    (root / "VideoDemographics.csv").write_text("Actor,Gender\n1001,Male\n")
    with pytest.raises(ManifestError, match="ActorID and Sex"):
        prepare_corpus("cremad", root)
