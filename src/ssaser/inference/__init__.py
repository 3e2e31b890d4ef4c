"""Inference: the :class:`Recognizer` API, emotion timelines, speaker enrolment, ONNX export.

``Recognizer.from_pretrained(model_dir)`` then ``classify_file``, ``classify``,
``classify_batch``, ``timeline``; results are :class:`Prediction` / :class:`Timeline`. Never
imports :mod:`ssaser.training`.

Names are imported on first use (PEP 562): the command line reaches light modules such as
``ssaser.inference.timeline`` or ``ssaser.inference.limits`` without loading torch.
"""

from __future__ import annotations

from ssaser.lazy_imports import lazy_getattr

_EXPORTS = {
    "Normalization": "results", "Prediction": "results", "SegmentResult": "results",
    "Recognizer": "recognizer", "default_onnx_path": "backends", "prepare_array": "recognizer",
    "SpeakerStats": "enrollment", "SpeakerStatsError": "enrollment", "enroll": "enrollment",
    "Timeline": "timeline", "InferenceLimits": "limits", "WorkLimitError": "limits",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
