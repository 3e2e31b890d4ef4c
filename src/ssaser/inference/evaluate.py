"""Score a trained model on labelled manifests it was not trained on (``ssaser evaluate``).

The manifests are read on the canonical emotion vocabulary (:mod:`ssaser.data.emotions`), so a
model trained on RAVDESS's labels scores EmoDB's; rows of a class the model does not predict are
left out and counted. Utterances are classified as ``ssaser predict`` does (windows batched
across files), with the model's global statistics or, transductively, each speaker's own
(``self``: statistics fitted on that speaker's unlabelled audio in the evaluated set, as
``ssaser enroll`` does).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from ssaser.data.combined import read_manifests
from ssaser.data.emotions import canonical_emotion
from ssaser.errors import SsaserError
from ssaser.evaluation.metrics import classification_metrics, speaker_breakdown
from ssaser.inference.corpus import classify_files
from ssaser.inference.recognizer import Recognizer

SPEAKER_NORMS = {"global": "the model's training statistics (no test-speaker audio used)",
                 "self": "each speaker's own statistics from their unlabelled audio in this set (transductive)"}


@dataclass
class Evaluation:
    """What :func:`evaluate_manifests` measured.

    Attributes
    ----------
    labels : list of str
        The model's classes, in its order (confusion rows and columns).
    metrics : dict
        Utterance-level ``uar``, ``wa``, ``macro_f1``, ``confusion``, ``n``.
    per_speaker : list of dict
        ``speaker``, ``n``, ``uar``, ``max_class_share``, ``max_class``.
    predictions : pandas.DataFrame
        One row per scored file: ``file``, ``speaker``, ``emotion``, ``predicted``, ``score``.
    speaker_norm : str
        ``global`` or ``self``.
    left_out : dict
        ``"label": rows`` the model has no class for, plus the ``--emotions`` selection's drops.
    failed : list of (str, str)
        ``(file, error)`` for files that could not be read.
    """

    labels: list[str]
    metrics: dict
    per_speaker: list[dict]
    predictions: pd.DataFrame
    speaker_norm: str
    left_out: dict = field(default_factory=dict)
    failed: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"labels": self.labels, "metrics": self.metrics, "per_speaker": self.per_speaker,
                "unseen_speaker_norm": self.speaker_norm, "normalisation": SPEAKER_NORMS[self.speaker_norm],
                "left_out": self.left_out, "failed": [{"file": f, "error": e} for f, e in self.failed]}


def _classify(recognizer: Recognizer, files: list[str], failed: list, progress) -> dict[str, tuple[str, float]]:
    """``file -> (label, score)`` (:func:`ssaser.inference.corpus.classify_files`); failures to ``failed``."""
    out: dict[str, tuple[str, float]] = {}
    for result in classify_files(recognizer, files, progress=progress):
        if result.error is not None:
            failed.append((str(result.path), result.error))
        else:
            out[str(result.path)] = (result.prediction.label, result.prediction.score)
    return out


def evaluate_manifests(recognizer: Recognizer, manifests: str | Path | Sequence[str | Path],
                       emotions: str | None = None, speaker_norm: str = "global",
                       progress: bool = True) -> Evaluation:
    """Classify every utterance of the manifests and compute UAR, WA, macro-F1, confusion.

    Parameters
    ----------
    recognizer : Recognizer
        The model (its global statistics are used unless ``speaker_norm="self"``).
    manifests : path or sequence of paths
        Labelled manifests (file, speaker, emotion).
    emotions : str, optional
        ``--emotions``: classes to keep or merge before matching the model's classes.
    speaker_norm : {"global", "self"}
        How speakers are normalised (see the module docstring).
    progress : bool
        A progress bar over the files.

    Raises
    ------
    SsaserError
        No utterance of a class the model predicts, or an unknown ``speaker_norm``.
    """
    from tqdm import tqdm

    if speaker_norm not in SPEAKER_NORMS:
        raise SsaserError(f"unknown speaker normalisation {speaker_norm!r}; choose {' or '.join(SPEAKER_NORMS)}")
    table = read_manifests(manifests, emotions)
    df = table.df
    model_classes = [canonical_emotion(label) for label in recognizer.labels]
    known = df["emotion"].isin(model_classes)
    left_out = dict(Counter(f"{label} (not a class of the model)" for label in df.loc[~known, "emotion"]))
    if table.dropped:
        left_out["--emotions"] = table.dropped_text()
    df = df[known].reset_index(drop=True)
    if df.empty:
        raise SsaserError(f"no utterance of a class the model predicts ({', '.join(recognizer.labels)})")
    failed: list[tuple[str, str]] = []
    bar = tqdm(total=len(df), desc="evaluate", unit="file", disable=not progress)
    if speaker_norm == "global":
        results = _classify(recognizer, df["file"].tolist(), failed, bar.update)
    else:
        from ssaser.inference.enrollment import enroll

        floor = recognizer.model.normalizer.std_floor if recognizer.model.normalizer is not None else None
        results = {}
        for speaker, rows in df.groupby("speaker", sort=True):
            files = rows["file"].tolist()
            stats = enroll(files, recognizer.feature_config, speaker=str(speaker),
                           **({"std_floor": floor} if floor is not None else {}))
            own = recognizer.with_speaker_stats(stats, f"self:{speaker}")
            results.update(_classify(own, files, failed, bar.update))
    bar.close()
    scored = df[df["file"].isin(results.keys())].reset_index(drop=True)
    scored["predicted"] = [results[f][0] for f in scored["file"]]
    scored["score"] = [round(results[f][1], 4) for f in scored["file"]]
    index = {label: i for i, label in enumerate(model_classes)}
    y_true = scored["emotion"].map(index).to_numpy()
    y_pred = np.array([index[canonical_emotion(p)] for p in scored["predicted"]], dtype=np.int64)
    metrics = classification_metrics(y_true, y_pred, len(model_classes))
    per_speaker = speaker_breakdown(y_true, y_pred, scored["speaker"].tolist(), list(recognizer.labels))
    columns = [c for c in ("file", "corpus", "speaker", "emotion", "predicted", "score") if c in scored]
    return Evaluation(list(recognizer.labels), metrics, per_speaker, scored[columns], speaker_norm, left_out, failed)
