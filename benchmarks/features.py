"""Throughput of ssaser's 3-D log-Mel front end vs a straightforward librosa pipeline.

Both pipelines run in the same process on the same files, in alternating repeats:

- librosa, per file: ``librosa.load(sr=16000)``, ``librosa.feature.melspectrogram`` (periodic
  Hamming, n_fft 512, win 400, hop 160, ``center=False``, power 2, 40 Slaney mels), ``log(S + 1e-6)``,
  ``librosa.feature.delta(width=5, mode="nearest")`` for the delta and again on it for the
  delta-delta. Two alignment details make its numbers comparable with ours and cost nothing:
  the signal is clipped to [-1, 1] like ``load_audio`` and padded by 56 samples per side so that
  librosa's 512-sample frames hold the same 400-sample windows as ours.
- ssaser: ``ssaser.audio.load_audio`` per file, then ``compute_features_batch`` (torch, batched).

Printed, per repeat: audio-seconds per second end to end (decode + resample + features) and for
the features alone (from already decoded audio), the ratios ssaser / librosa, and the max
absolute difference of the outputs per channel (static, delta, delta-delta).

Usage::

    python benchmarks/features.py --data ../shared/data [--corpus emodb] [--repeats 3] [--threads 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=os.environ.get("SSASER_DATA"),
                        help="folder holding emodb/ and ravdess/ (default: $SSASER_DATA)")
    parser.add_argument("--corpus", choices=["emodb", "ravdess"], default="emodb")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N files (0: all)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads for ssaser")
    parser.add_argument("--batch-samples", type=int, default=160_000,
                        help="padded samples per torch call in ssaser (compute_features_batch)")
    return parser.parse_args(argv)


def corpus_files(data: Path, corpus: str) -> list[Path]:
    pattern = {"emodb": "emodb/wav/*.wav", "ravdess": "ravdess/Actor_*/*.flac"}[corpus]
    return sorted(data.glob(pattern))


def librosa_features(wave: np.ndarray, sr: int = 16000) -> np.ndarray:
    """The straightforward librosa pipeline from decoded audio -> ``(3, frames, 40)``."""
    import librosa

    wave = np.pad(np.clip(wave, -1.0, 1.0), (56, 56))
    mel = librosa.feature.melspectrogram(
        y=wave, sr=sr, n_fft=512, win_length=400, hop_length=160, window="hamming",
        center=False, power=2.0, n_mels=40,
    )
    static = np.log(mel + 1e-6)
    delta = librosa.feature.delta(static, width=5, mode="nearest")
    delta2 = librosa.feature.delta(delta, width=5, mode="nearest")
    return np.stack([static, delta, delta2]).transpose(0, 2, 1)


def run_librosa(files: list[Path]) -> tuple[list[np.ndarray], float, float]:
    import librosa

    start = time.perf_counter()
    waves = [librosa.load(path, sr=16000)[0] for path in files]
    loaded = time.perf_counter()
    feats = [librosa_features(w) for w in waves]
    done = time.perf_counter()
    return feats, done - start, done - loaded


def run_ssaser(files: list[Path], batch_samples: int) -> tuple[list[np.ndarray], float, float]:
    from ssaser.audio import load_audio
    from ssaser.features import compute_features_batch

    start = time.perf_counter()
    waves = [load_audio(path) for path in files]
    loaded = time.perf_counter()
    feats = compute_features_batch(waves, batch_samples=batch_samples)
    done = time.perf_counter()
    return feats, done - start, done - loaded


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.data is None or not Path(args.data).is_dir():
        print("error: give --data FOLDER or set SSASER_DATA (the folder holding emodb/ and ravdess/)", file=sys.stderr)
        return 2
    import soundfile as sf
    import torch

    torch.set_num_threads(args.threads)
    files = corpus_files(Path(args.data), args.corpus)
    if args.limit:
        files = files[: args.limit]
    if not files:
        print(f"error: no {args.corpus} files under {args.data}", file=sys.stderr)
        return 2
    seconds = sum(sf.info(str(p)).duration for p in files)
    print(f"{len(files)} {args.corpus} files, {seconds:.1f} s of audio; torch threads {args.threads}, "
          f"batch samples {args.batch_samples}, cpu count {os.cpu_count()}")
    run_librosa(files[:4]), run_ssaser(files[:4], args.batch_samples)  # warm-up: imports, caches

    rows = []
    for repeat in range(1, args.repeats + 1):
        ref, lib_total, lib_feat = run_librosa(files)
        ours, our_total, our_feat = run_ssaser(files, args.batch_samples)
        diff = np.max([np.abs(a - b).max(axis=(1, 2)) for a, b in zip(ours, ref)], axis=0)
        row = (seconds / lib_total, seconds / our_total, seconds / lib_feat, seconds / our_feat)
        rows.append(row)
        print(f"repeat {repeat}: end-to-end librosa {row[0]:8.0f} audio-s/s, ssaser {row[1]:8.0f} audio-s/s, "
              f"ratio {row[1] / row[0]:5.2f}x | features only librosa {row[2]:8.0f}, ssaser {row[3]:8.0f}, "
              f"ratio {row[3] / row[2]:5.2f}x | max abs diff (static, delta, delta2) "
              + ", ".join(f"{d:.1e}" for d in diff))
    med = [statistics.median(col) for col in zip(*rows)]
    print(f"median: end-to-end ratio {med[1] / med[0]:.2f}x ({med[1]:.0f} vs {med[0]:.0f} audio-s/s), "
          f"features-only ratio {med[3] / med[2]:.2f}x ({med[3]:.0f} vs {med[2]:.0f} audio-s/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
