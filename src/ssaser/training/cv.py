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
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Mapping, Sequence

from ssaser.errors import SsaserError
from ssaser.evaluation.metrics import paired_comparisons, summarize_folds
from ssaser.evaluation.outputs import write_outputs
from ssaser.evaluation.report import write_report
from ssaser.models import get_preset
from ssaser.atomic_files import atomic_write_json
from ssaser.training.config import TrainConfig, load_config
from ssaser.training.experiment import CorpusData, load_corpus
from ssaser.training.fit import TrainerOptions
from ssaser.training.fold_task import FoldTask, run_parallel, run_task, task_sets
from ssaser.training.provenance import machine_description


def _complete_prefix(done: Mapping[str, Mapping[int, dict]]) -> dict[str, list[dict]]:
    """Per system, the entries of folds 0..K-1, K being the first fold some system lacks."""
    k = 0
    while done and all(k in entries for entries in done.values()):
        k += 1
    return {m: [entries[i] for i in range(k)] for m, entries in done.items()}


def _check_same_run(out_dir: Path, signature: dict) -> None:
    path = out_dir / "cv_config.json"
    if path.is_file():
        previous = json.loads(path.read_text())
        if previous != signature:
            changed = sorted(k for k in set(previous) | set(signature) if previous.get(k) != signature.get(k))
            raise SsaserError(f"{out_dir} holds a run with another configuration ({', '.join(changed)} differ): "
                              "use another --out")
    else:
        atomic_write_json(signature, path)


def assemble_results(corpus: CorpusData, fold_list: list, entries: dict[str, list[dict]], signature: dict,
                     preset: str, reported: str, command: str | None, start: float) -> dict:
    """The ``results.json`` mapping of the folds finished so far (``folds_completed``)."""
    done = min(len(e) for e in entries.values())
    models = {m: {"folds": e[:done], "summary": summarize_folds(e[:done])} for m, e in entries.items()}
    return {
        "corpus": {"name": corpus.name, "manifest": signature["manifest"], "utterances": len(corpus.df),
                   "speakers": int(corpus.df["speaker"].nunique()), "emotions": corpus.emotions},
        "protocol": signature["protocol"], "folds": len(fold_list), "folds_completed": done,
        "folds_description": [f.describe() for f in fold_list],
        "test_fraction": signature["test_fraction"], "split_seed": signature["split_seed"],
        "reported_split": "test" if reported == "test" else "validation",
        "selection_saw_reported_data": reported == "val",
        "preset": preset,
        "configs": signature["configs"],
        # The resolved network sizes and options (defaults included), as the runs used them.
        "model_configs": {m: get_preset(c["preset"], **c["model_options"]).to_dict()
                          for m, c in signature["configs"].items()},
        "models": models,
        # UAR of each two systems compared fold by fold (ssaser.evaluation.paired_comparisons).
        "paired": paired_comparisons(models),
        "run": {
            "command": command or " ".join(sys.argv),
            "machine": machine_description(),
            "wall_seconds_this_invocation": round(time.time() - start, 1),
            "training_seconds_all_folds": round(sum(x["seconds"] for e in entries.values() for x in e), 1),
        },
    }


def run_cv(
    manifest: str | Path,
    models: Sequence[str],
    protocol: str,
    folds: int | None,
    out_dir: str | Path,
    overrides: Mapping | None = None,
    test_fraction: float = 0.0,
    split_seed: int = 0,
    cache: str | Path | None = None,
    options: TrainerOptions | None = None,
    command: str | None = None,
    corpus: CorpusData | None = None,
    max_folds: int | None = None,
    name: str | None = None,
    jobs: int = 1,
) -> dict:
    """Cross-validate ``models`` and write ``results.json``, ``report.md`` and the figures.

    Parameters
    ----------
    manifest : str or Path
        Manifest CSV.
    models : sequence of str
        Systems; each starts from its packaged ``configs/<model>.yaml``.
    protocol : str
        ``sd-random``, ``sd-phrase`` or ``loso`` (:func:`ssaser.data.splits.make_folds`).
    folds : int or None
        Number of folds (None: 10, or one per speaker for ``loso``).
    out_dir : str or Path
        Output folder.
    overrides : mapping, optional
        Configuration keys applied to every system (``--set``, ``--epochs`` ...).
    test_fraction : float
        Share held out as a test part that model selection never sees (0: the paper's protocol,
        selection and report on the same validation part).
    split_seed : int
        Seed of the fold assignment.
    max_folds : int, optional
        Train only the first ``max_folds`` of the ``folds`` (the same folds as a full run, so a
        later full run into the same folder continues from there); ``folds_completed`` says so.
    name : str, optional
        Corpus name for the report and ``results.json`` (default: the manifest's folder name).
    jobs : int
        Trainings run side by side in worker processes, each with its share of the torch
        threads (:func:`ssaser.training.fold_task.run_parallel`); 1 runs them in this process.

    Returns
    -------
    dict
        The content of ``results.json``.
    """
    from ssaser.data.splits import make_folds

    start = time.time()
    # Dozens of fits: keep Lightning's per-fit banners (accelerator, tips) out of the console.
    for logger in ("lightning.pytorch", "lightning.fabric"):
        logging.getLogger(logger).setLevel(logging.WARNING)
    out_dir = Path(out_dir)
    options = options or TrainerOptions()
    configs: dict[str, TrainConfig] = {m: load_config(m, overrides=overrides) for m in models}
    feature_sets = {json.dumps(c.feature_options, sort_keys=True) for c in configs.values()}
    if len(feature_sets) > 1:
        raise SsaserError("all systems of a cv run must use the same feature_options")
    signature = {"manifest": str(Path(manifest).resolve()), "protocol": protocol, "folds": folds,
                 "test_fraction": test_fraction, "split_seed": split_seed,
                 "configs": {m: c.to_dict() for m, c in configs.items()}}
    if max_folds is not None and max_folds < 1:
        raise SsaserError(f"max_folds must be at least 1, got {max_folds}")
    if jobs < 1:
        raise SsaserError(f"jobs must be at least 1, got {jobs}")
    first = next(iter(configs.values()))
    corpus = corpus or load_corpus(manifest, first.feature_options, cache, progress=options.progress)
    if name:
        corpus.name = name
    fold_list = make_folds(corpus.df, protocol, folds, split_seed, test_fraction=test_fraction)
    n_run = min(len(fold_list), max_folds or len(fold_list))
    _check_same_run(out_dir, signature)  # only once the folds are valid: a typo leaves no trace
    reported = "test" if any(f.has_test for f in fold_list) else "val"
    done: dict[str, dict[int, dict]] = {m: {} for m in models}
    tasks = []
    for k, fold in enumerate(fold_list[:n_run]):
        for m in models:
            path = out_dir / m / f"fold_{k}" / "result.json"
            if path.is_file():
                done[m][k] = json.loads(path.read_text())
            else:
                tasks.append(FoldTask(k, fold, m, configs[m], out_dir / m / f"fold_{k}", reported))

    def finished(task: FoldTask, entry: dict) -> None:
        done[task.model][task.k] = entry
        print(f"[cv] fold {task.k + 1}/{len(fold_list)}, {task.model}: {reported} UAR {100 * entry['uar']:.1f}% "
              f"(best epoch {entry['best_epoch']}, {entry['seconds']:.0f} s)", flush=True)
        # Partial results after every task: an interrupted run still has a readable summary.
        prefix = _complete_prefix(done)
        if any(prefix.values()):
            partial = assemble_results(corpus, fold_list, prefix, signature, first.preset, reported, command, start)
            atomic_write_json(partial, out_dir / "results.json")
            write_report(partial, out_dir / "report.md")

    is_zero = True
    if jobs > 1 and tasks:
        if options.strategy not in ("auto", None) or str(options.devices) not in ("auto", "1"):
            raise SsaserError("--jobs runs folds side by side on one machine: not with --strategy/--devices")
        print(f"[cv] {len(tasks)} trainings in {jobs} parallel jobs", flush=True)
        # closing(): an exception here (Ctrl-C, SIGTERM) stops the workers now, not when collected.
        with closing(run_parallel(tasks, jobs, manifest, first.feature_options, cache, options)) as trainings:
            for task, entry in trainings:
                finished(task, entry)
    else:
        sets, sets_key = None, None
        for task in tasks:
            if sets_key != (task.k, task.config.segment_hop):  # a fold's segments, shared by its systems
                sets, sets_key = task_sets(corpus, task), (task.k, task.config.segment_hop)
            print(f"[cv] {task.model}: {task.fold.describe()}", flush=True)
            entry = run_task(corpus, task, options, sets)
            is_zero = entry is not None
            if is_zero:
                finished(task, entry)
    if not is_zero:
        return {}
    results = assemble_results(corpus, fold_list, _complete_prefix(done), signature, first.preset, reported, command, start)
    atomic_write_json(results, out_dir / "results.json")
    write_outputs(results, out_dir)
    return results
