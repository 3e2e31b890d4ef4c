"""EmoDB (Berlin Database of Emotional Speech): ``ROOT/wav/SSTTTEV.wav``.

``SS`` speaker (03 08 09 10 11 12 13 14 15 16), ``TTT`` text (a01..a07, b01..b10: the
phrase), ``E`` German emotion letter, ``V`` version. Gender comes from the corpus's
documented speaker list.
"""

from __future__ import annotations

import re
from pathlib import Path

from ssaser.data.corpora.base import (
    FEMALE, MALE, PreparedCorpus, find_audio,
    finalize, match_names, require_dir,
)

#: German emotion letter -> English label.
EMOTIONS: dict[str, str] = {
    "W": "anger",  # Wut / Aerger
    "L": "boredom",  # Langeweile
    "E": "disgust",  # Ekel
    "A": "fear",  # Angst
    "F": "happiness",  # Freude
    "T": "sadness",  # Trauer
    "N": "neutral",
}

#: The ten EmoDB speakers and their gender (Burkhardt et al., 2005).
SPEAKER_GENDER: dict[str, str] = {
    "03": MALE, "08": FEMALE, "09": FEMALE, "10": MALE, "11": MALE,
    "12": MALE, "13": FEMALE, "14": FEMALE, "15": MALE, "16": FEMALE,
}

_NAME = re.compile(r"^(?P<speaker>\d\d)(?P<text>[ab]\d\d)(?P<emotion>[A-Z])(?P<version>[a-z])$")


def prepare_emodb(root: Path, with_duration: bool = True) -> PreparedCorpus:
    """Manifest of EmoDB under ``root`` (columns file, speaker, emotion, phrase, gender, duration)."""
    wav_dir = require_dir(Path(root) / "wav", "EmoDB's wav/ folder of SSTTTEV.wav files")
    rows, skipped = [], []
    for path, match in match_names(find_audio(wav_dir, "*", (".wav",)), _NAME, "SSTTTEV", skipped):
        if match["emotion"] not in EMOTIONS:
            skipped.append((str(path), f"unknown emotion letter {match['emotion']}"))
            continue
        speaker = match["speaker"]
        rows.append({
            "file": path, "speaker": speaker, "emotion": EMOTIONS[match["emotion"]],
            "phrase": match["text"], "gender": SPEAKER_GENDER.get(speaker, ""),
        })
    return finalize("emodb", rows, skipped, EMOTIONS.values(), Path(root), with_duration)
