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
the features alone (from already decoded audio), by wall clock and by process CPU time (less
disturbed by other jobs on a shared machine), the ratios ssaser / librosa, and the max
absolute difference of the outputs per channel (static, delta, delta-delta). The pipelines
alternate every ``--chunk`` files so that a drifting machine load falls on both alike.

Usage::

    python benchmarks/features.py --data ../shared/data [--corpus emodb] [--repeats 3] [--threads 1]
        [--decode-threads N]
"""

from __future__ import annotations

import argparse
import os

# Before numpy loads OpenBLAS: its idle worker threads spin after each product (librosa's mel
# matmul) and take the second core from whatever runs next, ssaser's chunk included; librosa
# measured the same speed with one BLAS thread (837 vs 832 audio-s/s).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=os.environ.get("SSASER_DATA"),
                        help="folder holding emodb/ and ravdess/ (default: $SSASER_DATA)")
    parser.add_argument("--corpus", choices=["emodb", "ravdess"], default="emodb")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N files (0: all)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=32, help="files per alternation between the pipelines")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads for ssaser")
    parser.add_argument("--decode-threads", type=int, default=None,
                        help="ssaser's decoding threads (ssaser.audio.load_many; default min(4, cpus))")
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


class Clock:
    """Wall-clock and process CPU time, split into decoding and features."""

    def __init__(self) -> None:
        self.wall = {"load": 0.0, "features": 0.0}
        self.cpu = {"load": 0.0, "features": 0.0}
        self._marks = (0.0, 0.0)

    def start(self) -> None:
        self._marks = (time.perf_counter(), time.process_time())

    def lap(self, part: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.wall[part] += wall - self._marks[0]
        self.cpu[part] += cpu - self._marks[1]
        self._marks = (wall, cpu)


def run_librosa(files: list[Path], clock: Clock) -> list[np.ndarray]:
    import librosa

    clock.start()
    waves = [librosa.load(path, sr=16000)[0] for path in files]
    clock.lap("load")
    feats = [librosa_features(w) for w in waves]
    clock.lap("features")
    return feats


def run_ssaser(files: list[Path], batch_samples: int, clock: Clock,
               decode_threads: int | None = None) -> list[np.ndarray]:
    from ssaser.audio import load_many
    from ssaser.features import compute_features_batch

    clock.start()
    waves = load_many(files, threads=decode_threads)
    clock.lap("load")
    feats = compute_features_batch(waves, batch_samples=batch_samples)
    clock.lap("features")
    return feats


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
          f"decode threads {args.decode_threads or 'default'}, "
          f"batch samples {args.batch_samples}, cpu count {os.cpu_count()}")
    run_librosa(files[:4], Clock()), run_ssaser(files[:4], args.batch_samples, Clock(), args.decode_threads)  # warm-up

    rows = []
    for repeat in range(1, args.repeats + 1):
        lib, ours = Clock(), Clock()
        diff = np.zeros(3)
        # Alternate in small chunks so that the load of this shared machine, which drifts,
        # falls on both pipelines alike.
        for start in range(0, len(files), args.chunk):
            chunk = files[start: start + args.chunk]
            ref = run_librosa(chunk, lib)
            got = run_ssaser(chunk, args.batch_samples, ours, args.decode_threads)
            diff = np.maximum(diff, np.max([np.abs(a - b).max(axis=(1, 2)) for a, b in zip(got, ref)], axis=0))
        row = {"load_share": lib.wall["load"] / (lib.wall["load"] + lib.wall["features"])}
        for kind in ("wall", "cpu"):
            lt, ot = getattr(lib, kind), getattr(ours, kind)
            row[kind] = (seconds / (lt["load"] + lt["features"]), seconds / (ot["load"] + ot["features"]),
                         seconds / lt["features"], seconds / ot["features"])
        rows.append(row)
        for kind, label in (("wall", "wall clock"), ("cpu", "CPU time  ")):
            r = row[kind]
            print(f"repeat {repeat} {label}: end-to-end librosa {r[0]:6.0f}, ssaser {r[1]:6.0f} audio-s/s, "
                  f"ratio {r[1] / r[0]:5.2f}x | features only librosa {r[2]:6.0f}, ssaser {r[3]:6.0f} audio-s/s, "
                  f"ratio {r[3] / r[2]:5.2f}x")
        print(f"repeat {repeat} max abs diff (static, delta, delta-delta): " + ", ".join(f"{d:.1e}" for d in diff))
    share = statistics.median(r["load_share"] for r in rows)
    # Amdahl: decoding + resampling use the same libraries in both pipelines (libsndfile, soxr
    # "HQ"), so a front end of zero cost, decoding on one core, reaches at most 1 / share.
    print(f"librosa spends {share:.0%} of its wall time decoding and resampling: a zero-cost front end "
          f"decoding as fast on one core would be {1 / share:.1f}x at most")
    for kind, label in (("wall", "wall clock"), ("cpu", "CPU time")):
        med = [statistics.median(r[kind][i] for r in rows) for i in range(4)]
        ratios_e = [r[kind][1] / r[kind][0] for r in rows]
        ratios_f = [r[kind][3] / r[kind][2] for r in rows]
        print(f"median ({label}): end-to-end {med[1]:.0f} vs {med[0]:.0f} audio-s/s, ratio "
              f"{statistics.median(ratios_e):.2f}x; features only {med[3]:.0f} vs {med[2]:.0f} audio-s/s, "
              f"ratio {statistics.median(ratios_f):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
