"""Rescore a finished ``ssaser cv`` run's selected models with other utterance poolings (issue #16).

Nothing is retrained: each fold's best checkpoint is loaded, its validation and test parts are
rebuilt exactly as the run built them (same folds, same normalisation), and the per-segment
posteriors are pooled into utterance decisions in several ways. Prints, per pooling, the mean UAR
over the folds on validation (what selection may look at) and test, and the paired difference
to the paper's mean pooling.

    python benchmarks/rescore_pooling.py RUN_DIR [--models ssa-crnn-r acrnn-r] [--last align_end]

``--last align_end`` also scores with each utterance's last segment taken as the last
``segment_frames`` frames of the utterance (overlapping the one before) instead of zero-padded.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from _cv_run import selected_folds

from ssaser.evaluation.metrics import classification_metrics, paired_difference
from ssaser.training.fit import predict_segments


def audio_frames(lengths: np.ndarray, utterance: np.ndarray, segment_frames: int) -> np.ndarray:
    """Frames of audio (not padding) in each segment, from its utterance's length and position."""
    position = np.zeros_like(utterance)
    for k in range(1, utterance.size):
        position[k] = position[k - 1] + 1 if utterance[k] == utterance[k - 1] else 0
    return np.clip(lengths[utterance] - position * segment_frames, 1, segment_frames)


def pool(probs: np.ndarray, utterance: np.ndarray, n: int, how: str, frames: np.ndarray) -> np.ndarray:
    """``(n, classes)`` utterance scores from ``(segments, classes)`` posteriors."""
    if how == "first":
        first = np.r_[True, utterance[1:] != utterance[:-1]]
        out = np.zeros((n, probs.shape[1]))
        out[utterance[first]] = probs[first]
        return out
    values = np.log(np.clip(probs, 1e-8, 1)) if how == "log_mean" else probs
    weights = frames.astype(float) if how == "audio_weighted" else np.ones(len(probs))
    sums = np.zeros((n, probs.shape[1]))
    np.add.at(sums, utterance, values * weights[:, None])
    return sums


POOLINGS = ("mean", "audio_weighted", "first", "log_mean")


def align_last(data, lengths: np.ndarray, normalise, segment_frames: int) -> torch.Tensor:
    """Replace each multi-segment utterance's last (padded) segment by its last full window."""
    segments = data.segments.clone()
    utt = data.utterance.numpy()
    last = np.r_[utt[1:] != utt[:-1], True]
    first = np.r_[True, utt[1:] != utt[:-1]]
    for k in np.flatnonzero(last & ~first):
        u = utt[k]
        if lengths[u] > segment_frames:
            segments[k] = torch.from_numpy(np.ascontiguousarray(normalise(u)[:, -segment_frames:], dtype=np.float32))
    return segments


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--models", nargs="+", default=None)
    parser.add_argument("--last", choices=["pad", "align_end"], default="pad")
    args = parser.parse_args()
    table: dict[tuple[str, str, str], list[float]] = {}
    for sel in selected_folds(args.run, args.models):
        corpus, sets = sel.corpus, sel.sets
        n_emo = len(corpus.emotions)
        speakers = corpus.df["speaker"].astype(str).to_numpy()
        for part in ("val", "test"):
            data = getattr(sets, part)
            if data is None:
                continue
            rows = sets.rows[part]
            lengths = np.array([corpus.features[i].shape[1] for i in rows])
            if args.last == "align_end":
                data.segments = align_last(data, lengths, lambda u: sets.normalizer.transform(
                    corpus.features[rows[u]], speakers[rows[u]]), sel.segment_frames)
            out = predict_segments(sel.module.system, data)
            utt = data.utterance.numpy()
            frames = audio_frames(lengths, utt, sel.segment_frames)
            for how in POOLINGS:
                pred = pool(out["probs"], utt, data.n_utterances, how, frames).argmax(1)
                uar = classification_metrics(data.utterance_emotion, pred, n_emo)["uar"]
                table.setdefault((sel.model, part, how), []).append(100 * uar)
        print(f"{sel.model} fold {sel.fold + 1}: " + ", ".join(
            f"{p} {h} {table[(sel.model, p, h)][-1]:.1f}" for p in ("val", "test") for h in POOLINGS), flush=True)
    print(f"\n{args.run} (last segment: {args.last})")
    print("| system | part | pooling | mean UAR % | minus mean pooling, paired [95% CI] |")
    print("|---|---|---|---|---|")
    for (model, part, how), values in table.items():
        base = table[(model, part, "mean")]
        diff = paired_difference(base, values) if how != "mean" else None
        text = (f"{diff['mean']:+.2f} [{diff['mean'] - diff['ci95']:+.2f}, {diff['mean'] + diff['ci95']:+.2f}], "
                f"{diff['better']} / {diff['worse']}" if diff else "")
        print(f"| {model} | {part} | {how} | {np.mean(values):.2f} | {text} |")


if __name__ == "__main__":
    main()
