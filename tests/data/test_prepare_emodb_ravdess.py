"""EmoDB and RAVDESS preparers on the real shared copies (and RAVDESS layout variants)."""

from __future__ import annotations

from pathlib import Path

import pytest
from minicorpora import RAVDESS_FILES, make_ravdess

from ssaser.data.corpora import prepare_corpus
from ssaser.data.corpora.emodb import EMOTIONS as EMODB_EMOTIONS
from ssaser.data.corpora.emodb import SPEAKER_GENDER
from ssaser.data.corpora.ravdess import EMOTIONS as RAVDESS_EMOTIONS
from ssaser.data.manifest import read_manifest, write_manifest


@pytest.mark.corpus
def test_emodb(emodb_dir: Path, tmp_path: Path) -> None:
    prepared = prepare_corpus("emodb", emodb_dir)
    df = prepared.manifest
    assert (len(df), df["speaker"].nunique(), df["emotion"].nunique()) == (535, 10, 7)
    assert set(df["speaker"]) == set(SPEAKER_GENDER)
    assert set(df["emotion"]) == set(EMODB_EMOTIONS.values())
    assert prepared.skipped == []
    # each row's labels agree with its own file name
    columns = ["file", "speaker", "emotion", "phrase", "gender"]
    for f, speaker, emotion, phrase, gender in df[columns].itertuples(index=False):
        stem = Path(f).stem
        expected = (stem[:2], stem[2:5], EMODB_EMOTIONS[stem[5]], SPEAKER_GENDER[stem[:2]])
        assert (speaker, phrase, emotion, gender) == expected
    assert df["phrase"].nunique() == 10
    assert df["duration"].round(2).eq(2.0).all()  # the shared copy is cut/padded to 2 s
    # write + read keeps "03" a string
    back = read_manifest(write_manifest(df, tmp_path / "emodb.csv"))
    assert "03" in set(back["speaker"]) and back["speaker"].map(type).eq(str).all()
    assert back["file"].tolist() == df["file"].tolist()


@pytest.mark.corpus
def test_ravdess(ravdess_dir: Path) -> None:
    prepared = prepare_corpus("ravdess", ravdess_dir)
    df = prepared.manifest
    assert (len(df), df["speaker"].nunique(), df["emotion"].nunique()) == (1440, 24, 8)
    assert set(df["emotion"]) == set(RAVDESS_EMOTIONS.values())
    assert set(df["phrase"]) == {"01", "02"}
    assert set(df["intensity"]) == {"normal", "strong"}
    parity = df["speaker"].astype(int) % 2
    assert (df.loc[parity == 1, "gender"] == "m").all() and (df.loc[parity == 0, "gender"] == "f").all()
    assert (df.loc[df["emotion"] == "neutral", "intensity"] == "normal").all()
    assert (df["duration"] > 2.5).all()


def test_ravdess_any_extension_speech_only(tmp_path: Path) -> None:
    prepared = prepare_corpus("ravdess", make_ravdess(tmp_path))
    kept = {str(Path(f).relative_to(tmp_path)) for f in prepared.manifest["file"]}
    assert kept == {name for name, keep in RAVDESS_FILES.items() if keep}
    reasons = {Path(i).name: r for i, r in prepared.skipped}
    assert "song" in reasons["03-02-05-01-01-01-01.wav"]
    assert "audio-only" in reasons["01-01-05-01-01-01-01.mp4"]
    ogg = prepared.manifest[prepared.manifest["file"].str.endswith(".ogg")].iloc[0]
    assert (ogg["speaker"], ogg["emotion"], ogg["phrase"], ogg["gender"]) == ("02", "happiness", "02", "f")
    assert ogg["duration"] == pytest.approx(0.2, abs=1e-3)
