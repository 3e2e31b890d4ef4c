"""Several manifests as one training table, on one emotion vocabulary.

:func:`read_manifests` reads each manifest, maps its labels onto the canonical names
(:func:`ssaser.data.emotions.canonical_emotion`), applies an ``--emotions`` selection and
concatenates. With more than one manifest, every row gets a ``corpus`` column and its speaker
is prefixed with it (``emodb/03``, ``ravdess/03``): two corpora's speaker ``03`` are two people.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import pandas as pd

from ssaser.data.emotions import EmotionSelection, canonical_emotion, parse_emotion_selection, select_emotions
from ssaser.data.manifest import read_manifest
from ssaser.errors import ManifestError


@dataclass
class ManifestTable:
    """The combined table and what the selection left out.

    Attributes
    ----------
    df : pandas.DataFrame
        One row per kept utterance (``RangeIndex``), canonical ``emotion``.
    sources : list of str
        The corpus name of each manifest, in order.
    dropped : Counter
        ``(corpus, original label) -> rows`` left out by the emotion selection.
    """

    df: pd.DataFrame
    sources: list[str]
    dropped: Counter = field(default_factory=Counter)

    def dropped_text(self) -> str:
        """``"ravdess: calm 192, surprised 192; emodb: boredom 81"``, or ``""``."""
        by_source: dict[str, list[str]] = {}
        for (source, label), count in sorted(self.dropped.items()):
            by_source.setdefault(source, []).append(f"{label} {count}")
        return "; ".join(f"{source}: {', '.join(items)}" for source, items in by_source.items())


def manifest_paths(manifest: str | Path | Sequence[str | Path]) -> list[Path]:
    """One manifest path or several, as a list."""
    return [Path(manifest)] if isinstance(manifest, (str, Path)) else [Path(m) for m in manifest]


def manifest_record(manifest: str | Path | Sequence[str | Path]) -> str | list[str]:
    """The resolved path (one manifest) or paths (several), as ``cv_config.json`` and
    ``train.json`` record them."""
    paths = [str(p.resolve()) for p in manifest_paths(manifest)]
    return paths[0] if isinstance(manifest, (str, Path)) else paths


def source_names(paths: Sequence[Path]) -> list[str]:
    """A short distinct name per manifest: its stem, else its folder/stem, else ``stem-k``."""
    names = [p.stem for p in paths]
    if len(set(names)) < len(names):
        names = [f"{p.resolve().parent.name}/{p.stem}" for p in paths]
    seen: Counter = Counter()
    unique = []
    for name in names:
        seen[name] += 1
        unique.append(name if seen[name] == 1 else f"{name}-{seen[name]}")
    return unique


def read_manifests(paths: str | Path | Sequence[str | Path],
                   emotions: str | EmotionSelection | None = None,
                   check_files: bool = True) -> ManifestTable:
    """Read one or several manifests as one table on the canonical emotion vocabulary.

    Parameters
    ----------
    paths : path or sequence of paths
        Manifest CSVs (:func:`ssaser.data.manifest.read_manifest`).
    emotions : str or EmotionSelection, optional
        ``--emotions`` (e.g. ``"common"``, ``"anger,happiness=happiness+excitement,neutral"``).
    check_files : bool
        Raise if an audio file is missing.

    Raises
    ------
    ManifestError
        A manifest that cannot be read, or a selection that leaves fewer than two classes.
    """
    paths = manifest_paths(paths)
    if not paths:
        raise ManifestError("no manifest given")
    selection = parse_emotion_selection(emotions) if not isinstance(emotions, EmotionSelection) else emotions
    names = source_names(paths)
    tables = [read_manifest(p, check_files=check_files) for p in paths]
    originals = [t["emotion"].astype(str) for t in tables]
    for table, original in zip(tables, originals):
        table["emotion"] = original.map(canonical_emotion)
    mapping, _ = select_emotions([set(t["emotion"]) for t in tables], selection)
    dropped: Counter = Counter()
    kept = []
    for name, table, original in zip(names, tables, originals):
        keep = table["emotion"].isin(mapping.keys())
        dropped.update((name, label) for label in original[~keep])
        table = table[keep].copy()
        table["emotion"] = table["emotion"].map(mapping)
        if len(paths) > 1:
            table["corpus"] = name
            table["speaker"] = name + "/" + table["speaker"].astype(str)
        kept.append(table)
    df = pd.concat(kept, ignore_index=True)
    duplicated = df["file"][df["file"].duplicated()]
    if len(duplicated):
        raise ManifestError(f"{len(duplicated)} file(s) appear in more than one manifest, e.g. {duplicated.iloc[0]}")
    return ManifestTable(df, names, dropped)
