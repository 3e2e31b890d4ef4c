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
import json
import tempfile
from pathlib import Path

import numpy as np
import torch

from ssaser.evaluation.metrics import classification_metrics, paired_difference
from ssaser.training.cv import CvPlan, CvRun, _prepare
from ssaser.training.fit import predict_segments
from ssaser.training.fold_task import FoldTask, task_sets
from ssaser.training.module import module_from_spec


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
    cfg = json.loads((args.run / "cv_config.json").read_text())
    models = args.models or list(cfg["configs"])
    plan = CvPlan(cfg["manifest"], models, cfg["protocol"], cfg["folds"], cfg["test_fraction"], cfg["split_seed"],
                  overrides={k: v for k, v in cfg["configs"][models[0]].items() if k not in ("model",)},
                  folds_from=cfg.get("folds_from", {}).get("source"), val_by_speaker=cfg.get("val_by_speaker", False))
    with tempfile.TemporaryDirectory() as scratch:  # _prepare records the plan in its folder
        exp = _prepare(plan, CvRun(), Path(scratch), None)
    n_emo = len(exp.corpus.emotions)
    table: dict[tuple[str, str, str], list[float]] = {}
    for model in models:
        config = exp.configs[model]
        spec = config.model_spec()
        seg_frames = spec.model_config.segment_frames
        for k, fold in enumerate(exp.folds):
            ckpts = sorted((args.run / model / f"fold_{k}" / "checkpoints").glob("best-*.ckpt"))
            if not ckpts:
                continue
            sets = task_sets(exp.corpus, FoldTask(k, fold, model, config, args.run, exp.reported))
            module = module_from_spec(spec, n_emo, len(sets.speakers))
            module.load_state_dict(torch.load(ckpts[-1], map_location="cpu", weights_only=True)["state_dict"])
            for part in ("val", "test"):
                data = getattr(sets, part)
                if data is None:
                    continue
                rows = sets.rows[part]
                lengths = np.array([exp.corpus.features[i].shape[1] for i in rows])
                if args.last == "align_end":
                    spk = exp.corpus.df["speaker"].astype(str).to_numpy()
                    data.segments = align_last(data, lengths, lambda u: sets.normalizer.transform(
                        exp.corpus.features[rows[u]], spk[rows[u]]), seg_frames)
                out = predict_segments(module.system, data)
                utt = data.utterance.numpy()
                frames = audio_frames(lengths, utt, seg_frames)
                for how in POOLINGS:
                    pred = pool(out["probs"], utt, data.n_utterances, how, frames).argmax(1)
                    uar = classification_metrics(data.utterance_emotion, pred, n_emo)["uar"]
                    table.setdefault((model, part, how), []).append(100 * uar)
            print(f"{model} fold {k + 1}: " + ", ".join(
                f"{p} {h} {table[(model, p, h)][-1]:.1f}" for p in ("val", "test") for h in POOLINGS), flush=True)
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
