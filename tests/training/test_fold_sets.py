"""A fold's normalisation statistics come from its training rows only; segments keep their labels."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ssaser.features import FeatureConfig
from ssaser.training.corpus_data import CorpusData
from ssaser.training.fold_sets import build_fold_sets


def _corpus():
    rng = np.random.default_rng(0)
    rows, feats = [], []
    for i in range(12):
        speaker = "s1" if i % 2 else "s2"
        frames = 200 if i < 10 else 450  # the last two need two segments each
        feats.append(rng.normal(loc=i, scale=1.0, size=(3, frames, 40)).astype(np.float32))
        rows.append({"file": f"f{i}.wav", "speaker": speaker, "emotion": ["a", "b", "c"][i % 3]})
    return CorpusData(pd.DataFrame(rows), feats, ["a", "b", "c"], FeatureConfig())


def test_statistics_fitted_on_training_rows_only():
    corpus = _corpus()
    train, val = [0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]
    sets = build_fold_sets(corpus, train, val)
    s2_train = np.concatenate([corpus.features[i] for i in train if i % 2 == 0], axis=1)
    mean, _ = sets.normalizer.stats_for("s2")
    np.testing.assert_allclose(mean, s2_train.mean(axis=1), atol=1e-5)
    # Validation features have larger means (loc = row index): they were not in the fit.
    assert sets.val.segments.mean() > 1.0
    assert sets.speakers == ["s1", "s2"]


def test_segments_carry_utterance_labels_and_unknown_speakers():
    corpus = _corpus()
    sets = build_fold_sets(corpus, [0, 2, 4, 6, 8, 10], [1, 11], [3])
    assert sets.speakers == ["s2"]
    assert len(sets.train) == 5 + 2  # row 10 has 450 frames -> two segments
    assert sets.train.segments.shape[1:] == (3, 300, 40)
    assert sets.val.utterance.tolist() == [0, 1, 1]
    assert sets.val.speaker.tolist() == [-1, -1, -1]  # s1 is not a training speaker
    assert sets.val.utterance_emotion.tolist() == [1, 2]  # rows 1 and 11: b, c
    assert sets.test.n_utterances == 1


def test_self_normalisation_of_unseen_speakers_uses_their_rows_of_that_part_only():
    """Train on s2; s1 is unseen. With ``self``, each scored part normalises s1 with s1's rows of that
    part (and of no other part), and the model's normaliser still holds training speakers only."""
    corpus = _corpus()
    train, val, test = [0, 2, 4, 6], [1, 3, 8], [5, 7, 9]
    sets = build_fold_sets(corpus, train, val, test, unseen_speaker_norm="self")
    assert list(sets.normalizer.speakers) == ["s2"]
    for part, rows in (("val", val), ("test", test)):
        s1 = [i for i in rows if i % 2]
        own = np.concatenate([corpus.features[i] for i in s1], axis=1)
        mean, std = own.mean(axis=1), np.maximum(own.std(axis=1), sets.normalizer.std_floor)
        data = getattr(sets, part)
        first = rows.index(s1[0])  # segment of that utterance (each row here is one segment)
        expected = (corpus.features[s1[0]] - mean[:, None, :]) / std[:, None, :]
        np.testing.assert_allclose(data.segments[first, :, :200].numpy(), expected, atol=1e-4)
    # global: the same utterance normalised with the training part's pooled statistics
    plain = build_fold_sets(corpus, train, val, test)
    g_mean, g_std = plain.normalizer.stats_for(None)
    expected = (corpus.features[1] - g_mean[:, None, :]) / g_std[:, None, :]
    np.testing.assert_allclose(plain.val.segments[0, :, :200].numpy(), expected, atol=1e-4)
    # s2, a training speaker, keeps its training statistics under either option
    np.testing.assert_allclose(sets.val.segments[2].numpy(), plain.val.segments[2].numpy())


def test_speed_perturbed_copies_join_training_only_with_unperturbed_statistics(tmp_path):
    corpus = _corpus()
    calls = []

    def speed_features(factor, rows):  # stands for the cache: row features, shifted per factor
        calls.append((factor, list(rows)))
        return [corpus.features[i][:, : int(corpus.features[i].shape[1] / factor)] + factor for i in rows]

    corpus.speed_features = speed_features
    train, val, test = [0, 1, 2, 3, 4, 5, 10], [6, 7], [8, 11]
    plain = build_fold_sets(corpus, train, val, test)
    sets = build_fold_sets(corpus, train, val, test, speed_perturb=(0.9, 1.1))
    assert calls == [(0.9, train), (1.1, train)]  # training rows only
    n = len(plain.train)
    assert len(sets.train) == 3 * 8 and sets.train.epoch_segments == n == 8  # row 10: two segments each
    assert sets.train.n_utterances == 3 * len(train) and len(set(sets.train.utterance.tolist())) == 3 * len(train)
    assert sets.train.emotion.tolist() == plain.train.emotion.tolist() * 3
    assert sets.train.speaker.tolist() == plain.train.speaker.tolist() * 3
    assert np.array_equal(sets.train.segments[:n], plain.train.segments)
    # The copies are normalised with the statistics of the unperturbed training audio.
    for speaker in ("s1", "s2"):
        np.testing.assert_array_equal(sets.normalizer.stats_for(speaker)[0], plain.normalizer.stats_for(speaker)[0])
    expected = sets.normalizer.transform(speed_features(1.1, [0])[0], "s2")[:, :300]
    got = sets.train.segments[2 * n, :, : expected.shape[1]].numpy()
    np.testing.assert_allclose(got, expected, atol=1e-6)
    for part in ("val", "test"):
        assert np.array_equal(getattr(sets, part).segments, getattr(plain, part).segments)


def test_global_training_norm_gives_every_speaker_the_pooled_training_statistics():
    corpus = _corpus()
    train, val = [0, 1, 2, 3, 4, 5], [6, 7]
    sets = build_fold_sets(corpus, train, val, training_norm="global")
    pooled = np.concatenate([corpus.features[i] for i in train], axis=1)
    mean, std = pooled.mean(axis=1), pooled.std(axis=1)
    assert sets.normalizer.speakers == {}  # the model stores no per-speaker statistics
    for part, row, k in (("train", 0, 0), ("train", 1, 1), ("val", 6, 0)):
        expected = (corpus.features[row] - mean[:, None, :]) / std[:, None, :]
        np.testing.assert_allclose(getattr(sets, part).segments[k, :, :200].numpy(), expected, atol=1e-4)
    assert sets.speakers == ["s1", "s2"]  # speaker labels still train the speaker branch


def test_short_trailing_training_segments_are_left_out_and_scored_parts_keep_all():
    corpus = _corpus()
    corpus.features[11] = corpus.features[11][:, :380]  # second segment: 80 frames of audio
    train, val = [0, 2, 4, 6, 8, 10, 11], [1, 3, 10, 11]  # row 10: 450 frames, second segment 150
    plain = build_fold_sets(corpus, train, val)
    sets = build_fold_sets(corpus, train, val, min_train_segment_frames=100)
    assert len(plain.train) == 5 + 2 + 2
    assert len(sets.train) == 5 + 2 + 1  # row 11's 80-frame segment left out, row 10's 150 kept
    assert sets.train.utterance.tolist() == [0, 1, 2, 3, 4, 5, 5, 6]
    np.testing.assert_array_equal(sets.train.segments[:7], plain.train.segments[:7])
    assert np.array_equal(sets.val.segments, plain.val.segments) and len(sets.val) == 2 + 2 + 2
    # An utterance keeps its first segment whatever it holds.
    alone = build_fold_sets(corpus, train, val, min_train_segment_frames=10_000)
    assert alone.train.utterance.tolist() == list(range(7))
