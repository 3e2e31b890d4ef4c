"""Cut a stream of audio blocks into the model's fixed-length windows, with bounded memory.

A window is ``segment_frames`` feature frames starting at frame ``start``. To give each window
exactly the features that the whole utterance would have had (the deltas look +-``context``
frames around each frame), every window's audio *span* carries up to ``context`` frames on
each side; the graph computes the front end on the span and keeps the window's frames
(``offset`` = left context actually present). At the true start and end of the audio there is
no extra context, so the front end's edge handling is the same as on the whole utterance: a
streamed prediction equals the in-memory one.

Every span is widened to the same length, ``segment_frames + 2 * context`` frames, with more of
the real audio around it where the audio has it (more context changes none of the window's
frames): an edge window's span has the length of any other, so windows of every file and every
position share one batch (:func:`ssaser.inference.backends.score_jobs`). Only audio shorter than
one full span gives a shorter span (the whole audio).

Only the samples still needed by a future window are kept, so memory is bounded by two spans
plus one block, whatever the audio's length.

Several window sequences (step ``hop`` frames each, e.g. the non-overlapping segments and a
timeline's hop) are served in one pass: a start needed by both is computed once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from ssaser.errors import AudioError
from ssaser.features import FeatureConfig


@dataclass
class WindowJob:
    """One window to score.

    Attributes
    ----------
    key : Any
        The caller's tag of the stream it belongs to.
    start : int
        First frame of the window (``start * hop_length`` samples from the audio start).
    valid : int
        Frames of real audio in it (``segment_frames`` except near the end; the rest is padding).
    offset : int
        Frames of ``wave`` before ``start`` (left context, and audio that only widens the span).
    wave : np.ndarray
        ``(span_samples,)`` float32 audio of the span.
    """

    key: Any
    start: int
    valid: int
    offset: int
    wave: np.ndarray


@dataclass
class StreamEnd:
    """Marks the end of one stream; every window of that stream has been yielded before it."""

    key: Any
    total_frames: int
    total_samples: int


def window_included(start: int, hop: int, total_frames: int, segment_frames: int) -> bool:
    """Whether the sequence of step ``hop`` has a window at frame ``start``.

    Windows start at ``0, hop, 2 hop, ...``; there are ``1 + ceil(max(0, T - S) / hop)`` of them
    (for ``hop = S``, the ``segment_features`` count: the last one holds the end and is padded).
    """
    if start % hop or start >= total_frames:
        return False
    return start == 0 or start - hop < total_frames - segment_frames


def count_windows(total_frames: int, hops: Sequence[int], segment_frames: int) -> int:
    """Windows that :func:`iter_window_jobs` yields for ``total_frames`` frames and these hops.

    Exact for one hop; for several, the sum over the hops, an upper bound (a start that two
    sequences share is computed once). Closed form, without touching any audio: what a
    request's work is checked against before it runs.
    """
    if total_frames <= 0:
        return 0
    span = max(0, total_frames - segment_frames)
    counts = [1 + -(-span // hop) for hop in hops]  # starts 0, hop, ... (window_included)
    return sum(counts)


def _next_start(start: int, hops: Sequence[int]) -> int:
    return min((start // hop + 1) * hop for hop in hops)


def iter_window_jobs(
    blocks: Iterable[np.ndarray],
    config: FeatureConfig,
    hops: Sequence[int],
    *,
    key: Any = None,
    source: str = "<audio>",
    context: int | None = None,
) -> Iterator[WindowJob | StreamEnd]:
    """Yield the window jobs of a block stream, then one :class:`StreamEnd`.

    Parameters
    ----------
    blocks : iterable of np.ndarray
        ``(samples,)`` float32 mono blocks at ``config.sample_rate``, any lengths.
    config : FeatureConfig
        Window, hop and segment sizes.
    hops : sequence of int
        Steps in frames of the window sequences wanted (e.g. ``[300, 100]``).
    key : Any
        Tag copied into every job.
    source : str
        Name used in the error for audio shorter than one analysis window.
    context : int, optional
        Frames of context each side (the front end's ``context``); default ``2 * delta_width``,
        the log-Mel's deltas of deltas.

    Raises
    ------
    AudioError
        When the whole stream is shorter than one analysis window.
    """
    seg, hop_len, win = config.segment_frames, config.hop_length, config.win_length
    ctx = 2 * config.delta_width if context is None else context
    full = seg + 2 * ctx  # frames of every span (one batch shape for all windows)
    buf = np.zeros(0, dtype=np.float32)
    buf_start = 0  # absolute sample index of buf[0]
    start = 0

    def job(first: int, last: int) -> WindowJob:
        """Window at ``start`` whose span holds frames ``[first, last)``."""
        lo, hi = first * hop_len - buf_start, (last - 1) * hop_len + win - buf_start
        valid = min(seg, last - start)
        return WindowJob(key, start, valid, start - first, np.array(buf[lo:hi], dtype=np.float32))

    for block in blocks:
        buf = np.concatenate([buf, np.asarray(block, dtype=np.float32)]) if buf.size else np.asarray(block, np.float32)
        while True:
            first = max(0, start - ctx)
            last = first + full  # holds the window and its right context, and widens the span
            if buf_start + buf.size < (last - 1) * hop_len + win:
                break  # a later block completes this window (or the stream ends first)
            yield job(first, last)
            start = _next_start(start, hops)
            # Keep a full span of history: the last windows widen their spans to the left.
            drop = max(0, start - full) * hop_len - buf_start
            buf, buf_start = buf[drop:], buf_start + drop
    total_samples = buf_start + buf.size
    total = config.num_frames(total_samples)
    if total == 0:
        raise AudioError(source, f"shorter than one analysis window ({win} samples at {config.sample_rate} Hz)")
    while start < total:
        if any(window_included(start, hop, total, seg) for hop in hops):
            # The span ends with the audio; it takes a full span's frames before that where there are.
            yield job(max(0, total - full), total)
        start = _next_start(start, hops)
    yield StreamEnd(key, total, total_samples)


def chunk_array(wave: np.ndarray, block_samples: int) -> Iterator[np.ndarray]:
    """Views of ``wave (samples,)`` in blocks of ``block_samples`` (feeds an in-memory array)."""
    for lo in range(0, max(1, wave.size), block_samples):
        yield wave[lo:lo + block_samples]
