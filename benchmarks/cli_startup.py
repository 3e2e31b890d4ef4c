"""How fast the command line answers a mistake in its own arguments, against ``import torch``.

Each command below has an error in its arguments (a missing model, manifest or audio file); it
must be answered before torch is imported. Printed: the median wall time of each over the runs,
the median of ``python -c "import torch"`` in the same run, and their ratio (below 1: answered
faster than torch alone loads).

    python benchmarks/cli_startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import tempfile
import time

COMMANDS = {
    "predict missing_dir x.wav": ["predict", "missing_dir", "x.wav"],
    "predict --model no-such-model x.wav": ["predict", "--model", "no-such-model", "x.wav"],
    "train --manifest missing.csv": ["train", "--manifest", "missing.csv", "--out", "o"],
    "cv --manifest missing.csv": ["cv", "--manifest", "missing.csv", "--out", "o"],
    "evaluate missing_dir m.csv": ["evaluate", "missing_dir", "m.csv", "--out", "o"],
}


def seconds(argv: list[str], cwd: str) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cwd:
        torch_runs, runs = [], {name: [] for name in COMMANDS}
        for _ in range(args.runs):  # interleaved: a load spike hits both sides
            torch_runs.append(seconds([sys.executable, "-c", "import torch"], cwd))
            for name, argv in COMMANDS.items():
                runs[name].append(seconds([sys.executable, "-m", "ssaser", *argv], cwd))
    torch_median = statistics.median(torch_runs)
    print(f"machine: {platform.processor() or platform.machine()}, {platform.python_version()}, {args.runs} runs")
    print(f"python -c 'import torch': {torch_median:.3f} s (median)")
    for name, values in runs.items():
        median = statistics.median(values)
        print(f"ssaser {name}: {median:.3f} s, ratio to import torch {median / torch_median:.3f}")


if __name__ == "__main__":
    main()
