"""Wall time of a cv run's trainings on N parallel workers, in the order ``ssaser cv`` hands them out.

Replays the measured seconds of every (fold, system) training of a finished run (its
``results.json``) on ``--jobs`` workers, each taking the next task when it is free: in fold order
(fold 1's systems, then fold 2's, ...: before) and longest first
(:func:`ssaser.training.fold_task.longest_first`: after), beside the bound of a perfect split
(the sum over the workers). Same input for both orders, so the ratio is the schedule's alone.

    python benchmarks/cv_schedule.py results/ravdess_lite_loso --folds 6 --jobs 2
"""

from __future__ import annotations

import argparse
import heapq
import json
from pathlib import Path

from ssaser.training.config import TrainConfig
from ssaser.training.fold_task import FoldTask, longest_first


def makespan(seconds: list[float], jobs: int) -> float:
    free = [0.0] * jobs
    for s in seconds:
        heapq.heappush(free, heapq.heappop(free) + s)
    return max(free)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="cv output folder (its results.json)")
    parser.add_argument("--folds", type=int, default=None, help="first folds only (default: all)")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    results = json.loads((args.run / "results.json").read_text())
    measured, tasks = {}, []
    n = args.folds or results["folds_completed"]
    for k in range(n):
        for model, data in results["models"].items():
            entry = next(f for f in data["folds"] if f["fold"] == k)
            config = TrainConfig.from_dict(results["configs"][model])
            task = FoldTask(k, None, model, config, Path("."), "test")
            measured[id(task)] = entry["seconds"]
            tasks.append(task)
    before = makespan([measured[id(t)] for t in tasks], args.jobs)
    after = makespan([measured[id(t)] for t in longest_first(tasks)], args.jobs)
    bound = sum(measured.values()) / args.jobs
    print(f"{len(tasks)} trainings of {args.run} ({n} folds) on {args.jobs} workers, measured seconds replayed")
    print(f"fold order    {before:9.0f} s")
    print(f"longest first {after:9.0f} s   ratio after/before {after / before:.3f}")
    print(f"perfect split {bound:9.0f} s   (sum / workers)")


if __name__ == "__main__":
    main()
