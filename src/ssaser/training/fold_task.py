"""One (fold, system) training of a cross-validation, and running many of them in parallel.

A task trains one system on one fold, scores it and writes ``<model>/fold_<k>/result.json``
and ``outputs.npz`` atomically: the unit that ``ssaser cv`` resumes by. :func:`run_parallel`
spreads tasks over worker processes (``ssaser cv --jobs N``), each with its share of the CPU
threads: on a 2-core machine two 1-thread trainings use the cores better than one 2-thread
training, whose small per-op work keeps the second thread waiting at barriers.
"""

from __future__ import annotations

import time
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from ssaser.atomic_files import atomic_write_json
from ssaser.data.fold import Fold
from ssaser.features.frontends import DEFAULT_FRONTEND
from ssaser.training.config import TrainConfig
from ssaser.training.corpus_data import CorpusData, load_corpus
from ssaser.training.experiment import to_ser_model, train_fold
from ssaser.training.fit import TrainerOptions
from ssaser.training.fold_sets import build_fold_sets, fold_set_options
from ssaser.training.provenance import provenance
from ssaser.training.worker_pool import worker_pool


@dataclass(frozen=True)
class FoldTask:
    """What one worker needs to train ``model`` on fold ``k`` (picklable)."""

    k: int
    fold: Fold
    model: str
    config: TrainConfig
    fold_dir: Path
    reported: str  # "val" or "test"
    save_model: bool = False  # also write fold_dir/model, a model directory (ssaser predict/evaluate)


def estimated_cost(task: FoldTask) -> float:
    """Relative work of a training: epochs x CRNN branches x GFLOP per segment of a branch
    (folds of one corpus have about the same number of segments)."""
    from ssaser.models.registry import get_system

    _, gflop = task.config.model_spec().model_config.cost()
    return task.config.epochs * (2 if get_system(task.model).speaker_branch else 1) * gflop


def longest_first(tasks: Sequence[FoldTask]) -> list[FoldTask]:
    """``tasks`` in decreasing :func:`estimated_cost` (stable: folds keep their order within a system).

    Parallel workers given the long trainings first finish together: in fold order, the last
    fold's SSA-CRNN-r (about twice an ACRNN's work) ran alone at the end while the other workers
    idled (benchmarks/README.md: the RAVDESS 6-fold schedule 6,659 s -> 6,242 s on 2 workers).
    """
    return sorted(tasks, key=estimated_cost, reverse=True)  # the key is computed once per task


def padded_frames(segment: np.ndarray) -> int:
    """Trailing frames of a ``(3, frames, n_mels)`` normalised segment that are zero padding.

    Padding is one constant frame after normalisation (every padded frame equals the last one),
    which real audio never repeats exactly.
    """
    frames = segment.reshape(segment.shape[0], segment.shape[1], -1).transpose(1, 0, 2).reshape(segment.shape[1], -1)
    same = np.all(frames == frames[-1], axis=1)
    run = int(np.argmin(same[::-1])) if not same.all() else len(same)
    return run if run > 1 else 0


def _sample_for_attention(outputs: dict, data) -> dict[str, np.ndarray]:
    """One reported segment with its attention weights: the most confident correct one among
    those that are at least 90 % audio (else the least padded), so the figure shows speech."""
    probs = outputs["probs"]
    truth = data.emotion.numpy()
    segments = data.segments.numpy()
    frames = segments.shape[2]
    audio_share = 1.0 - np.array([padded_frames(s) for s in segments]) / frames
    correct = np.flatnonzero(probs.argmax(1) == truth)
    pool = correct if correct.size else np.arange(probs.shape[0])
    mostly_audio = pool[audio_share[pool] >= 0.9]
    pool = mostly_audio if mostly_audio.size else pool[audio_share[pool] == audio_share[pool].max()]
    i = int(pool[np.argmax(probs[pool].max(1))])
    sample = {"sample_features": segments[i], "sample_label": np.int64(truth[i]),
              "sample_padded_frames": np.int64(padded_frames(segments[i]))}
    for key, value in outputs.items():
        if key.startswith("attention/"):
            sample[f"sample_{key.split('/', 1)[1]}"] = value[i]
    return sample


def save_fold(fold_dir: Path, fold, trained, reported: str, seconds: float,
              speakers: Sequence[str] | None = None, labels: Sequence[str] | None = None,
              norms: dict[str, dict] | None = None) -> dict:
    """Write one fold's result.json and outputs.npz; return the result entry.

    ``speakers`` (of the reported part's utterances, in order) and ``labels`` add ``per_speaker``:
    each speaker's UAR and largest share of one predicted class (collapse on an unseen voice).
    ``norms`` (:func:`both_normalisations`) adds ``unseen_speaker_norms``.
    """
    m = trained.metrics[reported]
    data = getattr(trained.sets, reported)
    outputs = trained.outputs[reported]
    per_speaker = {}
    if speakers is not None and labels is not None:
        from ssaser.evaluation.metrics import speaker_breakdown

        per_speaker = {"per_speaker": speaker_breakdown(data.utterance_emotion, outputs["utterance_probs"].argmax(1),
                                                        speakers, labels)}
    from ssaser.evaluation.attention_stats import attention_summary

    weights = {k.split("/", 1)[1]: v for k, v in outputs.items() if k.startswith("attention/")}
    entry = {
        "fold": fold.fold, **m, **per_speaker,
        "attention": attention_summary(weights, data.segments),
        **({"unseen_speaker_norms": norms} if norms else {}),
        "best_epoch": trained.fit.best_epoch, "epochs": trained.fit.epochs,
        "val": trained.metrics.get("val"), "test": trained.metrics.get("test"),
        "history": trained.fit.history,
        "split": fold.to_dict(),
        "train_speakers": trained.sets.speakers,
        "seconds": round(seconds, 1),
        **provenance(trained.fit.precision),
    }
    np.savez_compressed(
        fold_dir / "outputs.npz",
        embeddings=outputs["utterance_embeddings"], labels=data.utterance_emotion,
        probs=outputs["utterance_probs"], **_sample_for_attention(outputs, data),
        # the speaker of each utterance: an ensemble of runs (ssaser ensemble) breaks its score down by them
        **({"speakers": np.asarray([str(s) for s in speakers])} if speakers is not None else {}),
    )
    atomic_write_json(entry, fold_dir / "result.json")
    last = fold_dir / "checkpoints" / "last.ckpt"
    last.unlink(missing_ok=True)  # the fold is done: only the best-UAR checkpoint is kept
    return entry


def forget_stale_checkpoints(fold_dir: Path) -> None:
    """Without a ``last.ckpt`` to resume from, older checkpoints belong to an invalidated run."""
    if not (fold_dir / "checkpoints" / "last.ckpt").is_file():
        for stale in (fold_dir / "checkpoints").glob("*.ckpt"):
            stale.unlink(missing_ok=True)  # DDP ranks may race here


def task_sets(corpus: CorpusData, task: FoldTask):
    """The task's fold as normalised segments (statistics from its training rows only)."""
    fold = task.fold
    return build_fold_sets(corpus, fold.train.tolist(), fold.val.tolist(), fold.test.tolist(),
                           **fold_set_options(task.config))


def run_task(corpus: CorpusData, task: FoldTask, options: TrainerOptions, sets=None) -> dict | None:
    """Train, score and save one task; the result entry (None on a non-zero DDP rank).

    ``sets`` (:func:`task_sets` of this task) may be passed to share them between systems.
    """
    t0 = time.time()
    fold = task.fold
    if sets is None:
        sets = task_sets(corpus, task)
    forget_stale_checkpoints(task.fold_dir)
    trained = train_fold(corpus, sets, task.config, task.fold_dir, options, resume=True)
    if not trained.fit.is_global_zero:
        return None
    if task.save_model:
        from ssaser.models.model_dir import save_model_dir

        save_model_dir(task.fold_dir / "model", to_ser_model(trained, corpus),
                       {"fold": fold.to_dict(), "config": task.config.to_dict(), "best_epoch": trained.fit.best_epoch,
                        "epochs": trained.fit.epochs, task.reported: trained.metrics[task.reported]})
    reported_rows = trained.sets.rows[task.reported]
    speakers = corpus.df["speaker"].astype(str).to_numpy()[reported_rows].tolist()
    norms = both_normalisations(corpus, task, trained)
    return save_fold(task.fold_dir, fold, trained, task.reported, time.time() - t0, speakers, corpus.emotions, norms)


def both_normalisations(corpus: CorpusData, task: FoldTask, trained) -> dict[str, dict]:
    """The test part scored with unseen speakers normalised both ways, by the same trained model.

    ``{"global": metrics, "self": metrics}`` (one of them the reported figure) when the test part
    holds speakers absent from training; else empty. ``self`` uses the test speakers' own
    unlabelled audio (transductive); the trained weights are the same either way.
    """
    from ssaser.training.fold_sets import build_part, unseen_speakers
    from ssaser.training.fit import score_set

    rows = trained.sets.rows.get("test", [])
    if task.reported != "test" or not unseen_speakers(corpus, rows, trained.sets.speakers):
        return {}
    used = task.config.unseen_speaker_norm
    other = "self" if used == "global" else "global"
    part = build_part(corpus, trained.sets.normalizer, trained.sets.speakers, rows, task.config.segment_hop, other)
    metrics, _ = score_set(trained.fit.module.system, part, len(corpus.emotions))
    return {used: trained.metrics["test"], other: metrics}


# --- worker processes -------------------------------------------------------------------

_WORKER: dict = {}


def setup_worker(threads: int) -> None:
    """In a worker process (``--jobs`` or a Dask worker): its torch threads, Lightning's per-fit
    banners off, and the package's warnings as one ``ssaser cv: warning:`` line, as in the parent."""
    import logging
    import warnings

    import torch

    from ssaser.errors import warning_lines

    warnings.showwarning = warning_lines("ssaser cv")
    torch.set_num_threads(threads)
    for logger in ("lightning.pytorch", "lightning.fabric"):
        logging.getLogger(logger).setLevel(logging.WARNING)


def task_options(options: TrainerOptions, task: FoldTask) -> TrainerOptions:
    """The trainer options of one task: its ``--no-progress`` lines name the system and fold."""
    return replace(options, epoch_label=f"[cv] {task.model} fold {task.k + 1}")


def _init_worker(manifest: list[str], feature_options: dict, cache: str | None, threads: int,
                 options: TrainerOptions, frontend: str, emotions: str | None) -> None:
    setup_worker(threads)
    # The parent computed every feature already: this only reads the cache.
    _WORKER["corpus"] = load_corpus(manifest, feature_options, cache, progress=False, frontend=frontend,
                                    emotions=emotions)
    _WORKER["options"] = options


def _run_in_worker(task: FoldTask) -> tuple[FoldTask, dict]:
    return task, run_task(_WORKER["corpus"], task, task_options(_WORKER["options"], task))


def run_parallel(tasks: Sequence[FoldTask], jobs: int, manifest: str | Path | Sequence[str | Path],
                 feature_options: dict, cache: str | Path | None, options: TrainerOptions,
                 frontend: str = DEFAULT_FRONTEND, emotions: str | None = None) -> Iterator[tuple[FoldTask, dict]]:
    """Run ``tasks`` in ``jobs`` worker processes; yield ``(task, entry)`` as each finishes.

    Workers (:func:`~ssaser.training.worker_pool.worker_pool`) split the parent's torch threads
    between them; an error, Ctrl-C or SIGTERM in the parent cancels the queued tasks and kills
    the running ones (a rerun resumes them from their last checkpoints). Progress bars are off in workers
    (several bars would garble one terminal): workers print a line every 5 epochs instead, and
    each finished task is reported by the caller.
    """
    import torch

    threads = max(1, torch.get_num_threads() // jobs)
    worker_options = replace(options, progress=False)
    manifests = [str(manifest)] if isinstance(manifest, (str, Path)) else [str(m) for m in manifest]
    initargs = (manifests, feature_options, None if cache is None else str(cache), threads, worker_options,
                frontend, emotions)
    with worker_pool(jobs, _init_worker, initargs) as pool:
        pending = {pool.submit(_run_in_worker, task) for task in tasks}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()  # a worker's error is raised here, as itself; the pool then stops
