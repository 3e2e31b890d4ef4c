"""Checkpoints written atomically: a temporary file in the same folder, then ``os.replace``.

Lightning's ``TorchCheckpointIO`` writes through an fsspec transaction whose local temporary
file is made by ``tempfile.mkstemp()`` in the system temp folder; when that folder is on another
file system the final ``shutil.move`` is a copy, so a kill during it leaves a truncated
``last.ckpt``. Writing the temporary file next to the target and renaming it is atomic on POSIX
and Windows, so a reader (or a resumed run) only ever sees a whole checkpoint.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, BinaryIO, Callable

import torch
from lightning.pytorch.plugins.io import TorchCheckpointIO


def atomic_write(path: str | Path, write: Callable[[BinaryIO], None]) -> Path:
    """Write a file atomically: ``write(handle)`` into a temporary file beside ``path``, fsync, rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_torch_save(obj: Any, path: str | Path) -> Path:
    """``torch.save(obj)`` to ``path`` atomically (see :func:`atomic_write`)."""
    return atomic_write(path, lambda handle: torch.save(obj, handle))


def atomic_write_json(data: Any, path: str | Path) -> Path:
    """JSON (indented) to ``path`` atomically."""
    return atomic_write(path, lambda handle: handle.write((json.dumps(data, indent=1) + "\n").encode()))


class AtomicCheckpointIO(TorchCheckpointIO):
    """A ``CheckpointIO`` plugin for the Trainer that saves with :func:`atomic_torch_save`."""

    def save_checkpoint(self, checkpoint: dict[str, Any], path: Any, storage_options: Any | None = None) -> None:
        if storage_options is not None:
            raise TypeError("AtomicCheckpointIO does not take storage_options")
        atomic_torch_save(checkpoint, path)
