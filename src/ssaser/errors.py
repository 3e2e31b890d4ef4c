"""Error types shared by the whole package.

Every error a user can cause with bad input is one of these, with a one-line message;
the CLI prints that line and exits non-zero instead of showing a traceback.
"""

from __future__ import annotations

from pathlib import Path


class SsaserError(Exception):
    """Base class of every error ssaser raises on purpose.

    The message is kept to one line: a line break that comes from the input (a CSV header, a
    file name) is written as ``\\n``, so a log or a JSON error body never splits.
    """

    def __init__(self, *args: object) -> None:
        if len(args) == 1 and isinstance(args[0], str):
            args = (args[0].replace("\r", "\\r").replace("\n", "\\n"),)
        super().__init__(*args)


class AudioError(SsaserError):
    """An audio input that cannot be used.

    Parameters
    ----------
    source : str or Path
        The file (or a description such as ``"<upload>"``) that failed.
    cause : str
        One line saying why, e.g. ``"file is empty"``.
    """

    def __init__(self, source: str | Path, cause: str) -> None:
        self.source = str(source)
        self.cause = cause
        super().__init__(f"{self.source}: {cause}")


class AudioLimitError(AudioError):
    """Audio that is readable but longer than the caller accepts (the service answers 413)."""


class ManifestError(SsaserError):
    """A manifest (CSV) or a corpus tree that does not hold what it must."""


class ModelFileError(SsaserError):
    """A model directory that is missing, incomplete or of an unknown format."""


class SsaserWarning(UserWarning):
    """Something a user should know that does not stop the work (the CLI prints it as one line)."""


def warning_lines(prefix: str, fallback=None):
    """A ``warnings.showwarning`` that prints :class:`SsaserWarning` as ``PREFIX: warning: ...`` on
    stderr (no file and line) and hands other warnings to ``fallback`` (default: Python's)."""
    import sys
    import warnings

    fallback = fallback or warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, SsaserWarning):
            print(f"{prefix}: warning: {message}", file=sys.stderr)
        else:
            fallback(message, category, filename, lineno, file, line)

    return show
