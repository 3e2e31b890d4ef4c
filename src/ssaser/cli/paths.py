"""Checks of the paths a command is given, made before any heavy import (torch loads in 2-20 s).

Each failure is an :class:`~ssaser.errors.SsaserError` with one line, so that a typo in a path
is answered at once and never as a traceback.
"""

from __future__ import annotations

import os
from pathlib import Path

from ssaser.errors import ModelFileError, SsaserError


def require_model_dir(path: Path | str) -> Path:
    """``path`` must be a folder holding ``config.json`` (a model directory) or a bundled model's
    name (:func:`ssaser.models.pretrained.resolve_model`); returns the folder."""
    from ssaser.models.pretrained import resolve_model

    path = resolve_model(str(path))
    if not path.is_dir():
        raise ModelFileError(f"{path}: not a model directory (a file, not a folder)")
    if not (path / "config.json").is_file():
        raise ModelFileError(f"{path}: not a model directory (no config.json)")
    return path


def writable_folder(path: Path, what: str) -> None:
    """Check that ``path`` is, or can be made, a writable folder.

    Nothing is created here: the writer creates it once there is something to write.
    """
    if path.exists():
        if not path.is_dir():
            raise SsaserError(f"{what} {path}: exists and is not a folder")
        if not os.access(path, os.W_OK | os.X_OK):
            raise SsaserError(f"{what} {path}: folder is not writable")
        return
    parent = next((p for p in path.absolute().parents if p.exists()), None)
    if parent is None or not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise SsaserError(f"{what} {path}: cannot create it ({parent} is not a writable folder)")


def writable_file(path: Path, what: str) -> None:
    """Check that ``path`` can be written: not a folder, in a folder that is or can be made writable."""
    if path.is_dir():
        raise SsaserError(f"{what} {path}: is a folder, expected a file name")
    if path.exists() and not os.access(path, os.W_OK):
        raise SsaserError(f"{what} {path}: exists and is not writable")
    writable_folder(path.parent, what)


def existing_files(paths: list[Path], what: str) -> None:
    """Every path must be an existing file (audio inputs, manifests): one line naming the first few."""
    missing = [p for p in paths if not Path(p).is_file()]
    if missing:
        shown = ", ".join(str(p) for p in missing[:3]) + (f", ... ({len(missing)} in all)" if len(missing) > 3 else "")
        kind = "not a file" if len(missing) == 1 and Path(missing[0]).exists() else "not found"
        raise SsaserError(f"{what} {shown}: {kind}")


def expand_inputs(inputs: list[Path]) -> list[Path]:
    """Audio files from files, folders (their audio files, recursively, sorted) and manifest CSVs."""
    from ssaser.data.corpora.base import find_audio
    from ssaser.data.manifest import read_manifest

    files: list[Path] = []
    for item in map(Path, inputs):
        if item.is_dir():
            found = list(find_audio(item))
            if not found:
                raise SsaserError(f"{item}: no audio file in this folder")
            files.extend(found)
        elif item.suffix.lower() == ".csv":
            files.extend(Path(f) for f in read_manifest(item, check_files=False)["file"])
        else:
            files.append(item)
    return files
