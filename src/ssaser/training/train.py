"""``ssaser train`` as a library function: one system on one manifest, a model directory out.

:func:`train_model` holds out ``config.val_fraction`` of the utterances (stratified by emotion
and speaker) to pick the best-UAR epoch, then writes ``OUT/model`` (``save_model_dir``: what
``ssaser predict``, ``serve`` and :class:`~ssaser.inference.Recognizer` load),
``OUT/checkpoints`` (best and last, atomic), ``OUT/logs`` (CSV, TensorBoard) and
``OUT/train.json`` (configuration, history, validation scores, machine). Beside it,
:func:`ssaser.training.cv.run_cv` is the cross-validation one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ssaser.data.combined import manifest_record

from ssaser.atomic_files import atomic_write_json
from ssaser.training.config import TrainConfig
from ssaser.training.corpus_data import load_corpus, print_corpus_summary
from ssaser.training.experiment import to_ser_model, train_fold
from ssaser.training.fit import TrainerOptions
from ssaser.training.fold_sets import build_fold_sets, fold_set_options
from ssaser.training.provenance import provenance


@dataclass(frozen=True)
class TrainResult:
    """What :func:`train_model` wrote.

    Attributes
    ----------
    model_dir : Path
        The model directory.
    summary : dict
        The content of ``train.json``.
    """

    model_dir: Path
    summary: dict

    @property
    def val(self) -> dict | None:
        """Utterance-level validation metrics of the selected epoch (None without validation)."""
        return self.summary.get("val")


def validation_split(df, fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Row positions (train, val): one ``sd-random`` split (stratified by speaker and emotion)."""
    from ssaser.data.splits import make_folds

    if fraction <= 0:
        return list(range(len(df))), []
    fold = make_folds(df, "sd-random", 1, seed, val_fraction=fraction)[0]
    return fold.train.tolist(), fold.val.tolist()


def train_model(manifest: str | Path | Sequence[str | Path], out: str | Path, config: TrainConfig,
                cache: str | Path | None = None, trainer: TrainerOptions | None = None, resume: bool = False,
                emotions: str | None = None) -> TrainResult | None:
    """Train ``config.model`` on a manifest and write a model directory.

    Parameters
    ----------
    manifest : str, Path or sequence of them
        Manifest CSV(s) (file, speaker, emotion, ...); several train together, on the canonical
        emotion names (:func:`ssaser.data.combined.read_manifests`).
    out : str or Path
        Output folder (gets ``model/``, ``checkpoints/``, ``logs/``, ``train.json``).
    config : TrainConfig
        The configuration (``ssaser.training.config.load_config``).
    cache : str or Path, optional
        Feature cache folder.
    trainer : TrainerOptions, optional
        Accelerator, devices, progress.
    resume : bool
        Continue from ``out/checkpoints/last.ckpt``.
    emotions : str, optional
        ``--emotions``: classes to keep or merge (:mod:`ssaser.data.emotions`).

    Returns
    -------
    TrainResult or None
        None on a non-zero DDP rank (rank 0 writes the outputs).
    """
    start = time.time()
    out = Path(out)
    spec = config.model_spec()  # a bad setting fails here, before any feature is computed
    config.check_augmentations()
    corpus = load_corpus(manifest, spec.feature_config, cache, progress=(trainer or TrainerOptions()).progress,
                         frontend=spec.frontend, emotions=emotions)
    print_corpus_summary(corpus, "[train]")
    train_rows, val_rows = validation_split(corpus.df, config.val_fraction, config.seed)
    sets = build_fold_sets(corpus, train_rows, val_rows, None, **fold_set_options(config))
    trained = train_fold(corpus, sets, config, out, trainer, resume=resume, spec=spec)
    if not trained.fit.is_global_zero:
        return None
    summary = {
        "manifest": manifest_record(manifest),
        **({"emotion_selection": emotions, "left_out": corpus.dropped} if emotions else {}),
        "config": config.to_dict(),
        "train_utterances": len(train_rows),
        "val_utterances": len(val_rows),
        "best_epoch": trained.fit.best_epoch,
        "epochs": trained.fit.epochs,
        "val": trained.metrics.get("val"),
        "history": trained.fit.history,
        "wall_seconds": round(time.time() - start, 1),
        **provenance(trained.fit.precision),
    }
    from ssaser.models.model_dir import save_model_dir

    model_dir = save_model_dir(out / "model", to_ser_model(trained, corpus),
                               {k: summary[k] for k in ("manifest", "config", "best_epoch", "epochs", "val")})
    atomic_write_json(summary, out / "train.json")
    return TrainResult(model_dir, summary)
