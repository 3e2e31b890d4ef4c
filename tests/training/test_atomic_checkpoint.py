"""Checkpoints replace the old file in one rename; a failed write leaves the old one intact."""

from __future__ import annotations

import pytest
import torch

from ssaser.training.checkpoint import AtomicCheckpointIO, atomic_torch_save


def test_atomic_save_replaces_and_leaves_no_temp(tmp_path):
    path = tmp_path / "ck" / "last.ckpt"
    AtomicCheckpointIO().save_checkpoint({"a": torch.ones(2)}, path)
    AtomicCheckpointIO().save_checkpoint({"a": torch.zeros(3)}, path)
    assert torch.load(path, weights_only=True)["a"].shape == (3,)
    assert [p.name for p in path.parent.iterdir()] == ["last.ckpt"]


def test_failed_write_keeps_previous_checkpoint(tmp_path):
    path = tmp_path / "last.ckpt"
    atomic_torch_save({"v": 1}, path)

    class Unpicklable:
        def __reduce__(self):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        atomic_torch_save({"v": Unpicklable()}, path)
    assert torch.load(path, weights_only=True) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["last.ckpt"]
