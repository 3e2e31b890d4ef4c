"""Emotion-balanced mini-batches whose order is a pure function of (seed, epoch).

The paper trains on batches of 40 segments with the same number of segments per emotion.
With ``C`` classes and 40 not divisible by ``C`` each batch holds ``40 // C`` of every class
plus one more of ``40 % C`` classes, and those extra slots rotate over the classes so that an
epoch is as balanced as it can be. Minority classes are oversampled (drawn again once
their shuffled list is used up), majority classes are subsampled per epoch.

The order depends only on ``seed`` and the epoch given to :meth:`set_epoch`, never on how many
epochs this object has already produced: a run resumed from a checkpoint sees exactly the
batches an uninterrupted run would have seen.
"""

from __future__ import annotations

import math
from typing import Iterator, Sequence

import numpy as np
from torch.utils.data import Sampler


class BalancedBatchSampler(Sampler[int]):
    """Indices whose consecutive groups of ``batch_size`` are emotion-balanced batches.

    Use it as the ``sampler`` of a ``DataLoader`` with the same ``batch_size`` and
    ``drop_last=False``; it always yields a whole number of batches. Lightning calls
    :meth:`set_epoch` at the start of every epoch.

    Parameters
    ----------
    labels : sequence of int
        ``(segments,)`` emotion class of every training segment.
    batch_size : int
        Segments per batch (40 in the paper).
    seed : int
        Base seed; epoch ``e`` uses the generator seeded with ``(seed, e)``.
    num_batches : int, optional
        Batches per epoch over all ranks; default ``ceil(segments / batch_size)`` so that an
        epoch sees about as many segments as the training set holds.
    rank, world_size : int
        Under DDP every rank takes every ``world_size``-th batch of the same global sequence
        (so ranks never share a batch); the global count is cut to a multiple of
        ``world_size`` so that all ranks run the same number of steps.
    """

    def __init__(
        self,
        labels: Sequence[int] | np.ndarray,
        batch_size: int = 40,
        seed: int = 0,
        num_batches: int | None = None,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        self.labels = np.asarray(labels, dtype=np.int64)
        if self.labels.ndim != 1 or self.labels.size == 0:
            raise ValueError("labels must be a non-empty 1-D sequence")
        if batch_size < 1:
            raise ValueError("batch_size must be positive")
        if not 0 <= rank < world_size:
            raise ValueError(f"rank {rank} outside world of size {world_size}")
        self.batch_size = int(batch_size)
        self.seed = int(seed)
        self.rank = int(rank)
        self.world_size = int(world_size)
        self.classes = np.unique(self.labels)
        self.by_class = [np.flatnonzero(self.labels == c) for c in self.classes]
        total = num_batches if num_batches is not None else math.ceil(self.labels.size / self.batch_size)
        self.global_batches = max(self.world_size, (int(total) // self.world_size) * self.world_size)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Select the epoch whose batches the next iteration yields."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return (self.global_batches // self.world_size) * self.batch_size

    def batches(self, epoch: int) -> list[np.ndarray]:
        """All ranks' batches of one epoch, ``global_batches`` arrays of ``batch_size`` indices."""
        rng = np.random.default_rng([self.seed, epoch])
        n_classes = len(self.classes)
        base, extra = divmod(self.batch_size, n_classes)
        pools = [rng.permutation(idx) for idx in self.by_class]
        cursors = [0] * n_classes
        # The classes getting an extra slot rotate through a shuffled class order.
        rotation = rng.permutation(n_classes)
        out = []
        for b in range(self.global_batches):
            start = (b * extra) % n_classes
            extra_classes = {int(rotation[(start + k) % n_classes]) for k in range(extra)}
            batch = []
            for c in range(n_classes):
                take = base + (1 if c in extra_classes else 0)
                for _ in range(take):
                    if cursors[c] == len(pools[c]):
                        pools[c] = rng.permutation(self.by_class[c])
                        cursors[c] = 0
                    batch.append(pools[c][cursors[c]])
                    cursors[c] += 1
            out.append(rng.permutation(np.asarray(batch, dtype=np.int64)))
        return out

    def __iter__(self) -> Iterator[int]:
        # A generator: the epoch is read when iteration starts, after Lightning's set_epoch.
        for batch in self.batches(self.epoch)[self.rank :: self.world_size]:
            yield from (int(i) for i in batch)
