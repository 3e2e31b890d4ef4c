"""IEMOCAP: labels from ``Session*/dialog/EmoEvaluation/*.txt``, audio from
``Session*/sentences/wav/<dialog>/<utterance>.wav``.

An evaluation file holds one summary line per utterance, e.g.
``[6.2901 - 8.2357]<TAB>Ses01F_impro01_F000<TAB>neu<TAB>[2.5000, 2.5000, 2.5000]``,
followed by the individual annotators' lines (ignored). In the utterance id,
``Ses01F`` is the session and the actor wearing markers, ``impro01``/``script01_1`` the
dialogue, and the first letter of the last group (``F000``) the gender of the speaker
of that utterance. So the manifest's speaker is ``Ses01`` + that letter, e.g. ``Ses01M``.

As in the paper, only improvised dialogues and happy/angry/sad/neutral are kept by
default; ``include_scripted`` adds the scripted ones and ``merge_excited`` labels
``exc`` as happiness (a common practice, not the paper's stated one).
"""

from __future__ import annotations

import re
from pathlib import Path

from ssaser.data.corpora.base import FEMALE, MALE, PreparedCorpus, finalize, require_dir
from ssaser.errors import ManifestError

#: IEMOCAP category code -> label, for the four classes the paper uses.
EMOTIONS: dict[str, str] = {"hap": "happiness", "ang": "anger", "sad": "sadness", "neu": "neutral"}

_SUMMARY = re.compile(
    r"^\[\s*(?P<start>[\d.]+)\s*-\s*(?P<end>[\d.]+)\s*\]\s+(?P<utt>\S+)\s+(?P<label>\S+)\s+\[[^\]]*\]\s*$"
)
_UTTERANCE = re.compile(r"^(?P<session>Ses\d\d)[FM]_(?P<kind>impro|script)[^_]*(?:_[^_]+)*_(?P<gender>[FM])[^_]*$")


def parse_evaluation(path: Path) -> list[tuple[str, str]]:
    """``(utterance id, category code)`` for every summary line of one EmoEvaluation file."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read ({exc.strerror})") from None
    return [(m["utt"], m["label"]) for m in map(_SUMMARY.match, text.splitlines()) if m]


def prepare_iemocap(
    root: Path,
    merge_excited: bool = False,
    include_scripted: bool = False,
    with_duration: bool = True,
) -> PreparedCorpus:
    """Manifest of IEMOCAP under ``root`` (the folder holding ``Session1`` ... ``Session5``).

    Columns: file, speaker (``Ses01F``), emotion, session (``Ses01``), gender, dialog,
    duration.
    """
    root = require_dir(Path(root), "the IEMOCAP release folder with Session1..Session5")
    evaluations = sorted(
        p for p in root.glob("Session*/dialog/EmoEvaluation/*.txt") if not p.name.startswith(".")
    )
    if not evaluations:
        raise ManifestError(f"{root}: no Session*/dialog/EmoEvaluation/*.txt (is this the IEMOCAP release folder?)")
    codes = dict(EMOTIONS, **({"exc": "happiness"} if merge_excited else {}))
    rows, skipped = [], []
    for evaluation in evaluations:
        session_dir = evaluation.parents[2]
        for utterance, code in parse_evaluation(evaluation):
            match = _UTTERANCE.match(utterance)
            if match is None:
                skipped.append((utterance, "utterance id not understood"))
                continue
            if match["kind"] == "script" and not include_scripted:
                skipped.append((utterance, "scripted dialogue (use --include-scripted)"))
                continue
            if code not in codes:
                hint = " (use --merge-excited)" if code == "exc" else ""
                skipped.append((utterance, f"label {code} not among {'/'.join(sorted(codes))}{hint}"))
                continue
            dialog = utterance.rsplit("_", 1)[0]
            gender = match["gender"]
            rows.append({
                "file": session_dir / "sentences" / "wav" / dialog / f"{utterance}.wav",
                "speaker": match["session"] + gender, "emotion": codes[code],
                "session": match["session"], "gender": FEMALE if gender == "F" else MALE, "dialog": dialog,
            })
    return finalize("iemocap", rows, skipped, EMOTIONS.values(), root, with_duration)
