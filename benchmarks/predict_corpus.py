"""Corpus-scale prediction: audio-seconds per second, end to end, torch and onnxruntime.

What ``ssaser predict MODEL DIR`` runs (:func:`ssaser.inference.corpus.classify_files`: files
decoded ahead in threads, windows batched across files) over every audio file under ``--data``
(default: the shared RAVDESS, 1,440 files), against the per-file loop that ``predict`` ran before
(``classify_file`` one file at a time), on the first ``--baseline-files`` files, in the same run.
Printed: files, audio minutes, wall seconds, x real time, and the peak RSS growth.

    python benchmarks/predict_corpus.py [--data ../shared/data/ravdess] [--model NAME_OR_DIR] [--threads 2]

Without ``--model``: the first bundled model, else an untrained lite SSA-CRNN-r (the cost does not
depend on the weights).
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _fixtures import build_random_model_dir  # noqa: E402


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(name: str, run, files: list[Path]) -> None:
    before = rss_mb()
    start = time.perf_counter()
    seconds_of_audio, errors = run(files)
    wall = time.perf_counter() - start
    print(f"{name}: {len(files)} files, {seconds_of_audio / 60:.1f} min of audio, {wall:.1f} s wall, "
          f"{seconds_of_audio / wall:.0f}x real time, {errors} errors, peak RSS +{rss_mb() - before:.0f} MB "
          f"(of {rss_mb():.0f} MB)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data" / "ravdess"))
    parser.add_argument("--model", help="model directory or bundled name (default: see the docstring)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--baseline-files", type=int, default=200)
    parser.add_argument("--backends", nargs="+", default=["torch", "onnx"], choices=["torch", "onnx"])
    args = parser.parse_args()

    import torch

    from ssaser.data.corpora.base import find_audio
    from ssaser.inference import Recognizer
    from ssaser.inference.corpus import classify_files
    from ssaser.inference.onnx_export import export_onnx
    from ssaser.models import load_model_dir
    from ssaser.models.pretrained import bundled_models, resolve_model

    torch.set_num_threads(args.threads)
    files = list(find_audio(Path(args.data)))
    if not files:
        sys.exit(f"no audio under {args.data}")
    tmp = Path(tempfile.mkdtemp())
    if args.model:
        model_dir = resolve_model(args.model)
    elif bundled_models():
        model_dir = bundled_models()[0].path
    else:
        model_dir = build_random_model_dir(tmp / "lite-ssa", preset="lite")
    print(f"machine: {platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"{args.threads} threads; model {model_dir.name}; data {args.data}")

    for backend in args.backends:
        onnx = None
        if backend == "onnx":
            onnx = tmp / "model.onnx"
            if not onnx.is_file():
                export_onnx(load_model_dir(model_dir), onnx)
        rec = Recognizer.from_pretrained(model_dir, backend=backend, onnx_path=onnx, batch_size=args.batch_size)

        def batched(paths):
            results = list(classify_files(rec, paths, threads=args.threads))
            return sum(r.prediction.duration for r in results if r.prediction), sum(r.error is not None for r in results)

        def per_file(paths):
            predictions = [rec.classify_file(p) for p in paths]
            return sum(p.duration for p in predictions), 0

        measure(f"{backend}, per-file loop (before), first {args.baseline_files}", per_file, files[:args.baseline_files])
        measure(f"{backend}, batched across files, first {args.baseline_files}", batched, files[:args.baseline_files])
        measure(f"{backend}, batched across files, all", batched, files)


if __name__ == "__main__":
    main()
