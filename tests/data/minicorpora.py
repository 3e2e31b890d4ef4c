"""Miniature corpus trees with the real layouts and file formats, for the preparer tests.

Each ``make_*`` writes short generated WAVs (and, for IEMOCAP, EmoEvaluation text in the
release's format) under a folder and returns it. The contents are listed in the module
constants, so that tests can derive what a preparer must keep and skip.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

SAMPLE_RATE = 16000


def write_wav(path: Path, seconds: float = 0.25, seed: int = 0) -> Path:
    """A short noisy tone, 16-bit PCM; returns ``path``."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    wave = 0.3 * np.sin(2 * np.pi * (150 + 10 * seed) * t) + 0.01 * rng.standard_normal(t.size)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, wave.astype(np.float32), SAMPLE_RATE, subtype="PCM_16")
    return path


# --- IEMOCAP ---------------------------------------------------------------------------
#: dialog -> [(utterance suffix, category code, has a wav)]
IEMOCAP_DIALOGS: dict[str, list[tuple[str, str, bool]]] = {
    "Ses01F_impro01": [("F000", "neu", True), ("M000", "fru", True), ("F001", "hap", True),
                       ("M001", "exc", True), ("F002", "ang", True), ("M002", "sad", True),
                       ("F003", "xxx", True)],
    "Ses01F_script01_1": [("F000", "ang", True), ("M000", "neu", True), ("M001", "exc", True)],
    "Ses02M_impro02": [("M000", "sad", True), ("F000", "neu", True), ("M001", "hap", False)],
}

_ANNOTATIONS = """C-E2:\tNeutral state;\t()
C-E3:\tFrustration; Anger;\t()
C-F1:\tNeutral state;\t(curious)
A-E3:\tval 3; act 2; dom  2;\t()
A-F1:\tval 3; act 2; dom  1;\t(mildly aggravated but staying polite, attitude)
"""


def make_iemocap(root: Path) -> Path:
    """``Session1``, ``Session2`` with dialog/EmoEvaluation/*.txt and sentences/wav/."""
    for number, (dialog, utterances) in enumerate(IEMOCAP_DIALOGS.items()):
        session_dir = root / f"Session{int(dialog[3:5])}"
        lines = ["% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]", ""]
        start = 6.2901
        for k, (suffix, code, has_wav) in enumerate(utterances):
            utterance = f"{dialog}_{suffix}"
            lines += [f"[{start:.4f} - {start + 1.9456:.4f}]\t{utterance}\t{code}\t[2.5000, 3.0000, 2.5000]",
                      _ANNOTATIONS]
            start += 3.7199
            if has_wav:
                write_wav(session_dir / "sentences" / "wav" / dialog / f"{utterance}.wav", seed=number * 10 + k)
        evaluation = session_dir / "dialog" / "EmoEvaluation" / f"{dialog}.txt"
        evaluation.parent.mkdir(parents=True, exist_ok=True)
        evaluation.write_text("\n".join(lines) + "\n")
        # Per-annotator files in a subfolder, and a macOS resource fork: both must be ignored.
        categorical = evaluation.parent / "Categorical" / f"{dialog}_e2_cat.txt"
        categorical.parent.mkdir(exist_ok=True)
        categorical.write_text(f"{dialog}_{utterances[0][0]} :Neutral state; ()\n")
        (evaluation.parent / f"._{dialog}.txt").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X")
    return root


# --- Att-HACK --------------------------------------------------------------------------
ATTHACK_SPEAKERS = ("F01", "M02")
ATTHACK_ATTITUDES = ("a1", "a2", "a3", "a4")
ATTHACK_SENTENCES = ("s001", "s002")
#: Files that must be skipped: an unknown attitude code and a name of another form.
ATTHACK_ODD = ("F01_a5_s001_v01.wav", "F01-a1-s001.wav")


def make_atthack(root: Path) -> Path:
    """``wav/SPEAKER_aN_sNNN_vNN.wav`` for every speaker, attitude, sentence (v01) + odd ones."""
    k = 0
    for speaker in ATTHACK_SPEAKERS:
        for attitude in ATTHACK_ATTITUDES:
            for sentence in ATTHACK_SENTENCES:
                write_wav(root / "wav" / f"{speaker}_{attitude}_{sentence}_v01.wav", seconds=0.2, seed=k)
                k += 1
    write_wav(root / "wav" / f"{ATTHACK_SPEAKERS[0]}_a2_{ATTHACK_SENTENCES[0]}_v02.wav", seconds=0.2)
    for name in ATTHACK_ODD:
        write_wav(root / "wav" / name, seconds=0.2)
    (root / "txt").mkdir(parents=True, exist_ok=True)
    (root / "txt" / "s001.txt").write_text("Bonjour, comment allez-vous ?\n")
    return root


# --- CREMA-D ---------------------------------------------------------------------------
#: Usable files and the gender of their actors in the demographics table.
CREMAD_FILES = ("1001_DFA_ANG_XX", "1001_IEO_HAP_HI", "1002_TIE_SAD_LO", "1002_DFA_NEU_XX",
                "1003_IEO_FEA_MD", "1003_TSI_DIS_XX")
CREMAD_SEX = {"1001": "Male", "1002": "Female", "1003": "Female"}
#: An empty file (CREMA-D ships a few broken ones) and an unknown emotion code.
CREMAD_EMPTY, CREMAD_UNKNOWN = "1076_MTI_SAD_XX", "1004_DFA_XYZ_XX"


def make_cremad(root: Path, demographics: bool = True) -> Path:
    """``AudioWAV/*.wav`` (+ ``VideoDemographics.csv`` if ``demographics``)."""
    for k, name in enumerate(CREMAD_FILES + (CREMAD_UNKNOWN,)):
        write_wav(root / "AudioWAV" / f"{name}.wav", seconds=0.2, seed=k)
    (root / "AudioWAV" / f"{CREMAD_EMPTY}.wav").write_bytes(b"")
    if demographics:
        rows = ["ActorID,Age,Sex,Race,Ethnicity"]
        rows += [f"{actor},{30 + i},{sex},Caucasian,Not Hispanic" for i, (actor, sex) in enumerate(CREMAD_SEX.items())]
        (root / "VideoDemographics.csv").write_text("\n".join(rows) + "\n")
    return root


# --- RAVDESS (layout variants the shared copy lacks) ------------------------------------
#: name -> kept? A .wav and an .ogg speech file, a song file, a video file.
RAVDESS_FILES = {
    "Actor_01/03-01-05-02-01-01-01.wav": True,
    "Actor_02/03-01-03-01-02-02-02.ogg": True,
    "Actor_01/03-02-05-01-01-01-01.wav": False,
    "Actor_01/01-01-05-01-01-01-01.mp4": False,
}


def make_ravdess(root: Path) -> Path:
    """A few RAVDESS files in several formats, with song and video beside speech."""
    for k, name in enumerate(RAVDESS_FILES):
        path = root / name
        if path.suffix == ".mp4":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"\x00\x00\x00\x18ftypmp42")
        elif path.suffix == ".ogg":
            path.parent.mkdir(parents=True, exist_ok=True)
            sf.write(path, np.zeros(3200, dtype=np.float32) + 0.01 * k, SAMPLE_RATE, format="OGG", subtype="VORBIS")
        else:
            write_wav(path, seconds=0.2, seed=k)
    return root
