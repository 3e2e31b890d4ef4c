"""One fold's normalised segments: the normaliser fitted on its training rows only.

:func:`build_fold_sets` fits the fold's :class:`~ssaser.features.SpeakerNormalizer` on its
training rows, normalises unseen speakers as ``unseen_speaker_norm`` says, and cuts the
segments of every part (speed-perturbed copies of the training part included).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from ssaser.features import SpeakerNormalizer
from ssaser.training.config import TrainConfig
from ssaser.training.corpus_data import CorpusData
from ssaser.training.data import SegmentSet, build_segment_set, concat_segment_sets


@dataclass
class FoldSets:
    """Segments of one fold, the normaliser fitted on its training rows and its speakers."""

    train: SegmentSet
    val: SegmentSet | None
    test: SegmentSet | None
    normalizer: SpeakerNormalizer
    speakers: list[str]
    rows: dict[str, list[int]] = field(default_factory=dict)


def fold_set_options(config: TrainConfig) -> dict[str, Any]:
    """The settings of ``config`` that :func:`build_fold_sets` reads, as its keyword arguments.

    One list for every caller, and hashable values (``speed_perturb`` as a tuple), so that
    ``tuple(options.items())`` keys a fold's segments shared between systems.
    """
    return {"segment_hop": config.segment_hop, "unseen_speaker_norm": config.unseen_speaker_norm,
            "speed_perturb": tuple(config.speed_perturb), "training_norm": config.training_norm,
            "min_train_segment_frames": config.min_train_segment_frames}


def build_fold_sets(
    corpus: CorpusData,
    train_rows: Sequence[int],
    val_rows: Sequence[int] | None,
    test_rows: Sequence[int] | None = None,
    segment_hop: int | None = None,
    unseen_speaker_norm: str = "global",
    speed_perturb: Sequence[float] = (),
    training_norm: str = "speaker",
    min_train_segment_frames: int = 0,
) -> FoldSets:
    """Normalise with training-only statistics and segment a fold's three parts.

    Parameters
    ----------
    corpus : CorpusData
    train_rows, val_rows, test_rows : sequence of int
        Row positions in ``corpus.df`` (val/test may be None or empty).
    segment_hop : int, optional
        Frames between segment starts (None: no overlap).
    unseen_speaker_norm : {"global", "self"}
        A validation or test speaker absent from training: the training part's pooled statistics,
        or (``self``) statistics fitted on that speaker's rows of that part only (transductive).
        The returned ``normalizer`` (the model's) holds training speakers only, either way.
    speed_perturb : sequence of float
        Extra speed factors (e.g. ``(0.9, 1.1)``): the training part also gets those copies of
        its utterances, same labels and speakers, normalised with the statistics of the
        unperturbed audio; an epoch still counts the unperturbed part's segments, so it draws
        from the enlarged pool at the same cost. Validation and test stay unperturbed.
    training_norm : {"speaker", "global"}
        ``global``: the normaliser keeps the pooled statistics only, so every speaker of every
        part, training ones included, is normalised with them (``TrainConfig.training_norm``).
    min_train_segment_frames : int
        Training segments after an utterance's first with fewer frames of audio than this are left
        out (``TrainConfig.min_train_segment_frames``); validation and test keep every segment.
    """
    speakers_col = corpus.df["speaker"].astype(str).to_numpy()
    train_rows = list(train_rows)
    normalizer = SpeakerNormalizer().fit([corpus.features[i] for i in train_rows], speakers_col[train_rows])
    if training_norm == "global":
        normalizer.speakers, normalizer.frames = {}, {}
    speakers = sorted(set(speakers_col[train_rows]))
    rows = {"train": train_rows, "val": list(val_rows or []), "test": list(test_rows or [])}
    train = build_part(corpus, normalizer, speakers, train_rows, segment_hop,
                       min_audio_frames=min_train_segment_frames)
    if speed_perturb:
        copies = [train]
        for factor in speed_perturb:
            copies.append(build_part(corpus, normalizer, speakers, train_rows, segment_hop,
                                     features=corpus.speed_features(factor, train_rows),
                                     min_audio_frames=min_train_segment_frames))
        train = concat_segment_sets(copies, epoch_segments=len(train))
    val, test = (build_part(corpus, normalizer, speakers, part, segment_hop, unseen_speaker_norm)
                 for part in (val_rows, test_rows))
    return FoldSets(train, val, test, normalizer, speakers, rows)


def unseen_speakers(corpus: CorpusData, rows: Sequence[int], speakers: Sequence[str]) -> list[str]:
    """Speakers of ``rows`` that are not among the training ``speakers``, sorted."""
    known = set(speakers)
    return sorted({s for s in corpus.df["speaker"].astype(str).to_numpy()[list(rows)] if s not in known})


def build_part(
    corpus: CorpusData,
    normalizer: SpeakerNormalizer,
    speakers: Sequence[str],
    rows: Sequence[int] | None,
    segment_hop: int | None = None,
    unseen_speaker_norm: str = "global",
    features: Sequence[np.ndarray] | None = None,
    min_audio_frames: int = 0,
) -> SegmentSet | None:
    """The segments of one part (``rows``) of a fold, normalised; None for no rows.

    ``normalizer`` holds the training speakers (``speakers``, in class order); a speaker absent
    from it gets the global statistics, or with ``unseen_speaker_norm="self"`` statistics fitted
    on that speaker's own rows of this part only (transductive). ``features``: the rows' own
    features by default, or others of the same rows (e.g. speed-perturbed copies).
    ``min_audio_frames``: see :func:`~ssaser.training.data.build_segment_set`.
    """
    if rows is None or len(rows) == 0:
        return None
    rows = list(rows)
    speakers_col = corpus.df["speaker"].astype(str).to_numpy()
    index = {s: k for k, s in enumerate(speakers)}
    part_normalizer = normalizer
    if unseen_speaker_norm == "self":
        unseen = [i for i in rows if speakers_col[i] not in index]
        if unseen:
            own = SpeakerNormalizer(normalizer.std_floor).fit([corpus.features[i] for i in unseen],
                                                              speakers_col[unseen])
            part_normalizer = copy.copy(normalizer)
            part_normalizer.speakers = {**own.speakers, **normalizer.speakers}
    if features is None:
        features = [corpus.features[i] for i in rows]
    return build_segment_set(features, speakers_col[rows], corpus.labels[rows],
                             part_normalizer, index, corpus.feature_config.segment_frames, segment_hop,
                             min_audio_frames)
