"""The manifest: one CSV row per utterance, the format every corpus is turned into.

Columns (audformat / nkululeko compatible: ``file`` is the index column there):

``file``
    Audio path, absolute or relative to the CSV's folder.
``speaker``, ``emotion``
    Required labels, read as strings (EmoDB speaker ``"03"`` stays ``"03"``).
``phrase``, ``session``, ``gender``, ``duration``
    Optional: the sentence (for linguistic splits), the recording session, ``m``/``f``,
    seconds. Any other column is kept as it is.

Only an empty cell counts as missing: a speaker called ``"NA"`` stays ``"NA"``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

import pandas as pd

from ssaser.atomic_files import atomic_write_text
from ssaser.errors import ManifestError

REQUIRED_COLUMNS: tuple[str, ...] = ("file", "speaker", "emotion")
OPTIONAL_COLUMNS: tuple[str, ...] = ("phrase", "session", "gender", "duration")
#: Columns read as text whatever they hold (a numeric-looking label must not become an int).
STRING_COLUMNS: tuple[str, ...] = ("file", "speaker", "emotion", "phrase", "session", "gender")

#: How many offending values an error message lists before "...".
_SHOWN = 3


def _preview(values: Iterable[object]) -> str:
    values = [str(v) for v in values]
    head = ", ".join(values[:_SHOWN])
    return head + (f", ... ({len(values)} in all)" if len(values) > _SHOWN else "")


def validate_manifest(
    df: pd.DataFrame,
    check_files: bool = False,
    labels: Iterable[str] | None = None,
    source: str = "manifest",
) -> None:
    """Check that a manifest table holds what the rest of the package relies on.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per utterance, columns as in the module docstring.
    check_files : bool
        Also check that every ``file`` exists (paths must then be absolute or relative
        to the working directory).
    labels : iterable of str, optional
        The allowed emotion labels; any other label is an error.
    source : str
        Name used in error messages (the CSV path, a corpus name).

    Raises
    ------
    ManifestError
        Missing columns, no rows, empty labels, duplicate files, unknown labels, missing
        files, or a non-numeric/negative duration.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise ManifestError(
            f"{source}: missing column(s) {', '.join(missing)} "
            f"(needs {', '.join(REQUIRED_COLUMNS)}; has {', '.join(map(str, df.columns)) or 'none'})"
        )
    if len(df) == 0:
        raise ManifestError(f"{source}: the manifest has no rows")
    for column in REQUIRED_COLUMNS:
        values = df[column]
        empty = values.isna() | (values.astype(str).str.strip() == "")
        if empty.any():
            rows = [int(i) + 2 for i in range(len(df)) if empty.iloc[i]]  # +2: header, 1-based
            raise ManifestError(f"{source}: empty {column!r} in {empty.sum()} row(s), CSV line(s) {_preview(rows)}")
    duplicated = df["file"][df["file"].duplicated()]
    if len(duplicated):
        raise ManifestError(f"{source}: {len(duplicated)} duplicate file(s): {_preview(duplicated.unique())}")
    if labels is not None:
        unknown = sorted(set(df["emotion"]) - set(labels))
        if unknown:
            known = ", ".join(sorted(labels))
            raise ManifestError(f"{source}: unknown emotion label(s) {_preview(unknown)}; known: {known}")
    if "duration" in df.columns:
        duration = pd.to_numeric(df["duration"], errors="coerce")
        bad = df["duration"].notna() & (duration.isna() | (duration < 0))
        if bad.any():
            raise ManifestError(f"{source}: bad duration(s) {_preview(df['duration'][bad])}")
    if check_files:
        absent = [f for f in df["file"] if not os.path.isfile(f)]
        if absent:
            raise ManifestError(f"{source}: {len(absent)} file(s) not found: {_preview(absent)}")


def read_manifest(path: str | Path, check_files: bool = True) -> pd.DataFrame:
    """Read a manifest CSV, with file paths made absolute.

    Parameters
    ----------
    path : str or Path
        The CSV. Relative ``file`` entries are resolved against its folder.
    check_files : bool
        Raise if an audio file does not exist (default); ``False`` to skip the check.

    Returns
    -------
    pandas.DataFrame
        One row per utterance, ``RangeIndex``; string columns as ``str``, ``duration``
        as float where present; empty optional cells are NaN.

    Raises
    ------
    ManifestError
        The CSV is missing or unreadable, or fails :func:`validate_manifest`.
    """
    path = Path(path)
    if not path.is_file():
        raise ManifestError(f"{path}: manifest not found")
    try:
        header = pd.read_csv(path, nrows=0).columns
        dtypes = {c: str for c in STRING_COLUMNS if c in header}
        df = pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ManifestError(f"{path}: not a readable CSV manifest ({first_line})") from None
    df.columns = [str(c).strip() for c in df.columns]
    if "file" in df.columns:
        base = path.resolve().parent
        # Only the non-empty paths are resolved; empty ones are reported by validation.
        df["file"] = [
            f if pd.isna(f) else os.path.normpath(base / os.path.expanduser(str(f).strip())) for f in df["file"]
        ]
    if "duration" in df.columns:
        df["duration"] = pd.to_numeric(df["duration"], errors="coerce").where(df["duration"].notna())
    validate_manifest(df, check_files=check_files, source=str(path))
    return df.reset_index(drop=True)


def write_manifest(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a manifest CSV (after :func:`validate_manifest`).

    Files that lie under the CSV's folder are written relative to it (the folder can then
    be moved as a whole); others keep their absolute path, so that moving the CSV alone
    never breaks them.

    Parameters
    ----------
    df : pandas.DataFrame
        The manifest, ``file`` paths absolute or relative to the working directory.
    path : str or Path
        Where to write; parent folders are created.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    validate_manifest(df, source=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    base = path.resolve().parent
    out = df.copy()
    files = []
    for f in out["file"]:
        absolute = Path(os.path.abspath(f))
        files.append(absolute.relative_to(base).as_posix() if absolute.is_relative_to(base) else str(absolute))
    out["file"] = files
    # Required columns first, then the optional ones, then anything else, as read back.
    known = [c for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS if c in out.columns]
    out = out[known + [c for c in out.columns if c not in known]]
    # Never leave a half-written manifest behind.
    return atomic_write_text(path, out.to_csv(index=False))
