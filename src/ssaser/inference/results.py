"""What a recognizer returns: per-utterance predictions, per-segment scores, timelines.

Every result is a frozen dataclass with ``to_dict()`` giving the JSON that ``ssaser predict
--json`` prints and ``POST /predict`` returns, so the CLI, the service and the Python API
cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Normalization:
    """Which feature statistics normalised the input (paper: per-speaker zero mean, unit variance).

    Attributes
    ----------
    kind : {"global", "speaker-stats", "model-speaker"}
        ``global``: the model's statistics over all its training speakers (the fallback);
        ``speaker-stats``: a stats file from ``ssaser enroll``; ``model-speaker``: the stored
        statistics of one of the model's training speakers.
    source : str or None
        The stats file (``speaker-stats``) or speaker name (``model-speaker``).
    """

    kind: str
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "source": self.source}

    def describe(self) -> str:
        """Short text for tables: ``global`` or ``speaker-stats:FILE``."""
        return self.kind if self.source is None else f"{self.kind}:{self.source}"


def scores_dict(labels: list[str], probs: np.ndarray) -> dict[str, float]:
    """``{label: probability}`` in the model's label order, as plain floats (JSON-able)."""
    return {label: float(p) for label, p in zip(labels, probs)}


@dataclass(frozen=True)
class SegmentResult:
    """Scores of one analysis window.

    Attributes
    ----------
    start, end : float
        Seconds from the start of the audio; ``end`` is clipped to the audio's duration.
    label : str
        Top label of this window.
    scores : dict of str to float
        Posterior per label (sums to 1), in the model's label order.
    """

    start: float
    end: float
    label: str
    scores: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {"start": round(self.start, 4), "end": round(self.end, 4), "label": self.label,
                "scores": dict(self.scores)}


@dataclass(frozen=True)
class Prediction:
    """One utterance's prediction: the mean of its 3 s segments' posteriors (paper section 3.2).

    Attributes
    ----------
    source : str
        File path, upload name or ``"<array>"``.
    label : str
        Top label.
    score : float
        Its posterior.
    scores : dict of str to float
        Mean posterior per label, in the model's label order.
    segments : list of SegmentResult
        The non-overlapping segments (the last one zero-padded), in time order.
    normalization : Normalization
        Which statistics normalised the features.
    duration : float
        Seconds of audio at the model's rate.
    """

    source: str
    label: str
    score: float
    scores: dict[str, float]
    segments: list[SegmentResult] = field(default_factory=list)
    normalization: Normalization = field(default_factory=lambda: Normalization("global"))
    duration: float = 0.0

    def to_hf(self) -> list[dict[str, Any]]:
        """Hugging Face ``audio-classification`` style: ``[{"label", "score"}]``, best first."""
        ranked = sorted(self.scores.items(), key=lambda item: item[1], reverse=True)
        return [{"label": label, "score": score} for label, score in ranked]

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``ssaser predict --json`` (one element) and of ``POST /predict``."""
        return {
            "file": self.source,
            "label": self.label,
            "score": self.score,
            "scores": dict(self.scores),
            "duration": round(self.duration, 4),
            "normalization": self.normalization.to_dict(),
            "segments": [segment.to_dict() for segment in self.segments],
        }


def mean_prediction(
    source: str, labels: list[str], segments: list[SegmentResult], normalization: Normalization,
    duration: float,
) -> Prediction:
    """Average the segments' posteriors into one :class:`Prediction`."""
    probs = np.mean([[s.scores[label] for label in labels] for s in segments], axis=0)
    top = int(np.argmax(probs))
    return Prediction(source=source, label=labels[top], score=float(probs[top]),
                      scores=scores_dict(labels, probs), segments=segments,
                      normalization=normalization, duration=duration)
