"""The exported front end in onnxruntime: the folded real DFT against the strided-conv DFT it replaced.

Exports the default 3-D log-Mel front end twice (``RealDftPower`` folded, and forced to its conv
form), checks both against the eager ``rfft`` front end, and times them alternately on batches of
inference windows (``segment_frames + 2 * context`` frames of noise: the cost does not depend on
the audio). Printed: ms per batch for each and the same-run ratio (issue #20: the front end was
18.5 % of the exported lite model's onnxruntime time, benchmarks/README.md).

    python benchmarks/frontend_export.py [--batch 32] [--repeats 5] [--threads 2]
"""

from __future__ import annotations

import argparse
import io
import platform
import time
import warnings

import librosa
import numpy as np
import onnxruntime as ort
import torch

from ssaser.features import FeatureConfig, LogMel3D
from ssaser.features.frontends import get_frontend
from ssaser.features.real_dft import RealDftPower


def export(module: torch.nn.Module, wave: torch.Tensor, threads: int) -> ort.InferenceSession:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (wave,), buffer, input_names=["wave"], output_names=["features"],
                          dynamic_axes={"wave": {0: "batch", 1: "samples"}}, opset_version=17, dynamo=False)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    return ort.InferenceSession(buffer.getvalue(), options, providers=["CPUExecutionProvider"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    config = FeatureConfig()
    frames = config.segment_frames + 2 * get_frontend("logmel3d").context(config)
    samples = (frames - 1) * config.hop_length + config.win_length
    wave = 0.1 * torch.randn(args.batch, samples, generator=torch.Generator().manual_seed(0))
    eager = LogMel3D(config).eval()
    sessions = {}
    for name, fold in (("conv", False), ("folded", True)):
        module = LogMel3D(config, real_dft=True).eval()
        window = librosa.filters.get_window("hamming", config.win_length, fftbins=True)  # as LogMel3D's
        module.export_power = RealDftPower(window, config.hop_length, config.n_fft, fold=fold)
        sessions[name] = export(module, wave[:2], args.threads)
    with torch.inference_mode():
        want = eager(wave).numpy()
    feed = {"wave": wave.numpy()}
    print(f"machine: {platform.processor() or platform.machine()}, onnxruntime {ort.__version__}, "
          f"{args.threads} threads, batch {args.batch} x {samples} samples")
    for name, session in sessions.items():
        got = session.run(None, feed)[0]
        print(f"{name}: max |onnxruntime - eager rfft| = {np.abs(got - want).max():.2e} (features)")
    best = {name: float("inf") for name in sessions}
    for _ in range(args.repeats):
        for name, session in sessions.items():
            start = time.perf_counter()
            session.run(None, feed)
            best[name] = min(best[name], time.perf_counter() - start)
    for name, seconds in best.items():
        print(f"{name}: {1000 * seconds:.1f} ms per batch (best of {args.repeats})")
    print(f"conv / folded: {best['conv'] / best['folded']:.2f}x")


if __name__ == "__main__":
    main()
