"""The canonical emotion vocabulary, ``--emotions`` selections, and several manifests as one table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ssaser.data.combined import read_manifests
from ssaser.data.emotions import canonical_emotion, parse_emotion_selection, select_emotions
from ssaser.errors import ManifestError


@pytest.mark.parametrize("label, expected", [("angry", "anger"), (" Angry ", "anger"), ("hap", "happiness"),
                                             ("fearful", "fear"), ("surprised", "surprise"), ("neutral", "neutral"),
                                             ("W", "w"), ("awe", "awe")])
def test_canonical_names(label, expected):
    assert canonical_emotion(label) == expected


def test_selection_reads_names_merges_and_common():
    selection = parse_emotion_selection("common, Angry, joy=happy+excited")
    assert selection.common
    assert dict(selection.classes) == {"anger": ("anger",), "happiness": ("happiness", "excitement")}
    assert parse_emotion_selection(selection.to_text()) == selection
    assert parse_emotion_selection(None) is None and parse_emotion_selection("  ") is None


@pytest.mark.parametrize("text, message", [("anger,,sadness", "an empty item"), ("x=", "is not NAME"),
                                           ("a=anger,b=anger", "taken by both")])
def test_bad_selections_are_one_line_errors(text, message):
    with pytest.raises(ManifestError, match=message):
        parse_emotion_selection(text)


def test_select_common_and_refuse_one_class():
    mapping, classes = select_emotions([{"anger", "calm", "sadness"}, {"anger", "sadness", "boredom"}],
                                       parse_emotion_selection("common"))
    assert classes == ["anger", "sadness"] and set(mapping) == {"anger", "sadness"}
    with pytest.raises(ManifestError, match="no manifest has fear"):
        select_emotions([{"anger", "sadness"}], parse_emotion_selection("fear,anger"))
    with pytest.raises(ManifestError, match="leaves 1 class"):
        select_emotions([{"anger", "calm"}, {"anger", "boredom"}], parse_emotion_selection("common"))


def _manifest(folder: Path, name: str, rows: list[tuple[str, str, str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for file, _, _ in rows:
        (folder / file).write_bytes(b"")
    path = folder / f"{name}.csv"
    pd.DataFrame(rows, columns=["file", "speaker", "emotion"]).to_csv(path, index=False)
    return path


def test_two_manifests_share_labels_and_keep_speakers_apart(tmp_path):
    a = _manifest(tmp_path / "a", "ravdess", [("1.wav", "03", "angry"), ("2.wav", "03", "calm"), ("3.wav", "04", "sad")])
    b = _manifest(tmp_path / "b", "emodb", [("1.wav", "03", "anger"), ("2.wav", "03", "boredom"), ("3.wav", "08", "sadness")])
    table = read_manifests([a, b], "common")
    df = table.df
    assert sorted(df["emotion"].unique()) == ["anger", "sadness"]
    # Two corpora's speaker 03 are two people.
    assert set(df["speaker"]) == {"ravdess/03", "ravdess/04", "emodb/03", "emodb/08"}
    assert list(df["corpus"].unique()) == ["ravdess", "emodb"]
    assert table.dropped_text() == "emodb: boredom 1; ravdess: calm 1"
    # One manifest: canonical labels, speakers unchanged, no corpus column.
    alone = read_manifests(a).df
    assert sorted(alone["emotion"]) == ["anger", "calm", "sadness"] and set(alone["speaker"]) == {"03", "04"}
    assert "corpus" not in alone


def test_a_manifest_given_twice_is_refused(tmp_path):
    a = _manifest(tmp_path / "a", "x", [("1.wav", "s", "anger"), ("2.wav", "s", "sadness")])
    with pytest.raises(ManifestError, match="more than one manifest"):
        read_manifests([a, a])
