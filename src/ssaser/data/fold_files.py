"""Folds defined outside ssaser: a CSV mapping speakers (or files) to folds, for ``--folds-from``.

The file has a header ``speaker,fold`` or ``file,fold`` (lines starting with ``#`` are comments)
and fills the manifest's ``fold`` column that the ``given`` protocol reads
(:func:`ssaser.data.splits.make_folds`). Fold files shipped with the package are found by name
(:func:`bundled_fold_files`): ``emobox-ravdess``, the EmoBox benchmark's 6 speaker-independent
RAVDESS folds, lets a run be compared with EmoBox's published figures in one command.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ssaser.errors import ManifestError

BUNDLED_FOLDS = Path(__file__).resolve().parent / "folds"


def bundled_fold_files() -> dict[str, Path]:
    """Name -> path of the fold files shipped with the package."""
    return {p.stem: p for p in sorted(BUNDLED_FOLDS.glob("*.csv"))}


def resolve_fold_file(ref: str | Path) -> Path:
    """An existing path, or a bundled fold file's name."""
    path = Path(ref)
    if path.is_file():
        return path
    bundled = bundled_fold_files()
    if str(ref) in bundled:
        return bundled[str(ref)]
    raise ManifestError(f"--folds-from {ref}: not a file nor a bundled fold file ({', '.join(bundled) or 'none'})")


def read_fold_file(ref: str | Path) -> tuple[str, dict[str, str]]:
    """``(key column, {key: fold})`` of a fold file; the key is ``speaker`` or ``file``."""
    path = resolve_fold_file(ref)
    try:
        table = pd.read_csv(path, dtype=str, comment="#", keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise ManifestError(f"{path}: not a readable fold file ({type(exc).__name__})") from None
    table.columns = [str(c).strip() for c in table.columns]
    key = next((c for c in ("speaker", "file") if c in table.columns), None)
    if key is None or "fold" not in table.columns:
        raise ManifestError(f"{path}: a fold file needs columns speaker,fold or file,fold; has {', '.join(table.columns)}")
    table = table.apply(lambda col: col.str.strip())
    if (table[key] == "").any() or (table["fold"] == "").any():
        raise ManifestError(f"{path}: empty {key} or fold cells")
    duplicated = table[key][table[key].duplicated()]
    if len(duplicated):
        raise ManifestError(f"{path}: {key} {duplicated.iloc[0]!r} is given more than one fold")
    if key == "file":
        base = path.resolve().parent
        table["file"] = [os.path.normpath(base / f) for f in table["file"]]
    return key, dict(zip(table[key], table["fold"]))


def assign_folds(df: pd.DataFrame, ref: str | Path) -> pd.DataFrame:
    """``df`` with its ``fold`` column filled from a fold file (every row must get one).

    With several manifests (a ``corpus`` column), speakers are ``corpus/speaker``: a key matches
    the prefixed name or, failing that, the name without its corpus.
    """
    key, mapping = read_fold_file(ref)
    values = df[key].astype(str)
    folds = values.map(mapping)
    if key == "speaker" and "corpus" in df.columns:
        bare = [v.split("/", 1)[1] if "/" in v else v for v in values]
        folds = folds.fillna(pd.Series(bare, index=df.index).map(mapping))
    missing = values[folds.isna()]
    if len(missing):
        raise ManifestError(f"--folds-from {ref}: {len(missing)} row(s) have no fold, e.g. {key} {missing.iloc[0]!r}")
    out = df.copy()
    out["fold"] = folds.astype(str)
    return out
