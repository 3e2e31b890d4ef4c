"""The exported model alone: one onnxruntime session on 2 threads vs two 1-thread sessions side by side.

Asks whether corpus prediction (issue #20) would gain from running two batches at once, each on
one core, instead of one batch on both cores. Same run, alternated, batches of real-length spans
(``segment_frames + 2 * context`` frames) of noise (the cost does not depend on the audio).

    ssaser export ravdess-emodb2s-ssa-lite --out /tmp/lite.onnx
    python benchmarks/onnx_threads.py /tmp/lite.onnx [--batch 32] [--batches 8]
"""

from __future__ import annotations

import argparse
import platform
import threading
import time

import numpy as np
import onnxruntime as ort


def session(path: str, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("onnx")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--batches", type=int, default=8)
    parser.add_argument("--span-samples", type=int, default=308 * 160 + 400, help="lite model: 308 frames")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    b = args.batch
    feed = {"waveform": (0.1 * rng.standard_normal((b, args.span_samples))).astype(np.float32),
            "offsets": np.full(b, 4, np.int64), "valid": np.full(b, 300, np.int64),
            "mean": np.zeros((3, 40), np.float32), "std": np.ones((3, 40), np.float32)}

    def run(s: ort.InferenceSession, n: int) -> None:
        for _ in range(n):
            s.run(["emotion_logits"], feed)

    both, halves = session(args.onnx, 2), [session(args.onnx, 1), session(args.onnx, 1)]
    for s in (both, *halves):
        run(s, 1)  # warm-up
    n = args.batches
    print(f"machine: {platform.processor() or platform.machine()}, onnxruntime {ort.__version__}, batch {b}")
    for repeat in range(2):
        t = time.perf_counter()
        run(both, n)
        one = time.perf_counter() - t
        t = time.perf_counter()
        workers = [threading.Thread(target=run, args=(s, n // 2)) for s in halves]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        two = time.perf_counter() - t
        t = time.perf_counter()
        run(halves[0], n // 2)
        alone = time.perf_counter() - t
        print(f"1 session x 2 threads {n * b / one:.0f} windows/s; 2 sessions x 1 thread {n * b / two:.0f}; "
              f"1 thread alone {n // 2 * b / alone:.0f}; two sessions / one: {one / two:.2f}")


if __name__ == "__main__":
    main()
