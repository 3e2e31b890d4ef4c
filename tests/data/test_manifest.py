"""Manifest CSV: reading user CSVs, writing, validation errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from minicorpora import write_wav

from ssaser.data import read_manifest as lazy_read_manifest
from ssaser.data.manifest import read_manifest, validate_manifest, write_manifest
from ssaser.errors import ManifestError


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A folder with three WAVs under audio/."""
    for k in range(3):
        write_wav(tmp_path / "audio" / f"u{k}.wav", seconds=0.1, seed=k)
    return tmp_path


def _csv(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_user_csv_relative_to_its_folder(corpus: Path, tmp_path_factory: pytest.TempPathFactory,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    csv = _csv(corpus / "m.csv", "file,speaker,emotion,phrase,extra\naudio/u0.wav,03,anger,01,x\n"
                                 "audio/u1.wav,NA,neutral,a02,y\n")
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))  # not resolved against the cwd
    df = read_manifest(csv)
    assert df["file"].tolist() == [str(corpus / "audio" / "u0.wav"), str(corpus / "audio" / "u1.wav")]
    assert df["speaker"].tolist() == ["03", "NA"]  # strings, and "NA" is not missing
    assert df["phrase"].tolist() == ["01", "a02"]
    assert df["extra"].tolist() == ["x", "y"]


def test_roundtrip_relative_inside_absolute_outside(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = write_wav(tmp_path_factory.mktemp("other") / "far.wav", seconds=0.1)
    df = pd.DataFrame({
        "file": [str(corpus / "audio" / "u0.wav"), str(outside)],
        "speaker": ["08", "16"], "emotion": ["fear", "boredom"],
        "duration": [0.1, 0.1], "gender": ["f", np.nan],
    })
    path = write_manifest(df, corpus / "m.csv")
    raw = pd.read_csv(path, dtype=str)
    assert raw.columns.tolist() == ["file", "speaker", "emotion", "gender", "duration"]
    assert raw["file"].tolist() == ["audio/u0.wav", str(outside)]
    back = read_manifest(path)
    assert back["file"].tolist() == df["file"].tolist()
    assert back["speaker"].tolist() == ["08", "16"]
    assert back["duration"].dtype == float and back["gender"].isna().tolist() == [False, True]
    assert not any(p.name.endswith(".tmp") for p in corpus.iterdir())


def test_package_level_import_is_the_same_function() -> None:
    assert lazy_read_manifest is read_manifest


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("file,emotion\naudio/u0.wav,anger\n", "missing column.*speaker"),
        ("file,speaker,emotion\n", "no rows"),
        ("", "not a readable CSV"),
        ("file,speaker,emotion\naudio/u0.wav,03,anger\naudio/u1.wav,03,\n", "empty 'emotion'.*line.*3"),
        ("file,speaker,emotion\naudio/u0.wav,03,anger\naudio/u0.wav,08,fear\n", "duplicate file"),
        ("file,speaker,emotion\naudio/u0.wav,03,anger\naudio/u9.wav,08,fear\n", "not found.*u9.wav"),
        ("file,speaker,emotion,duration\naudio/u0.wav,03,anger,-1\n", "bad duration"),
    ],
)
def test_bad_manifests(corpus: Path, text: str, message: str) -> None:
    with pytest.raises(ManifestError, match=message):
        read_manifest(_csv(corpus / "m.csv", text))


def test_missing_files_check_can_be_turned_off(corpus: Path) -> None:
    csv = _csv(corpus / "m.csv", "file,speaker,emotion\naudio/gone.wav,03,anger\n")
    assert read_manifest(csv, check_files=False)["file"].iloc[0] == str(corpus / "audio" / "gone.wav")


def test_not_a_csv(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="not found"):
        read_manifest(tmp_path / "absent.csv")
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(ManifestError):
        read_manifest(binary)


def test_validate_labels_and_write_refuses_invalid(tmp_path: Path) -> None:
    df = pd.DataFrame({"file": ["a.wav", "b.wav"], "speaker": ["1", "2"], "emotion": ["anger", "joy"]})
    validate_manifest(df)
    with pytest.raises(ManifestError, match="unknown emotion label.*joy"):
        validate_manifest(df, labels={"anger", "sadness"})
    with pytest.raises(ManifestError, match="missing column"):
        write_manifest(df.drop(columns="speaker"), tmp_path / "m.csv")
    assert not (tmp_path / "m.csv").exists()
