"""Checkpoints written atomically: a temporary file in the same folder, then ``os.replace``.

Lightning's ``TorchCheckpointIO`` writes through an fsspec transaction whose local temporary
file is made by ``tempfile.mkstemp()`` in the system temp folder; when that folder is on another
file system the final ``shutil.move`` is a copy, so a kill during it leaves a truncated
``last.ckpt``. Writing the temporary file next to the target and renaming it is atomic on POSIX
and Windows, so a reader (or a resumed run) only ever sees a whole checkpoint.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from lightning.pytorch.plugins.io import TorchCheckpointIO

from ssaser.atomic_files import atomic_write

__all__ = ["AtomicCheckpointIO", "atomic_torch_save"]


def atomic_torch_save(obj: Any, path: str | Path) -> Path:
    """``torch.save(obj)`` to ``path`` atomically (see :func:`ssaser.atomic_files.atomic_write`)."""
    return atomic_write(path, lambda handle: torch.save(obj, handle))


class AtomicCheckpointIO(TorchCheckpointIO):
    """A ``CheckpointIO`` plugin for the Trainer that saves with :func:`atomic_torch_save`."""

    def save_checkpoint(self, checkpoint: dict[str, Any], path: Any, storage_options: Any | None = None) -> None:
        if storage_options is not None:
            raise TypeError("AtomicCheckpointIO does not take storage_options")
        atomic_torch_save(checkpoint, path)
