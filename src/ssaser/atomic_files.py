"""Atomic file writes, the one way the package writes a file that someone may read back.

The content goes to a temporary file in the target's own folder, is flushed and fsynced, given
the permissions a plain ``open()`` would give (``0666`` less the umask: ``mkstemp`` makes
``0600`` files, which other users of a shared model or results folder could not read), then
renamed over the target. A rename within one file system is atomic on POSIX and Windows, so a
reader, a resumed run or a crash only ever sees the old file or the whole new one.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, BinaryIO, Callable


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once, at import: os.umask() can only be read by setting it, which is not thread-safe.
_UMASK = _read_umask()


def atomic_write_path(path: str | Path, write: Callable[[str], None]) -> Path:
    """Write ``path`` atomically through a writer that takes a file name (``safetensors.save_file``).

    Parameters
    ----------
    path : str or Path
        The target; its folder is created if missing.
    write : callable
        Gets the temporary file's name and writes the whole content there.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write(path: str | Path, write: Callable[[BinaryIO], None]) -> Path:
    """As :func:`atomic_write_path`, ``write(handle)`` getting the open binary temporary file."""

    def into(name: str) -> None:
        with open(name, "wb") as handle:
            write(handle)

    return atomic_write_path(path, into)


def atomic_write_text(path: str | Path, text: str) -> Path:
    """UTF-8 text to ``path`` atomically."""
    return atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))


def atomic_write_json(data: Any, path: str | Path, indent: int = 1) -> Path:
    """JSON (indented, newline-terminated) to ``path`` atomically."""
    return atomic_write_text(path, json.dumps(data, indent=indent) + "\n")
