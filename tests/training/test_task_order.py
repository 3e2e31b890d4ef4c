"""Parallel cv hands out the longest trainings first (no worker idles behind a last long one)."""

from __future__ import annotations

from pathlib import Path

from ssaser.training.config import TrainConfig
from ssaser.training.fold_task import FoldTask, estimated_cost, longest_first


def _task(k: int, model: str, epochs: int = 30) -> FoldTask:
    return FoldTask(k, None, model, TrainConfig(model=model, preset="lite", epochs=epochs), Path("."), "test")


def test_speaker_branch_systems_go_first_and_folds_keep_their_order():
    tasks = [_task(k, m) for k in range(3) for m in ("acrnn", "acrnn-r", "ssa-crnn-r")]
    ordered = [(t.model, t.k) for t in longest_first(tasks)]
    assert ordered[:3] == [("ssa-crnn-r", 0), ("ssa-crnn-r", 1), ("ssa-crnn-r", 2)]
    assert ordered[3:] == [("acrnn", 0), ("acrnn-r", 0), ("acrnn", 1), ("acrnn-r", 1), ("acrnn", 2), ("acrnn-r", 2)]


def test_cost_grows_with_epochs_and_branches():
    assert estimated_cost(_task(0, "ssa-crnn-r")) == 2 * estimated_cost(_task(0, "acrnn-r"))
    assert estimated_cost(_task(0, "acrnn", epochs=60)) == 2 * estimated_cost(_task(0, "acrnn"))
