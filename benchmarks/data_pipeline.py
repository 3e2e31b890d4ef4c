"""Overhead of the training pipeline: a Lightning epoch vs the sum of its pure model steps.

An epoch of :func:`ssaser.training.fit.fit_system` (balanced sampler, DataLoader, Lightning
loop, logging, atomic checkpoints) on in-memory segments, the form cached features take in
training, is timed between consecutive ``on_train_epoch_start`` hooks (so it includes the
epoch-end work: checkpoint writing, loggers). The same number of bare training steps
(forward, joint loss, backward, NAdam; no DataLoader, no Lightning) on one fixed batch gives
the pure cost. Overhead = epoch / pure - 1, fastest against fastest (other processes only
slow a run down) and median against median. Pure epochs run before and after the Lightning run;
the first Lightning epoch (setup, first checkpoint) is left out. Wall and CPU time (this
process's) are both given: CPU time is not inflated by other processes on a shared machine.

Usage::

    python benchmarks/data_pipeline.py                       # ssa-crnn-r lite fp32, 20 batches/epoch
    python benchmarks/data_pipeline.py --bf16 --batches 30 --epochs 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import malloc_label, run_as_training_does, set_threads  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from train_throughput import make_step  # noqa: E402

from ssaser.training.config import TrainConfig  # noqa: E402
from ssaser.training.data import SegmentSet  # noqa: E402
from ssaser.training.fit import TrainerOptions, fit_system  # noqa: E402
from ssaser.training.module import SerLightningModule  # noqa: E402


def random_segments(n: int, n_emotions: int, n_speakers: int, frames: int, mels: int) -> SegmentSet:
    """``n`` random normalised segments with labels, as ``build_segment_set`` returns them."""
    gen = torch.Generator().manual_seed(0)
    emotion = torch.arange(n) % n_emotions
    return SegmentSet(segments=torch.randn(n, 3, frames, mels, generator=gen), emotion=emotion,
                      speaker=torch.arange(n) % n_speakers, utterance=torch.arange(n),
                      utterance_emotion=emotion.numpy().astype(np.int64))


def _now() -> tuple[float, float]:
    """(wall, CPU) seconds: this process's CPU time does not count the time other processes
    hold the cores, so it shows the overhead on a shared machine where wall time cannot."""
    return time.perf_counter(), time.process_time()


def _spans(marks: list[tuple[float, float]]) -> list[tuple[float, float]]:
    return [(b[0] - a[0], b[1] - a[1]) for a, b in zip(marks, marks[1:])]


def lightning_epochs(config: TrainConfig, data: SegmentSet, n_emotions: int,
                     n_speakers: int) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of each epoch of ``fit_system`` (start to start; the last ends at fit's return)."""
    starts: list[tuple[float, float]] = []
    original = SerLightningModule.on_train_epoch_start

    def timed(self) -> None:
        starts.append(_now())
        original(self)

    SerLightningModule.on_train_epoch_start = timed
    try:
        with tempfile.TemporaryDirectory() as tmp:
            fit_system(config, data, None, n_emotions, n_speakers, tmp,
                       TrainerOptions(accelerator="cpu", devices=1, progress=False))
            starts.append(_now())
    finally:
        SerLightningModule.on_train_epoch_start = original
    return _spans(starts)


def pure_epoch(step, batches: int) -> tuple[float, float]:
    """(wall, CPU) seconds of ``batches`` bare steps."""
    start = _now()
    for _ in range(batches):
        step()
    return _spans([start, _now()])[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--system", default="ssa-crnn-r")
    parser.add_argument("--preset", default="lite")
    parser.add_argument("--bf16", action="store_true", help="bf16 autocast in both")
    parser.add_argument("--batches", type=int, default=20, help="batches per epoch")
    parser.add_argument("--epochs", type=int, default=4, help="Lightning epochs (the first is left out)")
    parser.add_argument("--pure-repeats", type=int, default=2, help="pure epochs before and after")
    parser.add_argument("--batch", type=int, default=40)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--n-emotions", type=int, default=4)
    parser.add_argument("--n-speakers", type=int, default=10)
    parser.add_argument("--system-malloc", action="store_true",
                        help="glibc's malloc defaults (default: restart with ssaser.runtime's tunables, as training)")
    args = parser.parse_args(argv)
    set_threads(args.threads)
    step, _, model_config = make_step(args.system, args.preset, args.bf16, args.batch, args.n_emotions,
                                      args.n_speakers)
    step()
    pure = [pure_epoch(step, args.batches) for _ in range(args.pure_repeats)]
    data = random_segments(args.batch * args.batches, args.n_emotions, args.n_speakers,
                           model_config.segment_frames, model_config.n_mels)
    config = TrainConfig(model=args.system, preset=args.preset, epochs=args.epochs, batch_size=args.batch,
                         batches_per_epoch=args.batches, bf16=args.bf16, val_fraction=0.0)
    epochs = lightning_epochs(config, data, args.n_emotions, args.n_speakers)
    pure += [pure_epoch(step, args.batches) for _ in range(args.pure_repeats)]
    kept = epochs[1:] or epochs
    print(f"{args.system} {args.preset} {'bf16' if args.bf16 else 'fp32'} threads={args.threads} "
          f"batches/epoch={args.batches} batch={args.batch} malloc={malloc_label()}; target overhead <= 5%")
    for i, clock in enumerate(("wall", "CPU")):
        p, e = [t[i] for t in pure], [t[i] for t in kept]
        print(f"{clock:>4} s: pure {', '.join(f'{t:.2f}' for t in p)} | lightning "
              f"{', '.join(f'{t[i]:.2f}' for t in epochs)} (first left out) | overhead fastest "
              f"{min(e) / min(p) - 1:+.1%}, median {statistics.median(e) / statistics.median(p) - 1:+.1%}")
    return 0


if __name__ == "__main__":
    run_as_training_does(main)
