"""RAVDESS, speech part: ``Actor_XX/MM-VV-EE-II-SS-RR-AA.<ext>``, any audio extension.

Fields: modality ``MM`` (03 audio-only), vocal channel ``VV`` (01 speech, 02 song),
emotion ``EE``, intensity ``II`` (01 normal, 02 strong), statement ``SS`` (the phrase),
repetition ``RR``, actor ``AA`` (odd male, even female). Only audio-only speech is kept;
video files and song are reported as skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

from ssaser.data.corpora.base import (
    AUDIO_EXTENSIONS, FEMALE, MALE, PreparedCorpus,
    find_audio, finalize, match_names, require_dir,
)

EMOTIONS: dict[str, str] = {
    "01": "neutral", "02": "calm", "03": "happiness", "04": "sadness",
    "05": "anger", "06": "fear", "07": "disgust", "08": "surprise",
}
INTENSITIES: dict[str, str] = {"01": "normal", "02": "strong"}

_NAME = re.compile(r"^(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)$")
#: Video renditions are left out whatever their name says.
_VIDEO = frozenset({".mp4", ".avi", ".mov"})


def prepare_ravdess(root: Path, with_duration: bool = True) -> PreparedCorpus:
    """Manifest of RAVDESS speech under ``root`` (adds an ``intensity`` column)."""
    root = require_dir(Path(root), "the RAVDESS folder with Actor_XX/ subfolders")
    rows, skipped = [], []
    audio = find_audio(root, "**/*", AUDIO_EXTENSIONS | _VIDEO)
    for path, match in match_names(audio, _NAME, "MM-VV-EE-II-SS-RR-AA", skipped):
        modality, channel, emotion, intensity, statement, _, actor = match.groups()
        if path.suffix.lower() in _VIDEO or modality != "03":
            skipped.append((str(path), "not audio-only (modality != 03)"))
        elif channel != "01":
            skipped.append((str(path), "song, not speech (vocal channel != 01)"))
        elif emotion not in EMOTIONS or intensity not in INTENSITIES:
            skipped.append((str(path), "unknown emotion or intensity code"))
        else:
            rows.append({
                "file": path, "speaker": actor, "emotion": EMOTIONS[emotion], "phrase": statement,
                "gender": MALE if int(actor) % 2 else FEMALE, "intensity": INTENSITIES[intensity],
            })
    return finalize("ravdess", rows, skipped, EMOTIONS.values(), root, with_duration)

