"""Cross-validation tasks on a Dask cluster (``ssaser cv --executor dask``).

Why Dask: it is plain Python (a ``pip install distributed``, no daemon beside the workers), its
scheduler and workers start with one command each, and its own tooling runs them on SLURM/PBS
(``dask-jobqueue``) and Kubernetes (``dask-kubernetes``, the Dask Helm chart): ssaser only
connects to a scheduler's address. Each (fold, system) training is one task; workers need the
same file system view as the client for the manifests, the feature cache and the output folder
(a shared file system, as on any HPC cluster), since each task writes its fold folder itself.

Without ``--address`` a local cluster of ``jobs`` single-threaded worker processes is started,
the same split of the CPU as ``--jobs``.
"""

from __future__ import annotations

from typing import Iterator, Mapping, Sequence

from ssaser.errors import SsaserError
from ssaser.training.fit import TrainerOptions
from ssaser.training.fold_task import FoldTask

#: Per worker process: corpus arguments -> loaded corpus (features read once, reused by its tasks).
_CORPORA: dict = {}


def _train_on_worker(task: FoldTask, corpus_args: tuple, options: TrainerOptions, threads: int) -> tuple[FoldTask, dict]:
    """Runs inside a Dask worker: load (once) the corpus from the shared cache, train, save."""
    from dataclasses import replace

    from ssaser.training.corpus_data import load_corpus
    from ssaser.training.fold_task import run_task, setup_worker, task_options

    setup_worker(threads)
    if corpus_args not in _CORPORA:
        import json

        manifests, feature_options, cache, frontend, emotions = corpus_args
        _CORPORA.clear()  # one corpus at a time per worker: memory stays that of one
        _CORPORA[corpus_args] = load_corpus(list(manifests), json.loads(feature_options), cache, progress=False,
                                            frontend=frontend, emotions=emotions)
    entry = run_task(_CORPORA[corpus_args], task, task_options(replace(options, progress=False), task))
    if entry is None:
        raise SsaserError("a Dask task ran as a non-zero DDP rank: use one device per task")
    return task, entry


def parse_resources(text: str | None) -> dict[str, float]:
    """``"GPU=1,CPU=2"`` -> ``{"GPU": 1.0, "CPU": 2.0}`` (the resources each task asks for)."""
    if not text:
        return {}
    resources = {}
    for item in text.split(","):
        name, equals, amount = item.strip().partition("=")
        try:
            value = float(amount)
        except ValueError:
            value = -1.0
        if not name or not equals or value <= 0:
            raise SsaserError(f"--task-resources {text!r}: write NAME=AMOUNT[,NAME=AMOUNT], e.g. GPU=1")
        resources[name.strip()] = value
    return resources


def run_on_dask(tasks: Sequence[FoldTask], corpus_args: tuple, options: TrainerOptions, *, address: str | None,
                jobs: int, threads: int = 1, resources: Mapping[str, float] | None = None,
                ) -> Iterator[tuple[FoldTask, dict]]:
    """Submit every task; yield ``(task, entry)`` as each finishes.

    Parameters
    ----------
    tasks : sequence of FoldTask
        The (fold, system) trainings still to run.
    corpus_args : tuple
        ``(manifests tuple, feature_options as JSON, cache, frontend, emotions)``, hashable,
        from which a worker loads the corpus.
    address : str or None
        A running scheduler (``tcp://host:8786``); None starts a local cluster of ``jobs`` workers.
    threads : int
        Torch threads per task.
    resources : mapping, optional
        What each task asks of a worker (workers started with ``--resources "GPU=1"``).

    Raises
    ------
    SsaserError
        Dask is not installed, or the scheduler cannot be reached. A task's own error is raised
        as itself (an ``SsaserError`` stays one line).
    """
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise SsaserError("--executor dask needs Dask distributed: pip install 'ssaser[cluster]'") from None
    cluster = None
    try:
        if address is None:
            cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None)
            client = Client(cluster)
        else:
            client = Client(address, timeout="30s")
    except OSError as exc:
        if cluster is not None:
            cluster.close()
        raise SsaserError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    print(f"[cv] {len(tasks)} trainings on Dask ({address or f'local cluster, {jobs} workers'})", flush=True)
    futures = []
    try:
        futures = [client.submit(_train_on_worker, task, corpus_args, options, threads, pure=False,
                                 key=f"ssaser-{task.model}-fold{task.k}-{id(task)}",
                                 resources=dict(resources) if resources else None,
                                 priority=len(tasks) - i)  # in the given order (longest first)
                   for i, task in enumerate(tasks)]
        for future in as_completed(futures):
            yield future.result()  # the remote exception, re-raised here as itself
    finally:
        client.cancel(futures)  # an error or Ctrl-C here: the queued tasks do not run on
        client.close()
        if cluster is not None:
            cluster.close()
