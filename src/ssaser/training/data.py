"""The segments of one fold, in memory, and the Lightning DataModule that serves them.

Features come from the :class:`~ssaser.features.FeatureCache` (computed once per file and
reused by every fold and system); each fold fits its own :class:`SpeakerNormalizer` on its
training utterances only, normalises every utterance (speakers absent from the training part
get the global statistics), then cuts 3 s segments (normalise first, then zero-pad).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import lightning as L
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from ssaser.training.sampler import BalancedBatchSampler


@dataclass
class SegmentSet(Dataset):
    """Normalised segments of a list of utterances, with their labels.

    Attributes
    ----------
    segments : torch.Tensor
        ``(segments, 3, segment_frames, n_mels)`` float32.
    emotion : torch.Tensor
        ``(segments,)`` int64 emotion index of each segment's utterance.
    speaker : torch.Tensor
        ``(segments,)`` int64 training-speaker index; -1 for a speaker the model never saw.
    utterance : torch.Tensor
        ``(segments,)`` int64 row of the segment's utterance in this set, ``[0, n_utterances)``.
    utterance_emotion : np.ndarray
        ``(n_utterances,)`` emotion index of each utterance.
    epoch_segments : int, optional
        Segments a training epoch counts (its batches: ``ceil(epoch_segments / batch_size)``);
        None: all of them. Set for augmented copies, which enlarge the pool, not the epoch.
    """

    segments: torch.Tensor
    emotion: torch.Tensor
    speaker: torch.Tensor
    utterance: torch.Tensor
    utterance_emotion: np.ndarray
    epoch_segments: int | None = None

    @property
    def n_utterances(self) -> int:
        return int(self.utterance_emotion.size)

    def __len__(self) -> int:
        return int(self.segments.shape[0])

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        return self.segments[i], self.emotion[i], self.speaker[i], self.utterance[i]


def build_segment_set(
    features: Sequence[np.ndarray],
    speakers: Sequence[str],
    emotions: Sequence[int],
    normalizer,
    speaker_index: dict[str, int],
    segment_frames: int,
    hop_frames: int | None = None,
    min_audio_frames: int = 0,
) -> SegmentSet:
    """Normalise and segment utterances.

    Parameters
    ----------
    features : sequence of np.ndarray
        ``(3, frames, n_mels)`` unnormalised features of each utterance.
    speakers : sequence of str
        Speaker of each utterance (its normalisation statistics; global ones if unknown).
    emotions : sequence of int
        Emotion index of each utterance.
    normalizer : SpeakerNormalizer
        Fitted on the fold's training part (plus, for ``unseen_speaker_norm="self"``, the scored
        part's own unseen speakers).
    speaker_index : dict
        Training speaker -> class index of the speaker branch.
    segment_frames, hop_frames : int
        Segment length and hop in frames (hop None = no overlap).
    min_audio_frames : int
        A segment after an utterance's first that holds fewer frames of audio than this (the rest
        is zero padding) is left out; 0 keeps every segment.
    """
    from ssaser.features import segment_features

    parts, emo, spk, utt = [], [], [], []
    for row, (feats, speaker, emotion) in enumerate(zip(features, speakers, emotions)):
        # A speaker the normaliser does not know gets its global statistics.
        norm = normalizer.transform(feats, speaker)
        segs = segment_features(np.asarray(norm, dtype=np.float32), segment_frames, hop_frames)
        if min_audio_frames > 0:
            starts = np.arange(segs.shape[0]) * (hop_frames or segment_frames)
            audio = np.minimum(segment_frames, feats.shape[1] - starts)
            segs = segs[(starts == 0) | (audio >= min_audio_frames)]
        parts.append(segs)
        n = segs.shape[0]
        emo.append(np.full(n, emotion))
        spk.append(np.full(n, speaker_index.get(speaker, -1)))
        utt.append(np.full(n, row))
    return SegmentSet(
        segments=torch.from_numpy(np.concatenate(parts)),
        emotion=torch.from_numpy(np.concatenate(emo).astype(np.int64)),
        speaker=torch.from_numpy(np.concatenate(spk).astype(np.int64)),
        utterance=torch.from_numpy(np.concatenate(utt).astype(np.int64)),
        utterance_emotion=np.asarray(emotions, dtype=np.int64),
    )


def concat_segment_sets(sets: Sequence[SegmentSet], epoch_segments: int | None = None) -> SegmentSet:
    """One training set from several (e.g. speed-perturbed copies); utterance rows are renumbered
    so that they stay distinct."""
    offsets = np.cumsum([0] + [s.n_utterances for s in sets[:-1]])
    return SegmentSet(
        segments=torch.cat([s.segments for s in sets]),
        emotion=torch.cat([s.emotion for s in sets]),
        speaker=torch.cat([s.speaker for s in sets]),
        utterance=torch.cat([s.utterance + int(o) for s, o in zip(sets, offsets)]),
        utterance_emotion=np.concatenate([s.utterance_emotion for s in sets]),
        epoch_segments=epoch_segments,
    )


class SegmentDataModule(L.LightningDataModule):
    """Balanced training batches and in-order evaluation batches of a fold.

    Under DDP every rank draws its own batches from the same seeded global sequence (see
    :class:`BalancedBatchSampler`); evaluation is not sharded: every rank scores the whole
    validation set, so the utterance-level UAR needs no gathering. Use it with the Trainer's
    ``use_distributed_sampler=False``.
    """

    def __init__(
        self,
        train: SegmentSet,
        val: SegmentSet | None,
        batch_size: int = 40,
        seed: int = 0,
        batches_per_epoch: int | None = None,
        num_workers: int = 0,
        eval_batch_size: int = 64,
    ) -> None:
        super().__init__()
        self.train_set, self.val_set = train, val
        self.batch_size, self.seed = batch_size, seed
        self.batches_per_epoch, self.num_workers = batches_per_epoch, num_workers
        self.eval_batch_size = eval_batch_size

    def train_dataloader(self) -> DataLoader:
        trainer = self.trainer
        rank, world = (trainer.global_rank, trainer.world_size) if trainer is not None else (0, 1)
        batches = self.batches_per_epoch
        if batches is None and self.train_set.epoch_segments:  # augmented copies: the pool grows, not the epoch
            batches = -(-self.train_set.epoch_segments // self.batch_size)
        sampler = BalancedBatchSampler(
            self.train_set.emotion.numpy(), self.batch_size, self.seed, batches, rank, world
        )
        return DataLoader(self.train_set, batch_size=self.batch_size, sampler=sampler,
                          num_workers=self.num_workers, drop_last=False)

    def val_dataloader(self) -> DataLoader:
        if self.val_set is None:
            return []  # type: ignore[return-value]
        return eval_loader(self.val_set, self.eval_batch_size, self.num_workers)


def eval_loader(data: SegmentSet, batch_size: int = 64, num_workers: int = 0) -> DataLoader:
    """In-order batches of a set (validation, test, final scoring)."""
    return DataLoader(data, batch_size=batch_size, shuffle=False, num_workers=num_workers)
