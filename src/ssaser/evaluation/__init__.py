"""Metrics, fold statistics, plots and reports shared by training and inference.

``ssaser.evaluation`` imports nothing from ``ssaser.training`` so that inference code may use
its metrics too; the plotting helpers import matplotlib lazily (Agg backend).
"""

from ssaser.evaluation.metrics import (
    aggregate_utterances,
    classification_metrics,
    mean_ci,
    paired_comparisons,
    paired_difference,
    summarize_folds,
)

__all__ = ["aggregate_utterances", "classification_metrics", "mean_ci", "paired_comparisons", "paired_difference", "summarize_folds"]
