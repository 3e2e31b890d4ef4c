"""Emotion-balanced batches, reproducible from (seed, epoch), sharded by rank."""

from __future__ import annotations

import numpy as np
import pytest

from ssaser.training.sampler import BalancedBatchSampler


def _batches(sampler):
    idx = list(sampler)
    return [idx[i:i + sampler.batch_size] for i in range(0, len(idx), sampler.batch_size)]


@pytest.mark.parametrize("n_classes", [4, 7])
def test_batches_are_as_balanced_as_40_allows(n_classes):
    rng = np.random.default_rng(0)
    # Strongly unbalanced classes: class 0 has 10x the segments of the last one.
    labels = np.concatenate([np.full(200 // (c + 1), c) for c in range(n_classes)])
    labels = labels[rng.permutation(labels.size)]
    sampler = BalancedBatchSampler(labels, 40, seed=3)
    batches = _batches(sampler)
    assert len(batches) == int(np.ceil(labels.size / 40))
    epoch_counts = np.zeros(n_classes)
    for batch in batches:
        assert len(batch) == 40
        counts = np.bincount(labels[batch], minlength=n_classes)
        assert counts.max() - counts.min() <= 1  # 40 = 10 x 4; 40 = 5 x 7 + 5
        epoch_counts += counts
    assert epoch_counts.max() - epoch_counts.min() <= 1


def test_order_depends_only_on_seed_and_epoch():
    labels = np.arange(100) % 3
    a = BalancedBatchSampler(labels, 12, seed=1)
    b = BalancedBatchSampler(labels, 12, seed=1)
    first = list(a)
    a.set_epoch(1)
    second = list(a)
    assert first != second
    b.set_epoch(1)  # a fresh object jumping straight to epoch 1 sees epoch 1's batches
    assert list(b) == second
    assert list(BalancedBatchSampler(labels, 12, seed=2)) != first


def test_ranks_get_disjoint_batches_of_the_same_sequence():
    labels = np.arange(96) % 3  # 16 batches of 6: an even count
    whole = BalancedBatchSampler(labels, 6, seed=0)
    r0 = BalancedBatchSampler(labels, 6, seed=0, rank=0, world_size=2)
    r1 = BalancedBatchSampler(labels, 6, seed=0, rank=1, world_size=2)
    assert len(r0) == len(r1) == len(whole) // 2
    global_batches = whole.batches(0)
    assert _batches(r0) == [b.tolist() for b in global_batches[0::2]]
    assert _batches(r1) == [b.tolist() for b in global_batches[1::2]]


def test_bad_arguments():
    with pytest.raises(ValueError):
        BalancedBatchSampler([], 4)
    with pytest.raises(ValueError):
        BalancedBatchSampler([0, 1], 4, rank=2, world_size=2)
