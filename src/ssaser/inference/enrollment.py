"""Speaker enrolment: normalisation statistics of one speaker from a few of their recordings.

The paper normalises features per speaker. At inference a new speaker's statistics come from a
few recordings of theirs (``ssaser enroll``), fitted exactly as the model's per-speaker
statistics were (:class:`~ssaser.features.SpeakerNormalizer` on unsegmented features); without
them the model's global statistics are used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ssaser.atomic_files import atomic_write_json
from ssaser.errors import SsaserError
from ssaser.features import FeatureConfig, SpeakerNormalizer, compute_features
from ssaser.features.normalize import checked_stats

STATS_FORMAT = "ssaser-speaker-stats"
STATS_VERSION = 1


class SpeakerStatsError(SsaserError):
    """A speaker stats file that is missing, malformed or made for other features."""


@dataclass(frozen=True)
class SpeakerStats:
    """Per-channel, per-band feature statistics of one speaker.

    Attributes
    ----------
    mean, std : np.ndarray
        ``(3, n_mels)`` float64.
    feature_config : FeatureConfig
        Front-end settings the statistics were computed with.
    frames : int
        Feature frames they were fitted on.
    files : list of str
        The enrolment recordings.
    speaker : str or None
        Optional name, for the record.
    """

    mean: np.ndarray
    std: np.ndarray
    feature_config: FeatureConfig
    frames: int
    files: list[str] = field(default_factory=list)
    speaker: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": STATS_FORMAT, "version": STATS_VERSION, "speaker": self.speaker,
            "feature_config": self.feature_config.to_dict(), "frames": self.frames,
            "files": list(self.files), "mean": self.mean.tolist(), "std": self.std.tolist(),
        }

    def save(self, path: str | Path) -> Path:
        """Write the JSON atomically (a temporary file renamed into place)."""
        return atomic_write_json(self.to_dict(), path)

    @classmethod
    def load(cls, path: str | Path) -> "SpeakerStats":
        """Read a stats file written by :meth:`save` (``ssaser enroll``)."""
        path = Path(path)
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            raise SpeakerStatsError(f"{path}: speaker stats file not found") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SpeakerStatsError(f"{path}: not a speaker stats JSON file ({exc})") from None
        if not isinstance(data, dict) or data.get("format") != STATS_FORMAT:
            raise SpeakerStatsError(f"{path}: not a speaker stats file (made by `ssaser enroll`)")
        try:
            config = FeatureConfig.from_dict(data["feature_config"])
        except (KeyError, TypeError, ValueError) as exc:
            raise SpeakerStatsError(f"{path}: malformed speaker stats ({exc})") from None
        try:
            mean, std = checked_stats(data.get("mean"), data.get("std"), (3, config.n_mels), str(path))
        except ValueError as exc:
            raise SpeakerStatsError(str(exc)) from None
        return cls(mean, std, config, int(data.get("frames", 0)), list(data.get("files", [])),
                   data.get("speaker"))

    def check_compatible(self, config: FeatureConfig, source: str) -> None:
        """Raise :class:`SpeakerStatsError` unless the stats were made with ``config``."""
        if self.feature_config != config:
            raise SpeakerStatsError(f"{source}: computed with other feature settings than the model's "
                                    f"({self.feature_config.digest()} vs {config.digest()})")


def enroll(
    paths: Sequence[str | Path], config: FeatureConfig | None = None, speaker: str | None = None,
    std_floor: float = SpeakerNormalizer().std_floor,
) -> SpeakerStats:
    """Fit one speaker's statistics on their recordings.

    Parameters
    ----------
    paths : sequence of path
        Enrolment recordings (any format :func:`ssaser.audio.load_audio` reads); a few seconds
        to a minute of speech in all is typical.
    config : FeatureConfig, optional
        The model's feature settings (default ``FeatureConfig()``).
    speaker : str, optional
        A name stored in the file.
    std_floor : float
        Lower bound of the stds (the model's normaliser uses the same default).

    Raises
    ------
    AudioError
        For any unreadable recording (enrolment needs them all).
    """
    from ssaser.audio import load_audio

    if not paths:
        raise SpeakerStatsError("enrolment needs at least one recording")
    config = config or FeatureConfig()
    features = (compute_features(load_audio(p, config.sample_rate), config, source=str(p)) for p in paths)
    normalizer = SpeakerNormalizer(std_floor=std_floor).fit(features, ["enrolled"] * len(paths))
    mean, std = normalizer.stats_for("enrolled")
    return SpeakerStats(mean, std, config, normalizer.frames["enrolled"], [str(p) for p in paths], speaker)


def resolve_stats(model, speaker_stats: SpeakerStats | None = None, speaker: str | None = None,
                  stats_source: str | None = None):
    """The ``(3, n_mels)`` float32 statistics a model normalises with, and which they are.

    Enrolled ``speaker_stats`` win over a training ``speaker`` of the model, which wins over
    the model's global statistics.

    Returns
    -------
    mean, std : np.ndarray
        ``(3, n_mels)`` float32, contiguous.
    normalization : Normalization
        ``speaker-stats``, ``model-speaker`` or ``global``.

    Raises
    ------
    SsaserError
        Statistics made for other features, or a speaker the model did not train on.
    """
    from ssaser.inference.results import Normalization

    known = model.normalizer.speakers if model.normalizer is not None else {}
    if speaker_stats is not None:
        speaker_stats.check_compatible(model.feature_config, stats_source or "speaker stats")
        mean, std = speaker_stats.mean, speaker_stats.std
        normalization = Normalization("speaker-stats", stats_source or speaker_stats.speaker)
    elif speaker is not None:
        if str(speaker) not in known:
            names = ", ".join(sorted(known)) or "none stored"
            raise SsaserError(f"speaker {speaker!r} is not one of the model's training speakers ({names})")
        mean, std = model.speaker_stats(speaker)
        normalization = Normalization("model-speaker", str(speaker))
    else:
        mean, std = model.speaker_stats(None)
        normalization = Normalization("global")
    return (np.ascontiguousarray(np.asarray(mean, dtype=np.float32)),
            np.ascontiguousarray(np.asarray(std, dtype=np.float32)), normalization)
