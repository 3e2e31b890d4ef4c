"""Inference real-time factor (processing time / audio time), PyTorch eager vs ONNX Runtime.

The path measured is the one users run: :class:`ssaser.inference.Recognizer` ``.classify`` on
an in-memory 16 kHz signal (windowing, front end, normalisation, both branches, posterior
averaging), with the torch backend (eager, inference mode) or the onnxruntime backend on the
graph written by :func:`ssaser.inference.onnx_export.export_onnx`. Models have random weights
(:func:`ssaser.inference.random_model.build_random_model`): the cost does not depend on them.
Signals: a 3 s segment (one window) and a 60 s file (20 windows), a generated voice.

Threads: ``torch.set_num_threads`` for PyTorch; an onnxruntime session with
``intra_op_num_threads`` set for ONNX (the backend's own session uses every core).

Usage::

    python benchmarks/infer_latency.py                                  # lite + paper, 1 and 2 threads
    python benchmarks/infer_latency.py --presets lite --threads 2 --repeats 10
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import set_threads, time_calls  # noqa: E402

from ssaser.inference.backends import OnnxBackend, TorchBackend  # noqa: E402
from ssaser.inference.graph import build_graph  # noqa: E402
from ssaser.inference.onnx_export import export_onnx  # noqa: E402
from _fixtures import build_random_model, generated_voice  # noqa: E402
from ssaser.inference.recognizer import Recognizer  # noqa: E402

TARGETS = {"lite": 0.01, "paper": 0.25}  # RTF targets with 2 threads (issue #6)


def onnx_backend(path: Path, labels: list[str], threads: int) -> OnnxBackend:
    """The ONNX backend with a session limited to ``threads`` intra-op threads."""
    import onnxruntime as ort

    backend = OnnxBackend(path, labels=labels)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    backend.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return backend


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--system", default="ssa-crnn-r")
    parser.add_argument("--presets", nargs="+", default=["lite", "paper"])
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--backends", nargs="+", default=["torch", "onnx"], choices=["torch", "onnx"])
    parser.add_argument("--seconds", nargs="+", type=float, default=[3.0, 60.0], help="signal lengths")
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per case (paper: at least 2)")
    args = parser.parse_args(argv)
    print("RTF = best processing time / audio time of Recognizer.classify (spread = (max-min)/min)")
    print(f"{'preset':<6} {'backend':<7} {'thr':>3} {'audio_s':>7} {'best_s':>8} {'RTF':>7} {'spread':>6} target")
    with tempfile.TemporaryDirectory() as tmp:
        for preset in args.presets:
            model = build_random_model(args.system, preset)
            onnx_path = Path(tmp) / f"{preset}.onnx"
            if "onnx" in args.backends:
                export_onnx(model, onnx_path)
            repeats = max(2, args.repeats // 3) if preset == "paper" else args.repeats
            for threads in args.threads:
                set_threads(threads)
                for name in args.backends:
                    backend = TorchBackend(build_graph(model)) if name == "torch" else \
                        onnx_backend(onnx_path, model.emotions, threads)
                    recognizer = Recognizer(model, backend=backend)
                    for seconds in args.seconds:
                        wave = generated_voice(seconds, model.feature_config.sample_rate)
                        timing = time_calls(lambda: recognizer.classify(wave, model.feature_config.sample_rate),
                                            warmup=1, repeats=repeats)
                        rtf = timing.best / seconds
                        target = TARGETS.get(preset)
                        verdict = "" if target is None or threads != 2 else \
                            f"<= {target} {'met' if rtf <= target else 'MISSED'}"
                        print(f"{preset:<6} {name:<7} {threads:>3} {seconds:7.1f} {timing.best:8.4f} {rtf:7.4f} "
                              f"{timing.spread:6.0%} {verdict}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
