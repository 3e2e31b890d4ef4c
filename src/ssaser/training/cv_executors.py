"""Where the (fold, system) trainings of ``ssaser cv`` run: this process, worker processes on this
machine (``--jobs``), or a Dask cluster (``--executor dask``). Each calls ``on_done(task, entry)``
as a training finishes; none changes the results (tests compare them fold by fold).

``exp`` is :class:`ssaser.training.cv._Experiment` (plan, corpus, folds, model spec) and ``run``
a :class:`ssaser.training.cv.CvRun`; typed ``Any`` here so that this module does not import ``cv``,
which imports it.
"""

from __future__ import annotations

from contextlib import closing
from typing import Any, Callable

from ssaser.errors import SsaserError
from ssaser.training.fold_sets import fold_set_options
from ssaser.training.fold_task import FoldTask, longest_first, run_parallel, run_task, task_options, task_sets

#: ``on_done(task, entry)``, called as each training finishes.
OnDone = Callable[[FoldTask, dict], None]


def run_here(exp: Any, run: Any, tasks: list[FoldTask], on_done: OnDone) -> bool:
    """Train the tasks in this process; False on a non-zero DDP rank (rank 0 writes the results)."""
    sets, sets_key = None, None
    for task in tasks:
        key = (task.k, tuple(fold_set_options(task.config).items()))
        if sets_key != key:  # a fold's segments, shared by its systems
            sets, sets_key = task_sets(exp.corpus, task), key
        print(f"[cv] {task.model}: {task.fold.describe()}", flush=True)
        # Under --no-progress, a line per epoch (every 5) names the system and fold, as workers do.
        options = run.trainer if run.trainer.epoch_label else task_options(run.trainer, task)
        entry = run_task(exp.corpus, task, options, sets)
        if entry is None:
            return False
        on_done(task, entry)
    return True


def run_in_workers(exp: Any, run: Any, tasks: list[FoldTask], on_done: OnDone) -> None:
    options = run.trainer
    if options.strategy not in ("auto", None) or str(options.devices) not in ("auto", "1"):
        raise SsaserError("--jobs runs folds side by side on one machine: not with --strategy/--devices")
    print(f"[cv] {len(tasks)} trainings in {run.jobs} parallel jobs", flush=True)
    for k in sorted({task.k for task in tasks}):
        print(f"[cv] fold {k + 1}: {exp.folds[k].describe()}", flush=True)
    # closing(): an exception here (Ctrl-C, SIGTERM) stops the workers now, not when collected.
    with closing(run_parallel(longest_first(tasks), run.jobs, exp.plan.manifest, exp.spec.feature_config.to_dict(), run.cache,
                              options, exp.spec.frontend, exp.plan.emotions)) as trainings:
        for task, entry in trainings:
            on_done(task, entry)


def run_on_dask_cluster(exp: Any, run: Any, tasks: list[FoldTask], on_done: OnDone) -> None:
    import json

    from ssaser.data.combined import manifest_paths
    from ssaser.training.dask_executor import parse_resources, run_on_dask

    resources = parse_resources(run.task_resources)
    corpus_args = (tuple(str(p.resolve()) for p in manifest_paths(exp.plan.manifest)),
                   json.dumps(exp.spec.feature_config.to_dict(), sort_keys=True),
                   None if run.cache is None else str(run.cache), exp.spec.frontend, exp.plan.emotions)
    for k in sorted({task.k for task in tasks}):
        print(f"[cv] fold {k + 1}: {exp.folds[k].describe()}", flush=True)
    with closing(run_on_dask(longest_first(tasks), corpus_args, run.trainer, address=run.address, jobs=run.jobs,
                             threads=max(1, int(resources.get("CPU", 1))), resources=resources)) as trainings:
        for task, entry in trainings:
            on_done(task, entry)
