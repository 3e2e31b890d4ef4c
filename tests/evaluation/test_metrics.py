"""UAR/WA/F1, utterance aggregation and fold confidence intervals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import recall_score

from ssaser.evaluation.metrics import (
    aggregate_utterances,
    classification_metrics,
    mean_ci,
    paired_comparisons,
    paired_difference,
    summarize_folds,
)


def test_uar_is_mean_of_per_class_recalls_and_differs_from_wa():
    y_true = [0, 0, 0, 0, 0, 0, 1, 1, 2, 2]
    y_pred = [0, 0, 0, 0, 0, 0, 0, 1, 0, 2]
    m = classification_metrics(y_true, y_pred, 3)
    recalls = recall_score(y_true, y_pred, average=None)
    assert m["uar"] == pytest.approx(np.mean(recalls)) == pytest.approx((1 + 0.5 + 0.5) / 3)
    assert m["wa"] == pytest.approx(0.8)
    assert m["confusion"] == [[6, 0, 0], [1, 1, 0], [1, 0, 1]]
    assert m["n"] == 10


def test_confusion_keeps_rows_of_absent_classes():
    m = classification_metrics([0, 1], [1, 1], 4)
    assert np.asarray(m["confusion"]).shape == (4, 4)
    assert m["uar"] == pytest.approx(0.5)


def test_uar_ignores_absent_classes_without_warning_even_when_predicted():
    # A leave-one-speaker-out fold may lack a class that the model still predicts.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = classification_metrics([0, 0, 1, 1], [0, 3, 1, 1], 4)
    assert m["uar"] == pytest.approx((0.5 + 1.0) / 2)


def test_utterance_posterior_is_mean_of_its_segments():
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.6, 0.4]])
    utt = np.array([0, 0, 0, 1])
    agg = aggregate_utterances(probs, utt)
    np.testing.assert_allclose(agg, [[1.4 / 3, 1.6 / 3], [0.6, 0.4]])
    # A majority vote would say class 1 for utterance 0 too, but a confident segment can flip a mean:
    probs2 = np.array([[0.99, 0.01], [0.4, 0.6], [0.4, 0.6]])
    assert aggregate_utterances(probs2, np.zeros(3, int)).argmax(1)[0] == 0


def test_aggregate_rejects_utterance_without_segment():
    with pytest.raises(ValueError, match="without any segment"):
        aggregate_utterances(np.ones((2, 2)), np.array([0, 2]), 3)


def test_mean_ci_matches_student_t():
    values = [0.61, 0.65, 0.70, 0.58, 0.66]
    mean, half = mean_ci(values)
    lo, hi = stats.t.interval(0.95, len(values) - 1, loc=np.mean(values), scale=stats.sem(values))
    assert mean == pytest.approx(np.mean(values))
    assert half == pytest.approx((hi - lo) / 2)
    assert math.isnan(mean_ci([0.5])[1])


def test_summarize_folds_sums_confusions():
    folds = [classification_metrics([0, 1], [0, 1], 2), classification_metrics([0, 1], [1, 1], 2)]
    s = summarize_folds(folds)
    assert s["uar"]["values"] == [1.0, 0.5]
    assert s["uar"]["mean"] == pytest.approx(0.75)
    assert s["confusion"] == [[1, 1], [0, 2]]
    assert summarize_folds(folds[:1])["uar"]["ci95"] is None


def test_paired_difference_removes_the_folds_own_spread():
    rng = np.random.default_rng(0)
    baseline = rng.uniform(0.3, 0.9, 12)  # folds of very different difficulty
    candidate = baseline + 0.03 + rng.normal(0, 0.01, 12)
    d = paired_difference(baseline, candidate)
    # Unpaired, the two systems' intervals overlap; paired, the gain is clear.
    assert mean_ci(baseline)[1] > 0.05 and mean_ci(candidate)[1] > 0.05
    assert d["mean"] - d["ci95"] > 0
    lo, hi = stats.ttest_rel(candidate, baseline).confidence_interval(0.95)
    assert d["mean"] == pytest.approx(np.mean(candidate - baseline))
    assert d["ci95"] == pytest.approx((hi - lo) / 2)
    assert d["wilcoxon_p"] == pytest.approx(stats.wilcoxon(candidate - baseline).pvalue)
    assert (d["better"], d["worse"], d["tied"]) == (12, 0, 0)


def test_paired_difference_counts_ties_despite_float_noise():
    d = paired_difference([0.1 + 0.2, 0.5, 0.5, 0.7], [0.3, 0.6, 0.4, 0.9])
    assert (d["better"], d["worse"], d["tied"]) == (2, 1, 1)
    assert d["wilcoxon_p"] == pytest.approx(stats.wilcoxon([0.1, -0.1, 0.2]).pvalue)
    assert paired_difference([0.5, 0.6], [0.5, 0.6])["wilcoxon_p"] == 1.0
    single = paired_difference([0.5], [0.7])
    assert single["ci95"] is None and single["wilcoxon_p"] is None and single["better"] == 1
    with pytest.raises(ValueError, match="one value per fold"):
        paired_difference([0.5, 0.6], [0.5])


def test_paired_comparisons_pair_the_shared_folds():
    def system(uars, first=0):
        return {"folds": [{"fold": first + k, "uar": u} for k, u in enumerate(uars)]}

    models = {"a": system([0.5, 0.6, 0.7]), "b": system([0.6, 0.8], first=1), "c": system([0.9])}
    [pair] = paired_comparisons(models)  # c shares one fold only: no comparison
    assert (pair["baseline"], pair["candidate"], pair["folds"]) == ("a", "b", [1, 2])
    assert pair["mean"] == pytest.approx(0.05) and (pair["better"], pair["worse"]) == (1, 0)
