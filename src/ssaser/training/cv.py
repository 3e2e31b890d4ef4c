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
import os
import platform
import sys
import time
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import torch

from ssaser.errors import SsaserError
from ssaser.evaluation.metrics import summarize_folds
from ssaser.evaluation.outputs import write_outputs
from ssaser.evaluation.report import write_report
from ssaser.models import get_preset
from ssaser.training.checkpoint import atomic_write_json
from ssaser.training.config import TrainConfig, load_config
from ssaser.training.experiment import CorpusData, build_fold_sets, load_corpus, train_fold
from ssaser.training.fit import TrainerOptions


def machine_description() -> str:
    """One line naming the machine a run used (for results files)."""
    cpu = platform.processor() or platform.machine()
    try:  # Linux names the CPU model here; platform.processor() often says only "x86_64"
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            cpu = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), cpu)
    except OSError:
        pass
    gpu = f", GPU {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else ""
    return (f"{platform.node()} ({platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} logical CPUs, "
            f"torch {torch.__version__} with {torch.get_num_threads()} threads{gpu})")


def _sample_for_attention(outputs: dict, data) -> dict[str, np.ndarray]:
    """One reported segment (the most confident correct one) with its attention weights."""
    probs = outputs["probs"]
    truth = data.emotion.numpy()
    correct = np.flatnonzero(probs.argmax(1) == truth)
    pool = correct if correct.size else np.arange(probs.shape[0])
    i = int(pool[np.argmax(probs[pool].max(1))])
    sample = {"sample_features": data.segments[i].numpy(), "sample_label": np.int64(truth[i])}
    for key, value in outputs.items():
        if key.startswith("attention/"):
            sample[f"sample_{key.split('/', 1)[1]}"] = value[i]
    return sample


def _save_fold(fold_dir: Path, fold, trained, reported: str, seconds: float) -> dict:
    """Write one fold's result.json and outputs.npz; return the result entry."""
    m = trained.metrics[reported]
    data = getattr(trained.sets, reported)
    outputs = trained.outputs[reported]
    entry = {
        "fold": fold.fold, **m,
        "best_epoch": trained.fit.best_epoch, "epochs": trained.fit.epochs,
        "val": trained.metrics.get("val"), "test": trained.metrics.get("test"),
        "history": trained.fit.history,
        "split": fold.to_dict(),
        "train_speakers": trained.sets.speakers,
        "seconds": round(seconds, 1),
    }
    np.savez_compressed(
        fold_dir / "outputs.npz",
        embeddings=outputs["utterance_embeddings"], labels=data.utterance_emotion,
        probs=outputs["utterance_probs"], **_sample_for_attention(outputs, data),
    )
    atomic_write_json(entry, fold_dir / "result.json")
    last = fold_dir / "checkpoints" / "last.ckpt"
    last.unlink(missing_ok=True)  # the fold is done: only the best-UAR checkpoint is kept
    return entry


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
        "models": {m: {"folds": e[:done], "summary": summarize_folds(e[:done])} for m, e in entries.items()},
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
    first = next(iter(configs.values()))
    corpus = corpus or load_corpus(manifest, first.feature_options, cache, progress=options.progress)
    if name:
        corpus.name = name
    fold_list = make_folds(corpus.df, protocol, folds, split_seed, test_fraction=test_fraction)
    if max_folds is not None and max_folds < 1:
        raise SsaserError(f"max_folds must be at least 1, got {max_folds}")
    n_run = min(len(fold_list), max_folds or len(fold_list))
    _check_same_run(out_dir, signature)  # only once the folds are valid: a typo leaves no trace
    reported = "test" if any(f.has_test for f in fold_list) else "val"
    entries: dict[str, list[dict]] = {m: [] for m in models}
    is_zero = True
    for k, fold in enumerate(fold_list[:n_run]):
        todo = [m for m in models if not (out_dir / m / f"fold_{k}" / "result.json").is_file()]
        for m in models:
            if m not in todo:
                entries[m].append(json.loads((out_dir / m / f"fold_{k}" / "result.json").read_text()))
        if not todo:
            continue
        train_rows, val_rows, test_rows = (fold.train.tolist(), fold.val.tolist(), fold.test.tolist())
        sets = build_fold_sets(corpus, train_rows, val_rows, test_rows, first.segment_hop)
        for m in todo:
            fold_dir = out_dir / m / f"fold_{k}"
            print(f"[cv] {m}: {fold.describe()}", flush=True)
            t0 = time.time()
            if not (fold_dir / "checkpoints" / "last.ckpt").is_file():
                # No run to resume: stale checkpoints of a finished-then-invalidated fold go.
                for stale in (fold_dir / "checkpoints").glob("*.ckpt"):
                    stale.unlink(missing_ok=True)  # DDP ranks may race here
            trained = train_fold(corpus, sets, configs[m], fold_dir, options, resume=True)
            is_zero = trained.fit.is_global_zero
            if not is_zero:
                continue
            entry = _save_fold(fold_dir, fold, trained, reported, time.time() - t0)
            entries[m].append(entry)
            print(f"[cv] fold {k + 1}/{len(fold_list)}, {m}: {reported} UAR {100 * entry['uar']:.1f}% "
                  f"(best epoch {entry['best_epoch']}, {entry['seconds']:.0f} s)", flush=True)
        if is_zero and k + 1 < n_run:
            # Partial results after every fold: an interrupted run still has a readable summary.
            partial = assemble_results(corpus, fold_list, entries, signature, first.preset, reported, command, start)
            atomic_write_json(partial, out_dir / "results.json")
            write_report(partial, out_dir / "report.md")
    if not is_zero:
        return {}
    results = assemble_results(corpus, fold_list, entries, signature, first.preset, reported, command, start)
    atomic_write_json(results, out_dir / "results.json")
    write_outputs(results, out_dir)
    return results
