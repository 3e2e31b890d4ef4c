"""What every corpus preparer shares: the result type, audio listing, durations, checks."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
import re
from typing import Iterable, Iterator

import pandas as pd

from ssaser.data.manifest import REQUIRED_COLUMNS, validate_manifest
from ssaser.errors import ManifestError

#: Extensions taken as audio when a corpus may come in any format (libsndfile reads them).
AUDIO_EXTENSIONS: frozenset[str] = frozenset({".wav", ".flac", ".ogg", ".oga", ".opus", ".aif", ".aiff", ".mp3"})

#: Gender of a speaker as written in manifests.
MALE, FEMALE = "m", "f"


@dataclass
class PreparedCorpus:
    """A corpus turned into a manifest.

    Attributes
    ----------
    manifest : pandas.DataFrame
        One row per kept utterance, absolute ``file`` paths, sorted by file.
    skipped : list of (str, str)
        ``(path or utterance id, reason)`` for everything found and not kept.
    name : str
        The corpus (``emodb``, ``iemocap``, ...), for the summary.
    """

    manifest: pd.DataFrame
    skipped: list[tuple[str, str]] = field(default_factory=list)
    name: str = "corpus"

    def summary(self, examples: int = 2) -> str:
        """A readable report: counts per emotion and speaker, skips grouped by reason."""
        df = self.manifest
        lines = [f"{self.name}: {len(df)} utterances, {df['speaker'].nunique()} speakers, "
                 f"{df['emotion'].nunique()} emotions"
                 + (f", {df['duration'].sum() / 60:.1f} min of audio" if "duration" in df else "")]
        for column in ("emotion", "speaker"):
            counts = df[column].value_counts().sort_index()
            lines.append(f"  per {column}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        lines.append(f"  skipped: {len(self.skipped)}")
        by_reason: dict[str, list[str]] = {}
        for item, reason in self.skipped:
            by_reason.setdefault(reason, []).append(item)
        for reason, items in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
            shown = ", ".join(Path(i).name for i in items[:examples])
            lines.append(f"    {len(items):6d}  {reason}  (e.g. {shown})")
        return "\n".join(lines)


def find_audio(root: Path, pattern: str = "**/*", extensions: Iterable[str] = AUDIO_EXTENSIONS) -> Iterator[Path]:
    """Audio files under ``root`` matching ``pattern``, sorted; hidden/AppleDouble files left out."""
    extensions = {e.lower() for e in extensions}
    for path in sorted(root.glob(pattern)):
        if path.suffix.lower() in extensions and not path.name.startswith(".") and path.is_file():
            yield path


def match_names(
    paths: Iterable[Path], pattern: re.Pattern[str], form: str, skipped: list[tuple[str, str]]
) -> Iterator[tuple[Path, re.Match[str]]]:
    """``(path, match)`` for the files whose stem matches ``pattern``; the others go to
    ``skipped`` with the reason "name is not ``form``"."""
    for path in paths:
        match = pattern.match(path.stem)
        if match is None:
            skipped.append((str(path), f"name is not {form}"))
        else:
            yield path, match


def require_dir(path: Path, what: str) -> Path:
    """``path`` if it is a folder, else a ``ManifestError`` naming what was expected there."""
    if not path.is_dir():
        raise ManifestError(f"{path}: not found; expected {what}")
    return path


def audio_duration(path: Path) -> float:
    """Duration in seconds from the file header (no decoding); raises ``RuntimeError``/``OSError``."""
    import soundfile as sf

    info = sf.info(str(path))
    if info.frames <= 0 or info.samplerate <= 0:
        raise RuntimeError("no audio frames")
    return info.frames / info.samplerate


def finalize(
    name: str,
    rows: list[dict[str, object]],
    skipped: list[tuple[str, str]],
    labels: Iterable[str],
    root: Path,
    with_duration: bool = True,
) -> PreparedCorpus:
    """Turn parsed rows into a checked :class:`PreparedCorpus`.

    Rows whose file is missing or unreadable as audio are moved to ``skipped``; the result
    is validated (no duplicate files, only ``labels``, files exist). An empty result is an
    error that says what was skipped.

    Parameters
    ----------
    name : str
        Corpus name, for messages.
    rows : list of dict
        One dict per utterance with at least ``file`` (a Path), ``speaker``, ``emotion``.
    skipped : list of (str, str)
        Items already left out while parsing, with reasons; extended in place.
    labels : iterable of str
        The labels this corpus may produce.
    root : Path
        The corpus root, for the error message.
    with_duration : bool
        Fill ``duration`` from the file headers (fast); ``False`` only checks existence.
    """
    from tqdm import tqdm

    kept = []
    for row in tqdm(rows, desc=f"checking {name} audio", unit="file", disable=None, leave=False):
        path = Path(row["file"])
        if not path.is_file():
            skipped.append((str(path), "audio file missing"))
            continue
        if with_duration:
            try:
                row["duration"] = round(audio_duration(path), 4)
            except (RuntimeError, OSError) as exc:
                cause = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                skipped.append((str(path), f"unreadable audio ({cause.split(': ')[-1]})"))
                continue
        kept.append({**row, "file": str(path.absolute())})
    if not kept:
        reasons = Counter(reason for _, reason in skipped)
        detail = "; ".join(f"{n} x {r}" for r, n in reasons.most_common(3)) or "no matching files"
        raise ManifestError(f"{root}: no usable {name} utterances found ({detail})")
    df = pd.DataFrame(kept).sort_values("file", kind="stable").reset_index(drop=True)
    ordered = [c for c in REQUIRED_COLUMNS if c in df.columns]
    df = df[ordered + [c for c in df.columns if c not in ordered]]
    validate_manifest(df, check_files=True, labels=set(labels), source=name)
    return PreparedCorpus(name=name, manifest=df, skipped=skipped)
