"""Training-step throughput and its ratio to this machine's matmul peaks, measured in one run.

For every (system, preset, precision) case: segments per second of a full training step
(forward, joint loss, backward, NAdam step) at batch 40 on random features, the FLOPs of that
step, and the achieved FLOP/s divided by bf16 and fp32 peaks measured just before the case, in
the same process. A peak is the faster of a large square matmul (``bf16mm``) and a large 3x3
convolution (``bf16cv``): on CPUs where oneDNN's conv kernels outrun ``torch.mm`` (AMD Zen 5),
the matmul alone is no peak and a step can exceed it (``/bf16mm`` > 1).

FLOPs per step: ``torch.utils.flop_counter.FlopCounterMode`` over one step (convs and matmuls of
forward and backward, 2 per multiply-add), plus the BLSTMs, which that counter counts as 0:
their forward matrix products analytically (:func:`ssaser.models.describe.lstm_flops`) times 3
for forward + backward. Element-wise work and the optimizer are not counted.

Usage::

    python benchmarks/train_throughput.py                      # all 8 cases, 1 thread
    python benchmarks/train_throughput.py --systems ssa-crnn-r --presets paper --precisions bf16 --iters 5
    python benchmarks/train_throughput.py --presets paper --precisions bf16 --profile 15
"""

from __future__ import annotations

import argparse
import sys
import types
from math import nan
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (conv_peak, counted_flops, fmt_rate, lstm_flops, malloc_label, matmul_peak,  # noqa: E402
                     run_as_training_does, set_threads, time_calls)

import torch  # noqa: E402

from ssaser.models import build_system, get_preset, system_loss  # noqa: E402
from ssaser.models.crnn import CRNNEncoder  # noqa: E402
from ssaser.runtime import bf16_supported  # noqa: E402


def _nchw_encoder_forward(self, x: torch.Tensor) -> torch.Tensor:
    # CRNNEncoder.forward before commit 029a775 (convs on NCHW tensors): the "before" figure.
    # The conv blocks are the current ones (in-place LeakyReLU since 9ab1293).
    y = self.convs(x).permute(0, 2, 1, 3).flatten(2)
    h, _ = self.blstm(self.dropout(self.activation(self.linear(y))))
    return h


def make_step(system: str, preset: str, bf16: bool, batch: int, n_emotions: int, n_speakers: int,
              nchw: bool = False, compile: bool = False, device: str = "cpu", cuda_graph: bool = False):
    """One training step of ``system`` on a fixed random batch, as a closure.

    Parameters
    ----------
    system, preset : str
        See :func:`ssaser.models.build_system` and :func:`ssaser.models.get_preset`.
    bf16 : bool
        Forward and loss under ``torch.autocast("cpu", torch.bfloat16)`` (what Lightning's
        ``bf16-mixed`` does); backward and the NAdam step outside it.
    batch : int
        Segments ``(batch, 3, 300, 40)`` per step.
    nchw : bool
        Run the encoders' convs on NCHW tensors (the code before commit 029a775).
    compile : bool
        The forward goes through ``torch.compile`` (backward through its AOT-autograd graph).
    device : str
        ``"cpu"`` or ``"cuda"``; on CUDA the step ends with a synchronisation so that a
        timer around it measures the GPU work.
    cuda_graph : bool
        Capture the whole step (forward, loss, backward, NAdam with ``capturable=True``) in one
        ``torch.cuda.CUDAGraph`` after three warm-up steps on a side stream, and replay it: one
        launch per step instead of hundreds, for steps too short to fill the GPU.

    Returns
    -------
    (callable, torch.nn.Module, ModelConfig)
        ``step()``, the model it trains and its configuration.
    """
    torch.manual_seed(0)
    config = get_preset(preset)
    model = build_system(system, config, n_emotions, n_speakers).train().to(device)
    # foreach: one fused launch per parameter group instead of one per tensor (matters on a GPU)
    optimizer = torch.optim.NAdam(model.parameters(), lr=1e-4, betas=(0.9, 0.999), foreach=True,
                                  capturable=cuda_graph)
    features = torch.randn(batch, config.in_channels, config.segment_frames, config.n_mels, device=device)
    if nchw:
        for module in model.modules():
            if isinstance(module, CRNNEncoder):
                module.forward = types.MethodType(_nchw_encoder_forward, module)
    emotion = torch.arange(batch, device=device) % n_emotions
    speaker = torch.arange(batch, device=device) % n_speakers if system == "ssa-crnn-r" else None
    device_type = torch.device(device).type
    forward = torch.compile(model) if compile else model

    def body() -> None:
        # The autocast cache must be off under graph capture (its casts would outlive the graph).
        with torch.autocast(device_type, dtype=torch.bfloat16, enabled=bf16, cache_enabled=not cuda_graph):
            loss = system_loss(forward(features), emotion, speaker, config.lambda_speaker)
        loss.backward()
        optimizer.step()

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        body()
        if device_type == "cuda":
            torch.cuda.synchronize()

    if cuda_graph:
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):  # warm-up off the default stream, as capture requires
            for _ in range(3):
                optimizer.zero_grad(set_to_none=True)
                body()
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        optimizer.zero_grad(set_to_none=True)  # backward then allocates .grad from the graph's pool
        with torch.cuda.graph(graph):
            body()

        def replay() -> None:
            graph.replay()
            torch.cuda.synchronize()

        return replay, model, config
    return step, model, config


def profile_step(step, rows: int) -> None:
    """Print the ops that take the most self CPU time over two steps."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(2):
            step()
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=rows))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--systems", nargs="+", default=["acrnn-r", "ssa-crnn-r"])
    parser.add_argument("--presets", nargs="+", default=["lite", "paper"])
    parser.add_argument("--precisions", nargs="+", default=["fp32", "bf16"], choices=["fp32", "bf16"])
    parser.add_argument("--batch", type=int, default=40)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (1: on a shared 2-core machine, 2 threads stall on each other)")
    parser.add_argument("--warmup", type=int, default=0,
                        help="untimed steps per case after the first one (which is never timed)")
    parser.add_argument("--iters", type=int, default=2, help="timed steps per case (lite, tiny: x10)")
    parser.add_argument("--peak-size", type=int, default=4096, help="side of the square peak matmuls")
    parser.add_argument("--nchw", action="store_true",
                        help="run the convs on NCHW tensors, as the encoder did before commit 029a775")
    parser.add_argument("--compile", action="store_true", help="torch.compile the model (inductor)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (peaks then measured on that GPU)")
    parser.add_argument("--cuda-graph", action="store_true",
                        help="replay the whole step as one captured CUDA graph (with --device cuda)")
    parser.add_argument("--n-emotions", type=int, default=4)
    parser.add_argument("--n-speakers", type=int, default=10)
    parser.add_argument("--system-malloc", action="store_true",
                        help="glibc's malloc defaults (every big tensor a fresh mmap); default: restart with "
                        "ssaser.runtime's tunables, as the training commands do")
    parser.add_argument("--profile", type=int, default=0, metavar="ROWS",
                        help="print the profiler's top ROWS ops of each case")
    args = parser.parse_args(argv)
    if args.cuda_graph and not args.device.startswith("cuda"):
        parser.error("--cuda-graph needs --device cuda")
    set_threads(args.threads)
    if args.device.startswith("cuda"):
        torch.backends.cudnn.benchmark = True  # fixed shapes: let cuDNN pick its fastest kernels
        print(f"device={torch.cuda.get_device_name(args.device)}")
    native_bf16 = bf16_supported("cuda" if args.device.startswith("cuda") else "cpu")
    if not native_bf16 and "bf16" in args.precisions:
        # Emulated bf16 (AVX2 alone) is tens of times slower than fp32: its cases and peaks would
        # take hours and mean nothing; training falls back to fp32 on such hardware too.
        print("no bf16 kernels on this hardware: bf16 cases and peaks skipped (ratios to fp32 only)")
        args.precisions = [p for p in args.precisions if p != "bf16"]
    print(f"threads={args.threads} batch={args.batch} nchw={args.nchw} compile={args.compile} "
          f"cuda_graph={args.cuda_graph} "
          f"malloc={malloc_label()} "
          f"(FLOP: FlopCounterMode fwd+bwd + BLSTM analytic x3; /bf16pk = achieved / the faster of the same-run mm and conv peaks)")
    print(f"{'system':<11} {'preset':<6} {'prec':<5} {'seg/s':>7} {'s/step':>7} {'spread':>6} "
          f"{'GFLOP/step':>10} {'GFLOP/s':>7} {'bf16mm':>7} {'bf16cv':>7} {'fp32pk':>7} "
          f"{'/bf16pk':>7} {'/bf16mm':>7} {'/fp32pk':>7}")
    for preset in args.presets:
        for system in args.systems:
            flops = 0  # the same for every precision: counted once per model, on the first case
            for precision in args.precisions:
                bf16 = precision == "bf16"
                step, model, config = make_step(system, preset, bf16, args.batch, args.n_emotions,
                                                args.n_speakers, args.nchw, args.compile, args.device,
                                                args.cuda_graph)
                step()  # first call: oneDNN primitive creation, optimizer state, compilation
                if not flops:  # counted on the eager model (the counter sees no compiled or graphed kernels)
                    eager = step if not (args.compile or args.cuda_graph) else make_step(
                        system, preset, bf16, args.batch, args.n_emotions, args.n_speakers, args.nchw,
                        device=args.device)[0]
                    flops = counted_flops(eager) + 3 * lstm_flops(model, config.frames_after_pool, args.batch)
                iters = args.iters * (10 if preset != "paper" else 1)
                # Peaks: the faster of torch's two matrix engines (square mm, large conv) per dtype.
                mm_bf16 = matmul_peak(torch.bfloat16, args.peak_size, device=args.device) if native_bf16 else nan
                conv_bf16 = conv_peak(torch.bfloat16, device=args.device) if native_bf16 else nan
                peak_fp32 = max(matmul_peak(torch.float32, args.peak_size, device=args.device),
                                conv_peak(torch.float32, device=args.device))
                peak_bf16 = max(mm_bf16, conv_bf16)
                timing = time_calls(step, args.warmup, iters)
                rate = flops / timing.best
                print(f"{system:<11} {preset:<6} {precision:<5} {args.batch / timing.best:7.2f} "
                      f"{timing.best:7.3f} {timing.spread:6.0%} {flops / 1e9:10.1f} {fmt_rate(rate)} "
                      f"{fmt_rate(mm_bf16)} {fmt_rate(conv_bf16)} {fmt_rate(peak_fp32)} "
                      f"{rate / peak_bf16:7.2f} {rate / mm_bf16:7.2f} {rate / peak_fp32:7.2f}", flush=True)
                if args.profile:
                    profile_step(step, args.profile)
    return 0


if __name__ == "__main__":
    run_as_training_does(main)
