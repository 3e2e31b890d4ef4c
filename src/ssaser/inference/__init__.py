"""Inference: the :class:`Recognizer` API, emotion timelines, speaker enrolment, ONNX export.

``Recognizer.from_pretrained(model_dir)`` then ``classify_file``, ``classify``,
``classify_batch``, ``timeline``; results are :class:`Prediction` / :class:`Timeline`. Never
imports :mod:`ssaser.training`.
"""

from ssaser.inference.enrollment import SpeakerStats, SpeakerStatsError, enroll
from ssaser.inference.recognizer import Recognizer, default_onnx_path, prepare_array
from ssaser.inference.results import Normalization, Prediction, SegmentResult
from ssaser.inference.timeline import Timeline

__all__ = [
    "Normalization",
    "Prediction",
    "Recognizer",
    "SegmentResult",
    "SpeakerStats",
    "SpeakerStatsError",
    "Timeline",
    "default_onnx_path",
    "enroll",
    "prepare_array",
]
