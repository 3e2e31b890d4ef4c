"""``ssaser prepare`` end to end: writes a manifest, prints the summary, fails cleanly."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from minicorpora import CREMAD_FILES, make_atthack, make_cremad

from ssaser.cli.main import main
from ssaser.data.corpora import PREPARERS, corpus_options, prepare_corpus
from ssaser.data.manifest import read_manifest
from ssaser.errors import ManifestError


def test_prepare_writes_relative_manifest_and_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_cremad(tmp_path / "cremad")
    out = tmp_path / "manifests" / "cremad.csv"
    assert main(["prepare", "cremad", str(root), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"cremad: {len(CREMAD_FILES)} utterances, 3 speakers" in printed
    assert "skipped: 2" in printed and "unreadable audio" in printed
    raw = pd.read_csv(out, dtype=str)
    assert list(raw.columns[:3]) == ["file", "speaker", "emotion"]
    assert raw["file"].map(lambda f: Path(f).is_absolute()).all()  # outside the CSV's folder
    df = read_manifest(out)
    assert sorted(Path(f).stem for f in df["file"]) == sorted(CREMAD_FILES)


def test_prepare_inside_the_corpus_writes_relative_paths(tmp_path: Path) -> None:
    root = make_atthack(tmp_path)
    out = root / "manifest.csv"
    assert main(["prepare", "atthack", str(root), "--out", str(out), "--attitude-map", "a1=warm"]) == 0
    raw = pd.read_csv(out, dtype=str)
    assert raw["file"].str.startswith("wav/").all()
    assert "warm" in set(raw["emotion"]) and "friendly" not in set(raw["emotion"])


def test_option_for_another_corpus_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_cremad(tmp_path)
    code = main(["prepare", "cremad", str(root), "--out", str(tmp_path / "m.csv"), "--merge-excited"])
    assert code == 1
    assert "--merge-excited do not apply to corpus cremad" in capsys.readouterr().err
    assert not (tmp_path / "m.csv").exists()


def test_missing_root(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prepare", "emodb", str(tmp_path / "nowhere"), "--out", str(tmp_path / "m.csv")]) == 1
    assert "not found" in capsys.readouterr().err


def test_registry() -> None:
    from ssaser.cli.prepare import CORPORA

    # the CLI's own list (kept there so that --help imports nothing heavy) matches the registry
    assert set(PREPARERS) == set(CORPORA) == {"emodb", "ravdess", "iemocap", "atthack", "cremad"}
    assert {"merge_excited", "include_scripted"} <= set(corpus_options("iemocap"))
    with pytest.raises(ManifestError, match="unknown corpus"):
        prepare_corpus("timit", ".")


def test_without_duration(tmp_path: Path) -> None:
    df = prepare_corpus("cremad", make_cremad(tmp_path), with_duration=False).manifest
    assert "duration" not in df.columns
    # without reading headers the empty file cannot be told apart: it is kept
    assert len(df) == len(CREMAD_FILES) + 1
