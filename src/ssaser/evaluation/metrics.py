"""Utterance-level metrics (UAR, WA, macro-F1, confusion) and fold statistics.

UAR (unweighted average recall) is the mean of the recalls of the classes present, i.e.
sklearn's ``balanced_accuracy_score``; WA (weighted accuracy) is plain accuracy. Both are computed on
utterances, whose posterior is the mean of their segments' posteriors (paper, section 3.2).
"""

from __future__ import annotations

import math
from itertools import combinations
from typing import Iterable, Mapping, Sequence

import numpy as np
from scipy import stats
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, recall_score


def aggregate_utterances(
    segment_probs: np.ndarray, utterance_index: np.ndarray, n_utterances: int | None = None
) -> np.ndarray:
    """Average segment posteriors into utterance posteriors.

    Parameters
    ----------
    segment_probs : np.ndarray
        ``(segments, classes)`` posteriors (softmax outputs) of every segment.
    utterance_index : np.ndarray
        ``(segments,)`` integer index of the utterance each segment comes from, in
        ``[0, n_utterances)``.
    n_utterances : int, optional
        Number of utterances; defaults to ``utterance_index.max() + 1``.

    Returns
    -------
    np.ndarray
        ``(n_utterances, classes)`` mean posterior of each utterance's segments.

    Raises
    ------
    ValueError
        If an utterance has no segment (its mean would be undefined).
    """
    probs = np.asarray(segment_probs, dtype=np.float64)
    index = np.asarray(utterance_index, dtype=np.int64)
    if probs.ndim != 2 or index.shape != (probs.shape[0],):
        raise ValueError(f"expected (segments, classes) and (segments,), got {probs.shape} and {index.shape}")
    n = int(index.max()) + 1 if n_utterances is None else int(n_utterances)
    sums = np.zeros((n, probs.shape[1]))
    np.add.at(sums, index, probs)
    counts = np.bincount(index, minlength=n).astype(np.float64)
    if np.any(counts == 0):
        raise ValueError(f"{int(np.sum(counts == 0))} utterance(s) without any segment")
    return sums / counts[:, None]


def classification_metrics(
    y_true: Sequence[int] | np.ndarray, y_pred: Sequence[int] | np.ndarray, n_classes: int
) -> dict:
    """UAR, WA, macro-F1 and the confusion matrix of integer predictions.

    Parameters
    ----------
    y_true, y_pred : array-like
        ``(utterances,)`` class indices in ``[0, n_classes)``.
    n_classes : int
        Number of classes; classes absent from ``y_true`` are left out of UAR (a recall of
        a class with no example is undefined) but keep their row in the confusion matrix.

    Returns
    -------
    dict
        ``uar``, ``wa``, ``macro_f1`` (floats in [0, 1]), ``confusion`` (``(n_classes,
        n_classes)`` nested list of counts, rows = true class, columns = predicted) and ``n``.
    """
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    labels = list(range(n_classes))
    present = sorted(set(y_true.tolist()))
    return {
        # recall over the present classes = balanced accuracy, without sklearn's warning when a
        # speaker-independent fold lacks a class that the model still predicts
        "uar": float(recall_score(y_true, y_pred, labels=present, average="macro", zero_division=0)),
        "wa": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)),
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        "n": int(y_true.size),
    }


def mean_ci(values: Iterable[float], confidence: float = 0.95) -> tuple[float, float]:
    """Mean and half-width of its two-sided confidence interval (Student's t).

    Parameters
    ----------
    values : iterable of float
        One value per fold.
    confidence : float
        Coverage of the interval, 0.95 for the paper's "+-" figures.

    Returns
    -------
    (float, float)
        The mean and ``t_{(1+confidence)/2, n-1} * s / sqrt(n)``; the half-width is NaN for a
        single value (no spread can be estimated from one fold).
    """
    x = np.asarray(list(values), dtype=np.float64)
    if x.size == 0:
        raise ValueError("no values")
    if x.size == 1:
        return float(x[0]), math.nan
    half = stats.t.ppf((1 + confidence) / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size)
    return float(x.mean()), float(half)


def summarize_folds(fold_metrics: Sequence[dict], keys: Sequence[str] = ("uar", "wa", "macro_f1")) -> dict:
    """Mean and 95% CI of each metric over folds, plus the summed confusion matrix.

    Parameters
    ----------
    fold_metrics : sequence of dict
        Outputs of :func:`classification_metrics`, one per fold.

    Returns
    -------
    dict
        ``{key: {"mean", "ci95", "values"}}`` for each key and ``confusion`` (sum over folds).
    """
    summary: dict = {}
    for key in keys:
        values = [float(m[key]) for m in fold_metrics]
        mean, half = mean_ci(values)
        summary[key] = {"mean": mean, "ci95": None if math.isnan(half) else half, "values": values}
    summary["confusion"] = np.sum([np.asarray(m["confusion"]) for m in fold_metrics], axis=0).tolist()
    return summary


def paired_difference(baseline: Sequence[float], candidate: Sequence[float], confidence: float = 0.95) -> dict:
    """How ``candidate`` differs from ``baseline`` on the same folds (paired, fold by fold).

    Systems evaluated on the same folds share each fold's difficulty (which speaker is held out,
    which utterances are tested); that spread dominates the per-system intervals, and pairing
    removes it.

    Parameters
    ----------
    baseline, candidate : sequence of float
        One value per fold, the same folds in the same order, e.g. UAR in [0, 1].
    confidence : float
        Coverage of the interval of the mean difference.

    Returns
    -------
    dict
        ``mean`` and ``ci95`` (half-width, Student's t; None for one fold) of ``candidate -
        baseline``; ``better``, ``worse``, ``tied``: fold counts; ``wilcoxon_p``: two-sided
        Wilcoxon signed-rank p-value (tied folds dropped; 1.0 when every fold is tied, None for
        one fold).
    """
    a = np.asarray(baseline, dtype=np.float64)
    b = np.asarray(candidate, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"need one value per fold for both systems, got shapes {a.shape} and {b.shape}")
    diff = b - a
    # UARs of small folds repeat exactly; float noise from averaging must not break a tie.
    diff[np.isclose(diff, 0.0, atol=1e-9)] = 0.0
    mean, half = mean_ci(diff, confidence)
    if diff.size < 2:
        p = None
    elif not diff.any():
        p = 1.0
    else:
        p = float(stats.wilcoxon(diff, zero_method="wilcox", alternative="two-sided").pvalue)
    return {
        "mean": mean,
        "ci95": None if math.isnan(half) else half,
        "better": int((diff > 0).sum()),
        "worse": int((diff < 0).sum()),
        "tied": int((diff == 0).sum()),
        "wilcoxon_p": p,
    }


def paired_comparisons(models: Mapping[str, Mapping], key: str = "uar") -> list[dict]:
    """:func:`paired_difference` of ``key`` for each two systems, on the folds both ran.

    Parameters
    ----------
    models : mapping
        ``{system: {"folds": [{"fold": int, key: float, ...}, ...]}}`` as in ``results.json``.

    Returns
    -------
    list of dict
        One per pair sharing two folds or more, in the systems' order (``candidate`` after
        ``baseline``): ``baseline``, ``candidate``, ``metric``, ``folds`` and the
        :func:`paired_difference` keys (of ``candidate - baseline``).
    """
    pairs = []
    for base, cand in combinations(models, 2):
        base_values = {f["fold"]: f[key] for f in models[base]["folds"]}
        shared = [f for f in models[cand]["folds"] if f["fold"] in base_values]
        if len(shared) < 2:
            continue
        diff = paired_difference([base_values[f["fold"]] for f in shared], [f[key] for f in shared])
        pairs.append({"baseline": base, "candidate": cand, "metric": key,
                      "folds": [f["fold"] for f in shared], **diff})
    return pairs


def speaker_breakdown(y_true: Sequence[int] | np.ndarray, y_pred: Sequence[int] | np.ndarray,
                      speakers: Sequence[str], labels: Sequence[str]) -> list[dict]:
    """Per speaker: utterances, UAR, and the largest share of one predicted class.

    The share shows collapse on an unseen voice (every utterance predicted as one class gives
    1.0 whatever the UAR says; a balanced speaker scored perfectly gives ``1 / classes``).

    Parameters
    ----------
    y_true, y_pred : array-like
        ``(utterances,)`` class indices.
    speakers : sequence of str
        ``(utterances,)`` speaker of each utterance.
    labels : sequence of str
        Class names in index order.

    Returns
    -------
    list of dict
        ``speaker``, ``n``, ``uar``, ``max_class_share``, ``max_class`` per speaker, sorted by speaker.
    """
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    speakers = np.asarray([str(s) for s in speakers])
    rows = []
    for speaker in sorted(set(speakers.tolist())):
        mask = speakers == speaker
        counts = np.bincount(y_pred[mask], minlength=len(labels))
        rows.append({
            "speaker": speaker, "n": int(mask.sum()),
            "uar": classification_metrics(y_true[mask], y_pred[mask], len(labels))["uar"],
            "max_class_share": float(counts.max() / mask.sum()), "max_class": labels[int(counts.argmax())],
        })
    return rows
