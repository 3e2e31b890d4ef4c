"""CREMA-D: ``AudioWAV/1001_DFA_ANG_XX.wav`` (actor, sentence, emotion, intensity).

Gender comes from ``VideoDemographics.csv`` (columns ``ActorID``, ``Sex``) when it is in
the root or beside the audio folder; otherwise the column is left empty.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from ssaser.data.corpora.base import (
    FEMALE, MALE, PreparedCorpus, find_audio,
    finalize, match_names, require_dir,
)
from ssaser.errors import ManifestError

EMOTIONS: dict[str, str] = {
    "ANG": "anger", "DIS": "disgust", "FEA": "fear", "HAP": "happiness", "NEU": "neutral", "SAD": "sadness",
}
INTENSITIES: dict[str, str] = {"LO": "low", "MD": "medium", "HI": "high", "XX": "unspecified"}
DEMOGRAPHICS = "VideoDemographics.csv"

_NAME = re.compile(r"^(?P<actor>\d{4})_(?P<sentence>[A-Z]{3})_(?P<emotion>[A-Z]{3})_(?P<intensity>[A-Z]{2})$")


def read_demographics(path: Path) -> dict[str, str]:
    """Actor id -> ``m``/``f`` from CREMA-D's ``VideoDemographics.csv``."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            table = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ManifestError(f"{path}: cannot read demographics ({exc})") from None
    if not table or not {"ActorID", "Sex"} <= set(table[0]):
        raise ManifestError(f"{path}: expected columns ActorID and Sex")
    sexes = {"male": MALE, "female": FEMALE}
    return {row["ActorID"].strip(): sexes.get(row["Sex"].strip().lower(), "") for row in table}


def prepare_cremad(root: Path, with_duration: bool = True) -> PreparedCorpus:
    """Manifest of CREMA-D under ``root`` (the folder holding ``AudioWAV/``, or that folder).

    Columns: file, speaker (actor id), emotion, phrase (sentence code), gender,
    intensity, duration.
    """
    root = require_dir(Path(root), "the CREMA-D folder holding AudioWAV/")
    audio_dir = root / "AudioWAV" if (root / "AudioWAV").is_dir() else root
    demographics = next((p for p in (root / DEMOGRAPHICS, audio_dir.parent / DEMOGRAPHICS) if p.is_file()), None)
    genders = read_demographics(demographics) if demographics else {}
    rows, skipped = [], []
    for path, match in match_names(find_audio(audio_dir, "*"), _NAME, "ACTOR_SEN_EMO_IN", skipped):
        if match["emotion"] not in EMOTIONS or match["intensity"] not in INTENSITIES:
            skipped.append((str(path), "unknown emotion or intensity code"))
        else:
            rows.append({
                "file": path, "speaker": match["actor"], "emotion": EMOTIONS[match["emotion"]],
                "phrase": match["sentence"], "gender": genders.get(match["actor"], ""),
                "intensity": INTENSITIES[match["intensity"]],
            })
    return finalize("cremad", rows, skipped, EMOTIONS.values(), root, with_duration)
