"""The Python API: :class:`Recognizer` classifies files, arrays and bytes, and makes timelines.

Every input goes through the same streaming path (:mod:`ssaser.inference.windows`): files are
read in blocks, so memory stays bounded whatever their length, and a streamed prediction equals
the one computed on the whole utterance in memory (as in training: whole-utterance features,
normalised, cut in 3 s segments, the last one zero-padded, segment posteriors averaged).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence, Union

import numpy as np
import torch

from ssaser.audio import AudioLimits, iter_audio_blocks, prepare_array
from ssaser.errors import SsaserError
from ssaser.features import FeatureConfig
from ssaser.features.frontends import get_frontend
from ssaser.inference.backends import Backend, TorchBackend, load_with_backend, score_jobs
from ssaser.inference.enrollment import SpeakerStats, resolve_stats
from ssaser.inference.ensemble import EnsembleBackend, check_members
from ssaser.inference.graph import build_graph
from ssaser.inference.limits import NO_LIMITS, InferenceLimits
from ssaser.inference.results import Prediction, SegmentResult, mean_prediction, scores_dict
from ssaser.inference.timeline import Timeline
from ssaser.inference.windows import (
    StreamEnd,
    WindowJob,
    chunk_array,
    count_windows,
    iter_window_jobs,
    window_included,
)
from ssaser.models import SerModel

#: Seconds of audio read per block from a file (memory per stream: one block plus one span).
BLOCK_SECONDS = 10.0

#: A file path, the bytes of an audio file, or an in-memory signal with its sample rate.
AudioInput = Union[str, Path, bytes, tuple[np.ndarray, int]]


@dataclass
class _Stream:
    source: str
    blocks: Iterable[np.ndarray]


class Recognizer:
    """Speech emotion recognizer around a trained model.

    Build it with :meth:`from_pretrained`. Thread-safe: calls keep no state (the service
    runs several at once).

    Parameters
    ----------
    model : SerModel
        The model (front end, system, labels, normalisation statistics), in eval mode.
    backend : Backend, optional
        Runs the inference graph; default PyTorch on ``model``.
    speaker_stats : SpeakerStats, optional
        Enrolled statistics of the speaker to recognise (``ssaser enroll``); wins over ``speaker``.
    speaker : str, optional
        One of the model's training speakers, to use its stored statistics.
    batch_size : int
        Windows per forward pass.
    stats_source : str, optional
        Where ``speaker_stats`` came from (reported in every result).
    info : dict, optional
        Free description (model directory, backend) shown by the service's ``/health``.
    limits : InferenceLimits
        Bounds of every call (default none); a call can pass stricter ones.
    members : sequence of (SerModel, Backend), optional
        Further models of the same emotions and features: an ensemble whose window posteriors
        are averaged (:mod:`ssaser.inference.ensemble`); each normalises with its own statistics.
    """

    def __init__(self, model: SerModel, backend: Backend | None = None, speaker_stats: SpeakerStats | None = None,
                 speaker: str | None = None, batch_size: int = 16, stats_source: str | None = None,
                 info: dict[str, Any] | None = None, limits: InferenceLimits = NO_LIMITS,
                 members: Sequence[tuple[SerModel, Backend]] = ()) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or not 1 <= batch_size <= 4096:
            raise SsaserError(f"batch size must be an integer in [1, 4096], got {batch_size!r}")
        self.limits = limits
        self.model = model.eval()
        self.backend = backend if backend is not None else TorchBackend(build_graph(model))
        self._own_backend, self._members = self.backend, list(members)  # for with_speaker_stats
        self.labels = list(model.emotions)
        self.feature_config: FeatureConfig = model.feature_config
        #: Frames of context each side a window needs (its front end's).
        self.context_frames = get_frontend(model.frontend_name).context(model.feature_config)
        self.batch_size = batch_size
        self.info = {"system": model.system_name, "backend": self.backend.name, **(info or {})}
        self._mean, self._std, self.normalization = resolve_stats(model, speaker_stats, speaker, stats_source)
        if members:
            check_members([model, *(m for m, _ in members)])
            # Each member normalises with its own statistics, resolved as the first model's were.
            self.backend = EnsembleBackend([(self.backend, self._mean, self._std),
                                            *((b, *resolve_stats(m, speaker_stats, speaker, stats_source)[:2])
                                              for m, b in members)])
            self.info.update(system=" + ".join([model.system_name, *(m.system_name for m, _ in members)]),
                             backend=self.backend.name)

    def with_speaker_stats(self, stats: SpeakerStats, source: str | None = None) -> "Recognizer":
        """The same model(s) and backend(s), every model normalising with ``stats`` instead."""
        return Recognizer(self.model, self._own_backend, stats, batch_size=self.batch_size, stats_source=source,
                          limits=self.limits, members=self._members)

    @classmethod
    def from_pretrained(cls, model_dir: str | Path, *, backend: str = "torch", onnx_path: str | Path | None = None,
                        speaker_stats: str | Path | None = None, speaker: str | None = None,
                        batch_size: int = 16, ensemble: Sequence[str | Path] = ()) -> "Recognizer":
        """Load a model directory (``config.json`` + ``model.safetensors``).

        Parameters
        ----------
        model_dir : path or str
            Made by ``ssaser train`` (or :func:`ssaser.models.save_model_dir`), or the name of a
            bundled model (``ssaser models``; :func:`ssaser.models.pretrained.resolve_model`).
        backend : {"torch", "onnx"}
            ``onnx`` runs the file from ``ssaser export`` with onnxruntime.
        onnx_path : path, optional
            The ONNX file; default ``MODEL_DIR/model.onnx``, else ``MODEL_DIR.onnx`` beside it.
        speaker_stats : path, optional
            A stats file from ``ssaser enroll``; default: the model's global statistics.
        speaker : str, optional
            Use the stored statistics of this training speaker instead.
        batch_size : int
            Windows per forward pass.
        ensemble : sequence of path or str, optional
            Further model directories (or bundled names) whose posteriors are averaged with this
            model's (same emotions and features; each on ``backend``, at its default ONNX path).
        """
        from ssaser.models.pretrained import resolve_model

        if backend not in ("torch", "onnx"):
            raise SsaserError(f"unknown backend {backend!r}; choose torch or onnx")
        dirs = [resolve_model(d) for d in (model_dir, *ensemble)]
        loaded = [load_with_backend(d, backend, onnx_path if i == 0 else None) for i, d in enumerate(dirs)]
        stats = SpeakerStats.load(speaker_stats) if speaker_stats is not None else None
        (model, runner), members = loaded[0], loaded[1:]
        # The directories' names only: a service must not show its file system to clients.
        return cls(model, runner, stats, speaker, batch_size, Path(speaker_stats).name if speaker_stats else None,
                   {"model": " + ".join(Path(d).resolve().name for d in dirs)}, members=members)

    @property
    def sample_rate(self) -> int:
        return self.feature_config.sample_rate

    @property
    def window_seconds(self) -> float:
        cfg = self.feature_config
        return cfg.segment_frames * cfg.hop_length / cfg.sample_rate

    # ---- public API ------------------------------------------------------------------------

    def classify(self, array: Any, sample_rate: int, source: str = "<array>") -> Prediction:
        """Classify a signal ``(samples,)`` or ``(samples, channels)`` at ``sample_rate``."""
        return self.classify_batch([(array, sample_rate)], sources=[source])[0]

    def classify_file(self, path: str | Path) -> Prediction:
        """Classify an audio file (read in blocks: any length)."""
        return self.classify_batch([path])[0]

    def classify_bytes(self, data: bytes, source: str = "<bytes>", limits: InferenceLimits | None = None) -> Prediction:
        """Classify an in-memory audio file (e.g. an upload), decoded block by block."""
        return self.classify_batch([data], sources=[source], limits=limits)[0]

    def classify_batch(self, inputs: Sequence[AudioInput], sources: Sequence[str] | None = None,
                       limits: InferenceLimits | None = None) -> list[Prediction]:
        """Classify several inputs, their windows batched together.

        Parameters
        ----------
        inputs : sequence of path, bytes or (array, sample_rate)
            Files, in-memory audio files, or signals with their rate.
        sources : sequence of str, optional
            Names for the results and errors (default: the path, ``<bytes>`` or ``<array>``).
        limits : InferenceLimits, optional
            Bounds of this call (default: the recognizer's).
        """
        limits = limits or self.limits
        streams = [self._stream(item, None if sources is None else sources[i], limits)
                   for i, item in enumerate(inputs)]
        return [prediction for prediction, _ in self._analyze(streams, None, limits)]

    def timeline(self, audio: AudioInput, hop: float = 1.0, source: str | None = None) -> Timeline:
        """Scores of sliding windows (``window_seconds`` long, every ``hop`` seconds)."""
        return self.analyze(audio, hop, source)[1]

    def analyze(self, audio: AudioInput, hop: float = 1.0, source: str | None = None,
                limits: InferenceLimits | None = None) -> tuple[Prediction, Timeline]:
        """The utterance prediction and the timeline, in one pass over the audio (files read in blocks)."""
        limits = limits or self.limits
        prediction, timeline = self._analyze([self._stream(audio, source, limits)], hop, limits)[0]
        assert timeline is not None
        return prediction, timeline

    # ---- internals -------------------------------------------------------------------------

    def _stream(self, item: AudioInput, source: str | None, limits: InferenceLimits) -> _Stream:
        if isinstance(item, (str, Path, bytes, bytearray)):
            name = source or (str(item) if isinstance(item, (str, Path)) else "<bytes>")
            blocks = iter_audio_blocks(bytes(item) if isinstance(item, bytearray) else item, BLOCK_SECONDS,
                                       self.sample_rate, limits.audio, source=name)
            return _Stream(name, blocks)
        if isinstance(item, tuple) and len(item) == 2:
            name = source or "<array>"
            wave = prepare_array(item[0], int(item[1]), self.sample_rate, name, limits.audio)
            return _Stream(name, chunk_array(wave, int(BLOCK_SECONDS * self.sample_rate)))
        raise SsaserError(f"expected a path, bytes or (array, sample_rate), got {type(item).__name__}")

    def hop_frames(self, hop: float, limits: InferenceLimits | None = None) -> int:
        """Frames per ``hop`` seconds.

        Raises
        ------
        SsaserError
            A hop that is not a finite number, shorter than one frame or than ``limits.min_hop``.
        """
        limits = limits or self.limits
        frame = self.feature_config.hop_length / self.sample_rate
        if isinstance(hop, bool) or not isinstance(hop, (int, float)) or not math.isfinite(hop):
            raise SsaserError(f"hop must be a finite number of seconds, got {hop!r}")
        smallest = max(frame, limits.min_hop or 0.0)
        if hop < smallest - 1e-12:
            raise SsaserError(f"hop must be at least {smallest:g} s, got {hop:g}")
        # Longer than the audio gives one window anyway; the cap keeps the frame count an int.
        return max(1, round(min(hop, 1e6) / frame))

    def estimate_windows(self, seconds: float, hop: float | None = None) -> int:
        """Windows a call scores for ``seconds`` of audio (and a timeline every ``hop`` s)."""
        cfg = self.feature_config
        frames = cfg.num_frames(round(seconds * cfg.sample_rate))
        hops = [cfg.segment_frames] + ([self.hop_frames(hop)] if hop is not None else [])
        return count_windows(frames, hops, cfg.segment_frames)

    def _jobs(self, streams: Sequence[_Stream], hops: list[int]) -> Iterator[WindowJob | StreamEnd]:
        for key, stream in enumerate(streams):
            yield from iter_window_jobs(stream.blocks, self.feature_config, hops, key=key, source=stream.source,
                                        context=self.context_frames)

    def _analyze(self, streams: Sequence[_Stream], hop: float | None,
                 limits: InferenceLimits) -> list[tuple[Prediction, Timeline | None]]:
        cfg = self.feature_config
        seg = cfg.segment_frames
        hop_frames = None if hop is None else self.hop_frames(hop, limits)
        hops = sorted({seg} | ({hop_frames} if hop_frames else set()))
        scored: dict[int, dict[int, np.ndarray]] = {}
        out: list[tuple[Prediction, Timeline | None]] = []
        deadline = limits.deadline()
        with torch.inference_mode():
            for item in score_jobs(self._jobs(streams, hops), self.backend, self._mean, self._std, self.batch_size):
                if isinstance(item, StreamEnd):
                    out.append(self._collect(streams[item.key].source, scored.pop(item.key, {}), item, hop_frames))
                else:
                    job, probs = item
                    windows = scored.setdefault(job.key, {})
                    windows[job.start] = probs
                    limits.check_windows(streams[job.key].source, len(windows))
                limits.check_time(streams[0].source, deadline)
        return out

    def _collect(self, source: str, probs: dict[int, np.ndarray], end: StreamEnd,
                 hop_frames: int | None) -> tuple[Prediction, Timeline | None]:
        """Turn the scored windows of one stream into its prediction (and timeline)."""
        cfg = self.feature_config
        seconds_per_frame = cfg.hop_length / cfg.sample_rate
        duration = end.total_samples / cfg.sample_rate

        def results(step: int) -> list[SegmentResult]:
            starts = [s for s in sorted(probs) if window_included(s, step, end.total_frames, cfg.segment_frames)]
            return [SegmentResult(s * seconds_per_frame, min((s + cfg.segment_frames) * seconds_per_frame, duration),
                                  self.labels[int(np.argmax(probs[s]))], scores_dict(self.labels, probs[s]))
                    for s in starts]

        prediction = mean_prediction(source, self.labels, results(cfg.segment_frames), self.normalization, duration)
        timeline = None
        if hop_frames is not None:
            timeline = Timeline(source, self.labels, hop_frames * seconds_per_frame, self.window_seconds, duration,
                                self.normalization, results(hop_frames))
        return prediction, timeline
