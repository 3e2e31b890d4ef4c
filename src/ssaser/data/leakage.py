"""Leakage checks between the two parts of a split (train / validation or test).

Which overlaps are acceptable depends on the protocol: speaker-dependent protocols share
speakers on purpose, a phrase (linguistic) split must share no phrase, leave-one-speaker-out
no speaker; sharing an audio file is always an error.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pandas as pd

from ssaser.errors import SsaserError


class LeakageError(SsaserError):
    """Two parts of a split share what the protocol says they must not."""


@dataclass(frozen=True)
class LeakageReport:
    """What a train part and a validation part have in common.

    Attributes
    ----------
    shared_speakers, shared_phrases, shared_files : tuple of str
        Sorted values present in both parts. ``shared_phrases`` is ``None`` when a part
        has no ``phrase`` column (not checked).
    n_train, n_val : int
        Rows in each part.
    """

    shared_speakers: tuple[str, ...]
    shared_phrases: tuple[str, ...] | None
    shared_files: tuple[str, ...]
    n_train: int
    n_val: int

    @property
    def has_file_leak(self) -> bool:
        """True when an audio file is in both parts: always an error."""
        return bool(self.shared_files)

    def summary(self, examples: int = 3) -> str:
        """A few readable lines, one per kind of overlap."""
        def line(what: str, values: tuple[str, ...] | None, note: str) -> str:
            if values is None:
                return f"  {what}: not checked (no phrase column)"
            if not values:
                return f"  {what}: none shared"
            shown = ", ".join(values[:examples]) + (", ..." if len(values) > examples else "")
            return f"  {what}: {len(values)} shared ({shown}){note}"

        return "\n".join([
            f"leakage check: train {self.n_train} rows, validation {self.n_val} rows",
            line("speakers", self.shared_speakers, " - expected in speaker-dependent protocols"),
            line("phrases", self.shared_phrases, " - a leak for a phrase (linguistic) split"),
            line("files", self.shared_files, " - ERROR: the same audio in both parts"),
        ])

    def __str__(self) -> str:
        return self.summary()

    def check(self, allow_shared_speakers: bool = True, allow_shared_phrases: bool = True) -> None:
        """Raise :class:`LeakageError` for a shared file, or a shared speaker/phrase not allowed."""
        problems = []
        if self.shared_files:
            problems.append(f"{len(self.shared_files)} file(s)")
        if self.shared_speakers and not allow_shared_speakers:
            problems.append(f"{len(self.shared_speakers)} speaker(s)")
        if self.shared_phrases and not allow_shared_phrases:
            problems.append(f"{len(self.shared_phrases)} phrase(s)")
        if problems:
            details = self.summary().replace("\n", ";")
            raise LeakageError(f"train and validation share {', '.join(problems)}: {details}")


def _shared(train: pd.Series, val: pd.Series) -> tuple[str, ...]:
    return tuple(sorted(set(train.dropna().astype(str)) & set(val.dropna().astype(str))))


def leakage_report(train_df: pd.DataFrame, val_df: pd.DataFrame) -> LeakageReport:
    """Compare two manifest parts.

    Parameters
    ----------
    train_df, val_df : pandas.DataFrame
        Manifest rows (``file``, ``speaker`` required; ``phrase`` optional). Files are
        compared as normalised absolute paths, so ``a/../x.wav`` and ``x.wav`` match.

    Returns
    -------
    LeakageReport
    """
    def files(df: pd.DataFrame) -> pd.Series:
        return df["file"].dropna().map(lambda f: os.path.normcase(os.path.abspath(str(f))))

    has_phrase = "phrase" in train_df.columns and "phrase" in val_df.columns
    return LeakageReport(
        shared_speakers=_shared(train_df["speaker"], val_df["speaker"]),
        shared_phrases=_shared(train_df["phrase"], val_df["phrase"]) if has_phrase else None,
        shared_files=_shared(files(train_df), files(val_df)),
        n_train=len(train_df),
        n_val=len(val_df),
    )
