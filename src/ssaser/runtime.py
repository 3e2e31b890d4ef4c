"""What the hardware offers and process-wide settings that make CPU training fast.

:func:`bf16_supported` says whether bf16 autocast would run on real bf16 kernels. The rest is
about how glibc's malloc keeps memory.

glibc serves every block above its mmap threshold (at most 32 MiB by default) with a fresh
``mmap`` and returns it to the kernel on ``free``. A training step allocates and frees
activations of tens of MB per layer (a paper-size conv output at batch 40 is
``(40, 256, 150, 20)`` bf16, 61 MB), so every one of them is page-faulted in and zeroed by the
kernel again, every step: a bf16 ``leaky_relu`` of that tensor took 28-45 ms on fresh memory and
5-8 ms on memory malloc had kept (``benchmarks/README.md``). The tunables below make glibc keep
it: big blocks come from its heap and the heap is never trimmed. The per-thread cache is off
because it holds the small fragments that ``posix_memalign`` (torch's CPU allocator) splits off
big blocks, so that freed blocks never merge and the heap grows step after step.

glibc reads ``GLIBC_TUNABLES`` once, when a process starts: the ``ssaser`` training commands
re-execute themselves with it (:func:`reexec_with_retained_memory`), their worker processes
inherit it, and Python users set it before starting Python (:func:`retained_memory_env`).
The price: the process keeps its peak footprint between steps (a paper-size SSA-CRNN-r at batch
40: 4.3 GB, flat over 20 steps, instead of 0.9 GB between steps and 3.0 GB at the peak).
"""

from __future__ import annotations

import os
import platform
import sys
from typing import Mapping, Sequence

#: glibc tunables: big blocks from the heap (up to 1 GiB), no trimming, no per-thread cache.
MALLOC_TUNABLES: dict[str, str] = {
    "glibc.malloc.mmap_threshold": str(1 << 30),
    "glibc.malloc.trim_threshold": str(2**31 - 1),
    "glibc.malloc.tcache_count": "0",
}


def is_glibc() -> bool:
    """True on Linux with the GNU C library (where the tunables mean something)."""
    return sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"


def _tunable_keys(environ: Mapping[str, str]) -> set[str]:
    return {item.split("=", 1)[0] for item in environ.get("GLIBC_TUNABLES", "").split(":") if item}


def retained_memory_env(environ: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``environ`` whose ``GLIBC_TUNABLES`` also holds :data:`MALLOC_TUNABLES`.

    Tunables the user set already, these keys included, are kept as they are.
    """
    current = [item for item in environ.get("GLIBC_TUNABLES", "").split(":") if item]
    keys = _tunable_keys(environ)
    added = [f"{key}={value}" for key, value in MALLOC_TUNABLES.items() if key not in keys]
    return {**environ, "GLIBC_TUNABLES": ":".join(current + added)}


def memory_retained(environ: Mapping[str, str] | None = None) -> bool:
    """Whether a process started with ``environ`` (default: this one's) runs with the tunables."""
    return is_glibc() and set(MALLOC_TUNABLES) <= _tunable_keys(os.environ if environ is None else environ)


def reexec_with_retained_memory(argv: Sequence[str] | None = None) -> None:
    """Replace this process by the same command started with :data:`MALLOC_TUNABLES`.

    Does nothing off glibc, or when the process has them already (so it cannot loop). The
    process keeps its pid, terminal and open files; nothing before this call is repeated but
    interpreter start-up, so call it first thing, before any output or heavy import.

    Parameters
    ----------
    argv : sequence of str, optional
        The full command line to run again, interpreter and its options included
        (default ``sys.orig_argv``, the one this process was started with).
    """
    if memory_retained() or not is_glibc():
        return
    argv = list(sys.orig_argv if argv is None else argv)
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os.execve(sys.executable, argv, retained_memory_env(os.environ))


def bf16_supported(accelerator: str = "cpu") -> bool:
    """Whether the hardware behind ``accelerator`` has bf16 kernels.

    A CPU needs AVX512-BF16 or AMX: with AVX2 alone torch emulates bf16, and a bf16 matmul ran
    58x slower than the fp32 one (0.9 vs 52.8 GFLOP/s, one thread of an AMD EPYC Zen 3).
    """
    import torch  # here: the CLI calls this module before torch is worth loading

    if accelerator in ("gpu", "cuda") or (accelerator == "auto" and torch.cuda.is_available()):
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
