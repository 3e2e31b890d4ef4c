"""Helpers shared by the benchmarks: thread setup, timers, matmul peaks, model FLOPs.

Every figure is a same-run ratio: the machine is shared, so absolute times drift; a ratio to
a peak measured seconds before, in the same process, is what the targets are stated in.
Timers report the best of several repeats (other processes only ever slow a run down, so the
minimum is the least disturbed estimate) and the spread, so a noisy run shows as such.
"""

from __future__ import annotations

import os

# Before torch loads OpenMP: spinning worker threads stall each other on a shared CPU (the
# training CLIs set the same). Import this module before torch for it to take effect.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import statistics  # noqa: E402
import sys
import time
from dataclasses import dataclass
from typing import Callable, NoReturn

import torch  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from ssaser.runtime import memory_retained, reexec_with_retained_memory  # noqa: E402


def run_as_training_does(main: Callable[[], int]) -> NoReturn:
    """Run a benchmark's ``main`` under the malloc settings of the training commands.

    Restarts the script with ``ssaser.runtime``'s glibc tunables first, unless its command line
    says ``--system-malloc`` (then glibc's defaults, for the comparison).
    """
    if "--system-malloc" not in sys.argv:
        reexec_with_retained_memory()
    raise SystemExit(main())


def malloc_label() -> str:
    """``retained`` (ssaser's tunables are active in this process) or ``system``."""
    return "retained" if memory_retained() else "system"


def set_threads(threads: int) -> None:
    """Pin torch's intra-op pool (and its inter-op pool, once per process)."""
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # only settable before the first parallel work
        pass


@dataclass
class Timing:
    """Seconds per call of ``repeats`` timed calls."""

    times: list[float]

    @property
    def best(self) -> float:
        return min(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def spread(self) -> float:
        """``(max - min) / min``: 0.1 means the slowest repeat took 10% longer than the fastest."""
        return (max(self.times) - self.best) / self.best


def time_calls(fn: Callable[[], object], warmup: int, repeats: int) -> Timing:
    """Time ``repeats`` calls of ``fn`` after ``warmup`` untimed ones."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return Timing(times)


def matmul_peak(dtype: torch.dtype, size: int = 4096, repeats: int = 3, device: str = "cpu") -> float:
    """Best FLOP/s of a ``size x size`` square matmul in ``dtype`` (2 FLOP per multiply-add).

    On CUDA each timed call is 10 products and a synchronisation (one product is too short for
    a host timer), and fp32 is what the GPU does by default (TF32 off).
    """
    a = torch.randn(size, size, device=device).to(dtype)
    b = torch.randn(size, size, device=device).to(dtype)
    out = torch.empty(size, size, dtype=dtype, device=device)
    if torch.device(device).type == "cuda":
        def products() -> None:
            for _ in range(10):
                torch.mm(a, b, out=out)
            torch.cuda.synchronize()

        timing = time_calls(products, warmup=2, repeats=repeats)
        return 10 * 2.0 * size**3 / timing.best
    timing = time_calls(lambda: torch.mm(a, b, out=out), warmup=1, repeats=repeats)
    return 2.0 * size**3 / timing.best


def conv_peak(dtype: torch.dtype, repeats: int = 3, device: str = "cpu") -> float:
    """Best FLOP/s of a large 3x3 convolution, 512 -> 512 channels on ``(16, 512, 32, 32)``.

    oneDNN's convolution kernels are the other matrix engine torch uses; on some CPUs they run
    faster than its square ``mm`` (an AMD Zen 5 here: about 450 vs 350-410 GFLOP/s in bf16), and
    then the ``mm`` figure is no peak. Channels-last, the layout oneDNN works in.
    """
    x = torch.randn(16, 512, 32, 32, device=device).to(dtype).to(memory_format=torch.channels_last)
    w = torch.randn(512, 512, 3, 3, device=device).to(dtype).to(memory_format=torch.channels_last)
    flops = 2.0 * 16 * 512 * 512 * 9 * 32 * 32
    if torch.device(device).type == "cuda":
        def convs() -> None:
            for _ in range(10):
                torch.nn.functional.conv2d(x, w, padding=1)
            torch.cuda.synchronize()

        return 10 * flops / time_calls(convs, warmup=2, repeats=repeats).best
    return flops / time_calls(lambda: torch.nn.functional.conv2d(x, w, padding=1), warmup=1, repeats=repeats).best


def lstm_flops(model: torch.nn.Module, steps: int, batch: int) -> int:
    """Forward matrix-product FLOPs of every ``nn.LSTM`` (FlopCounterMode counts them as 0)."""
    from ssaser.models.describe import lstm_flops as per_segment

    return per_segment(model, steps) * batch


def counted_flops(fn: Callable[[], object]) -> int:
    """FLOPs of one call of ``fn`` as torch's ``FlopCounterMode`` counts them (matmuls, convs)."""
    with FlopCounterMode(display=False) as counter:
        fn()
    return int(counter.get_total_flops())


def fmt_rate(flops_per_s: float) -> str:
    """``123.4 GFLOP/s`` style."""
    return f"{flops_per_s / 1e9:7.1f}"
