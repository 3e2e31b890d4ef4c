"""Resident memory across training steps, with glibc's malloc defaults or ssaser's tunables.

Runs ``--steps`` training steps of one system (``train_throughput.make_step``: forward, joint
loss, backward, NAdam at batch 40 on random features) and prints the resident set size after
some of them, so that one sees whether the footprint stays flat (memory kept and reused) or
grows (fragmentation), and what the peak is.

Usage::

    python benchmarks/step_memory.py --preset paper --steps 12                  # with the tunables
    python benchmarks/step_memory.py --preset paper --steps 12 --system-malloc  # glibc defaults
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import malloc_label, run_as_training_does, set_threads  # noqa: E402

from train_throughput import make_step  # noqa: E402


def resident_mb() -> int:
    """Current resident set size in MB (Linux ``/proc/self/statm``)."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() >> 20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--system", default="ssa-crnn-r")
    parser.add_argument("--preset", default="paper")
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--fp32", action="store_true", help="no bf16 autocast")
    parser.add_argument("--system-malloc", action="store_true", help="glibc's malloc defaults")
    args = parser.parse_args(argv)
    set_threads(1)
    step, _, _ = make_step(args.system, args.preset, not args.fp32, 40, 4, 10)
    start, marks = time.perf_counter(), []
    for i in range(args.steps):
        step()
        if i % max(1, args.steps // 12) == 0 or i == args.steps - 1:
            marks.append(f"{i + 1}:{resident_mb()}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10
    print(f"{args.system} {args.preset} malloc={malloc_label()} "
          f"{args.steps} steps in {time.perf_counter() - start:.1f} s; resident MB after step "
          f"{' '.join(marks)}; peak {peak} MB")
    return 0


if __name__ == "__main__":
    run_as_training_does(main)
