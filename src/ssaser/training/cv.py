"""Cross-validation of several systems on one protocol: ``results.json``, report and figures.

Folds run outer, systems inner, so each fold's normalised segments are built once and shared.
Every finished (fold, system) writes ``<model>/fold_<k>/result.json`` (and ``outputs.npz``
for the figures) atomically; a rerun with the same configuration skips finished folds and
resumes an interrupted one from its ``last.ckpt``, so an interruption loses at most the
epoch in progress. A rerun with a different configuration into the same folder is refused.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

from ssaser.data.combined import manifest_record
from ssaser.errors import SsaserError
from ssaser.evaluation.outputs import write_outputs
from ssaser.evaluation.report import write_report
from ssaser.atomic_files import atomic_write_json
from ssaser.models.spec import ModelSpec
from ssaser.training.config import TrainConfig, load_config
from ssaser.training.corpus_data import CorpusData, load_corpus, print_corpus_summary
from ssaser.training.fit import TrainerOptions
from ssaser.training.cv_executors import run_here, run_in_workers, run_on_dask_cluster
from ssaser.training.cv_results import assemble_results, check_same_run, complete_prefix
from ssaser.training.fold_task import FoldTask


@dataclass(frozen=True)
class CvPlan:
    """What defines a cross-validation experiment: recorded in ``cv_config.json``, and a rerun into
    the same folder must match it.

    Attributes
    ----------
    manifest : str, Path or sequence of them
        Manifest CSV(s); several are read as one corpus (:func:`ssaser.data.combined.read_manifests`).
    models : sequence of str
        Systems; each starts from its packaged configuration (its registry entry names it).
    protocol : str
        ``sd-random``, ``sd-phrase`` or ``loso`` (:func:`ssaser.data.splits.make_folds`).
    folds : int or None
        Number of folds (None: 10, or one per speaker for ``loso``).
    test_fraction : float
        Share held out as a test part that model selection never sees (0: the paper's protocol,
        selection and report on the same validation part).
    split_seed : int
        Seed of the fold assignment.
    overrides : mapping
        Configuration keys applied to every system (``--set``, ``--epochs`` ...).
    emotions : str, optional
        ``--emotions``: classes to keep or merge (:mod:`ssaser.data.emotions`).
    val_by_speaker : bool
        ``loso`` (with a test part) and ``given``: validate on held-out training speakers.
    config : str, optional
        A YAML file or packaged configuration's name (``paper``) instead of each system's packaged one.
    folds_from : str, optional
        A fold file or bundled fold file's name (:mod:`ssaser.data.fold_files`) that fills the
        ``fold`` column read by the ``given`` protocol.
    """

    manifest: str | Path | Sequence[str | Path]
    models: Sequence[str]
    protocol: str = "sd-random"
    folds: int | None = None
    test_fraction: float = 0.0
    split_seed: int = 0
    overrides: Mapping = field(default_factory=dict)
    emotions: str | None = None
    folds_from: str | None = None
    config: str | None = None
    val_by_speaker: bool = False

    def configs(self) -> dict[str, TrainConfig]:
        """Each system's configuration, its model spec resolved (a bad setting fails here)."""
        configs = {m: load_config(m, self.config, overrides=self.overrides) for m in self.models}
        for config in configs.values():
            config.model_spec()
            config.check_augmentations()
        if len({json.dumps([c.frontend, c.feature_options], sort_keys=True) for c in configs.values()}) > 1:
            raise SsaserError("all systems of a cv run must use the same front end and feature_options")
        return configs


@dataclass(frozen=True)
class CvRun:
    """How a cross-validation runs: none of it changes its results.

    Attributes
    ----------
    cache : str or Path, optional
        Feature cache folder.
    trainer : TrainerOptions
        Accelerator, devices, progress bars.
    jobs : int
        Trainings run side by side in worker processes, each with its share of the torch
        threads (:func:`ssaser.training.fold_task.run_parallel`); 1 runs them in this process.
    max_folds : int, optional
        Train only the first ``max_folds`` folds (the same folds as a full run, so a later full
        run into the same folder continues from there); ``folds_completed`` says so.
    name : str, optional
        Corpus name for the report and ``results.json`` (default: the manifest's name, or its folder's for manifest.csv).
    command : str, optional
        The command line recorded in ``results.json`` (default: this process's).
    save_models : bool
        Also write each trained fold's model directory, ``<model>/fold_<k>/model``.
    executor : {"local", "dask"}
        ``local``: this process or ``jobs`` worker processes; ``dask``: a Dask cluster
        (:mod:`ssaser.training.dask_executor`), at ``address`` or a local one of ``jobs`` workers.
    address : str, optional
        The Dask scheduler (``tcp://host:8786``).
    task_resources : str, optional
        What each Dask task asks of a worker, e.g. ``"CPU=2,GPU=1"`` (``CPU`` also sets its torch threads).
    """

    cache: str | Path | None = None
    trainer: TrainerOptions = field(default_factory=TrainerOptions)
    jobs: int = 1
    max_folds: int | None = None
    name: str | None = None
    command: str | None = None
    save_models: bool = False
    executor: str = "local"
    address: str | None = None
    task_resources: str | None = None


@dataclass
class _Experiment:
    """A plan made concrete: configurations, corpus, folds, and what has been done."""

    plan: CvPlan
    configs: dict[str, TrainConfig]
    spec: ModelSpec  # the first system's; every system shares its front end and feature settings
    signature: dict
    corpus: CorpusData
    folds: list
    reported: str
    done: dict[str, dict[int, dict]]


def _prepare(plan: CvPlan, run: CvRun, out_dir: Path, corpus: CorpusData | None) -> _Experiment:
    """Resolve the configurations, read the corpus, make the folds, check the folder."""
    from ssaser.data.splits import make_folds

    configs = plan.configs()
    signature = {"manifest": manifest_record(plan.manifest), "protocol": plan.protocol, "folds": plan.folds,
                 "test_fraction": plan.test_fraction, "split_seed": plan.split_seed,
                 "configs": {m: c.to_dict() for m, c in configs.items()}}
    if plan.emotions:  # only when set: folders of earlier runs keep their signature
        signature["emotions"] = plan.emotions
    if plan.val_by_speaker:
        signature["val_by_speaker"] = True
    if plan.folds_from:
        from ssaser.data.fold_files import read_fold_file

        signature["folds_from"] = {"source": str(plan.folds_from), "folds": read_fold_file(plan.folds_from)[1]}
    spec = next(iter(configs.values())).model_spec()
    corpus = corpus or load_corpus(plan.manifest, spec.feature_config, run.cache, progress=run.trainer.progress,
                                   frontend=spec.frontend, emotions=plan.emotions)
    if plan.folds_from:
        from ssaser.data.fold_files import assign_folds

        corpus.df = assign_folds(corpus.df, plan.folds_from)
    if run.name:
        corpus.name = run.name
    print_corpus_summary(corpus, "[cv]")
    fold_list = make_folds(corpus.df, plan.protocol, plan.folds, plan.split_seed, test_fraction=plan.test_fraction,
                           val_by_speaker=plan.val_by_speaker)
    check_same_run(out_dir, signature)  # only once the folds are valid: a typo leaves no trace
    reported = "test" if any(f.has_test for f in fold_list) else "val"
    return _Experiment(plan, configs, spec, signature, corpus, fold_list, reported, {m: {} for m in plan.models})


def _pending_tasks(exp: _Experiment, out_dir: Path, n_run: int, save_models: bool = False) -> list[FoldTask]:
    """Tasks of the first ``n_run`` folds without a ``result.json`` (those with one are loaded)."""
    tasks = []
    for k, fold in enumerate(exp.folds[:n_run]):
        for m in exp.plan.models:
            path = out_dir / m / f"fold_{k}" / "result.json"
            if path.is_file():
                exp.done[m][k] = json.loads(path.read_text())
            else:
                tasks.append(FoldTask(k, fold, m, exp.configs[m], out_dir / m / f"fold_{k}", exp.reported, save_models))
    return tasks


def _results(exp: _Experiment, run: CvRun, start: float) -> dict:
    first = next(iter(exp.configs.values()))
    return assemble_results(exp.corpus, exp.folds, complete_prefix(exp.done), exp.signature, first.preset,
                            exp.reported, run.command, start)


def _record(exp: _Experiment, run: CvRun, out_dir: Path, start: float, task: FoldTask, entry: dict) -> None:
    """Keep a finished task's entry; write the partial results and report of the folds all systems finished."""
    exp.done[task.model][task.k] = entry
    print(f"[cv] fold {task.k + 1}/{len(exp.folds)}, {task.model}: {exp.reported} UAR {100 * entry['uar']:.1f}% "
          f"(best epoch {entry['best_epoch'] + 1} of {entry['epochs']}, {entry['seconds']:.0f} s)", flush=True)
    # Partial results after every task: an interrupted run still has a readable summary.
    if any(complete_prefix(exp.done).values()):
        partial = _results(exp, run, start)
        atomic_write_json(partial, out_dir / "results.json")
        write_report(partial, out_dir / "report.md")


def run_cv(plan: CvPlan, out_dir: str | Path, run: CvRun | None = None, corpus: CorpusData | None = None) -> dict:
    """Cross-validate ``plan.models`` and write ``results.json``, ``report.md`` and the figures.

    Parameters
    ----------
    plan : CvPlan
        The experiment (corpus, systems, protocol, folds, configuration overrides).
    out_dir : str or Path
        Output folder; a rerun into it skips finished folds and resumes the interrupted one.
    run : CvRun, optional
        How it runs (cache, trainer options, parallel jobs, first folds only, names).
    corpus : CorpusData, optional
        The corpus already loaded (tests); default: read from ``plan.manifest``.

    Returns
    -------
    dict
        The content of ``results.json`` (empty on a non-zero DDP rank).
    """
    run = run or CvRun()
    start = time.time()
    # Dozens of fits: keep Lightning's per-fit banners (accelerator, tips) out of the console.
    for logger in ("lightning.pytorch", "lightning.fabric"):
        logging.getLogger(logger).setLevel(logging.WARNING)
    if run.max_folds is not None and run.max_folds < 1:
        raise SsaserError(f"max_folds must be at least 1, got {run.max_folds}")
    if run.jobs < 1:
        raise SsaserError(f"jobs must be at least 1, got {run.jobs}")
    out_dir = Path(out_dir)
    exp = _prepare(plan, run, out_dir, corpus)
    tasks = _pending_tasks(exp, out_dir, min(len(exp.folds), run.max_folds or len(exp.folds)), run.save_models)

    def on_done(task: FoldTask, entry: dict) -> None:
        _record(exp, run, out_dir, start, task, entry)

    if run.executor not in ("local", "dask"):
        raise SsaserError(f"unknown executor {run.executor!r}; choose local or dask")
    if run.executor == "dask" and tasks:
        run_on_dask_cluster(exp, run, tasks, on_done)
    elif run.jobs > 1 and tasks:
        run_in_workers(exp, run, tasks, on_done)
    elif not run_here(exp, run, tasks, on_done):
        return {}
    results = _results(exp, run, start)
    atomic_write_json(results, out_dir / "results.json")
    write_outputs(results, out_dir)
    return results
