"""Inference: the :class:`Recognizer` API, emotion timelines, speaker enrolment, ONNX export.

``Recognizer.from_pretrained(model_dir)`` then ``classify_file``, ``classify``,
``classify_batch``, ``timeline``; results are :class:`Prediction` / :class:`Timeline`. Never
imports :mod:`ssaser.training`.

Names are imported on first use (PEP 562): the command line reaches light modules such as
``ssaser.inference.timeline`` or ``ssaser.inference.limits`` without loading torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Normalization": "results", "Prediction": "results", "SegmentResult": "results",
    "Recognizer": "recognizer", "default_onnx_path": "recognizer", "prepare_array": "recognizer",
    "SpeakerStats": "enrollment", "SpeakerStatsError": "enrollment", "enroll": "enrollment",
    "Timeline": "timeline", "InferenceLimits": "limits", "WorkLimitError": "limits",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'ssaser.inference' has no attribute {name!r}")
    return getattr(importlib.import_module(f"ssaser.inference.{_EXPORTS[name]}"), name)
