"""Memory and time of an emotion timeline over a long file (the file is read in blocks).

Writes an N-minute generated recording (16 kHz, 16-bit WAV, a block at a time), then runs
``Recognizer.analyze`` (the utterance result and a timeline, one pass) on it and prints the
peak resident memory of the process before and after, the peak of numpy allocations during the
run (tracemalloc), the wall time and the real-time factor.

    python benchmarks/timeline_memory.py --minutes 60 --hop 1
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import soundfile as sf

from ssaser.inference import Recognizer
from _fixtures import build_random_model_dir, generated_voice


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=60.0, help="length of the generated file (default 60)")
    parser.add_argument("--hop", type=float, default=1.0, help="timeline hop in seconds (default 1)")
    parser.add_argument("--preset", default="tiny", choices=("tiny", "lite"), help="preset of the untrained model")
    parser.add_argument("--model-dir", type=Path, help="use this model instead of an untrained one")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = args.model_dir or build_random_model_dir(Path(tmp) / "model", preset=args.preset)
        audio = Path(tmp) / "long.wav"
        with sf.SoundFile(audio, "w", 16000, 1, "PCM_16") as handle:
            for k in range(int(round(args.minutes * 6))):
                handle.write(generated_voice(10.0, seed=k))
        recognizer = Recognizer.from_pretrained(model_dir)
        recognizer.classify(np.zeros(16000, np.float32), 16000)  # warm-up: lazy allocations
        before = peak_rss_mb()
        tracemalloc.start()
        start = time.perf_counter()
        prediction, timeline = recognizer.analyze(audio, hop=args.hop)
        wall = time.perf_counter() - start
        traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        after = peak_rss_mb()
        result = {
            "minutes": args.minutes, "hop_s": args.hop, "file_mb": round(audio.stat().st_size / 2**20, 1),
            "decoded_float32_mb": round(args.minutes * 60 * 16000 * 4 / 2**20, 1),
            "windows": len(timeline.windows), "segments": len(prediction.segments),
            "peak_rss_before_mb": round(before, 1), "peak_rss_after_mb": round(after, 1),
            "rss_growth_mb": round(after - before, 1), "numpy_peak_mb": round(traced_peak, 1),
            "wall_s": round(wall, 1), "real_time_factor": round(wall / (args.minutes * 60), 4),
            "model": str(args.model_dir) if args.model_dir else f"untrained ssa-crnn-r {args.preset}",
        }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
