"""Reading audio files and bytes with soundfile (libsndfile), resampling with soxr.

Output convention everywhere: ``np.ndarray`` of shape ``(samples,)``, float32, mono (the
channels averaged), at ``sample_rate``, clipped to [-1, 1] (soxr's band limiting can overshoot
full scale by a fraction of a percent; float files may hold values past 1).
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO, Iterator, Sequence

import numpy as np
import soundfile as sf
import soxr

from ssaser.audio.header import (
    DEFAULT_LIMITS,
    AudioLimits,
    AudioSource,
    first_line,
    open_checked,
    resolve_source,
)
from ssaser.errors import AudioError

#: soxr quality; "HQ" is also what ``librosa.load`` uses by default (res_type="soxr_hq").
RESAMPLE_QUALITY = "HQ"


def _to_mono(block: np.ndarray) -> np.ndarray:
    """``(frames, channels)`` -> ``(frames,)`` float32 by averaging the channels."""
    mono = block.mean(axis=1, dtype=np.float64) if block.shape[1] > 1 else block[:, 0]
    return np.ascontiguousarray(mono, dtype=np.float32)


def _check_finite(block: np.ndarray, source: str) -> None:
    if not np.isfinite(block).all():
        raise AudioError(source, "holds NaN or infinite samples")


def _read_all(file: str | BinaryIO, source: str, sample_rate: int, limits: AudioLimits = DEFAULT_LIMITS) -> np.ndarray:
    with open_checked(file, source, limits) as handle:
        try:
            data = handle.read(dtype="float32", always_2d=True)
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise AudioError(source, f"cannot decode audio ({first_line(exc)})") from None
        rate = handle.samplerate
    if data.shape[0] == 0:
        raise AudioError(source, "holds no audio samples")
    limits.check(source, rate, data.shape[0])
    _check_finite(data, source)
    wave = _to_mono(data)
    if rate != sample_rate:
        wave = soxr.resample(wave, rate, sample_rate, quality=RESAMPLE_QUALITY).astype(np.float32)
    return np.clip(wave, -1.0, 1.0, out=wave)


def load_audio(path: str | Path, sample_rate: int = 16000, limits: AudioLimits = DEFAULT_LIMITS) -> np.ndarray:
    """Read an audio file as float32 mono at ``sample_rate``.

    Parameters
    ----------
    path : str or Path
        Any format libsndfile reads (WAV 8/16/24/32-bit int or float, FLAC, OGG, ...).
    sample_rate : int
        Target rate; other rates are resampled with soxr (quality "HQ").
    limits : AudioLimits
        Accepted rates and duration, checked from the header first.

    Returns
    -------
    np.ndarray
        ``(samples,)`` float32 in [-1, 1].

    Raises
    ------
    AudioError
        Missing, empty, truncated or non-audio file, one holding NaN/inf, or one outside
        ``limits``.
    """
    file, name = resolve_source(path, None)
    return _read_all(file, name, sample_rate, limits)


def load_many(
    paths: Sequence[str | Path], sample_rate: int = 16000, threads: int | None = None,
    limits: AudioLimits = DEFAULT_LIMITS,
) -> list[np.ndarray]:
    """Read many files as :func:`load_audio` does, decoding in a thread pool.

    libsndfile (through cffi) and soxr release the GIL while they work, so threads overlap the
    decoding and resampling of different files; the outputs are identical to a serial loop.

    Parameters
    ----------
    paths : sequence of str or Path
        Audio files.
    sample_rate : int
        Target rate.
    threads : int, optional
        Decoding threads; default ``min(4, os.cpu_count())``. 1 decodes in the calling thread.
    limits : AudioLimits
        As :func:`load_audio`.

    Returns
    -------
    list of np.ndarray
        ``(samples_i,)`` float32 each, in input order.

    Raises
    ------
    AudioError
        For the first unreadable file in input order (as a serial loop would).
    """
    threads = min(4, os.cpu_count() or 1) if threads is None else threads
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    if threads == 1 or len(paths) < 2:
        return [load_audio(p, sample_rate, limits) for p in paths]
    with ThreadPoolExecutor(min(threads, len(paths))) as pool:
        return list(pool.map(lambda p: load_audio(p, sample_rate, limits), paths))


def decode_audio(data: bytes, sample_rate: int = 16000, source: str = "<bytes>",
                 limits: AudioLimits = DEFAULT_LIMITS) -> np.ndarray:
    """Decode an in-memory audio file (e.g. an upload); same output and errors as :func:`load_audio`.

    Parameters
    ----------
    data : bytes
        The whole file's content.
    sample_rate : int
        Target rate.
    source : str
        Name used in error messages.
    limits : AudioLimits
        Accepted rates and duration, checked from the header before decoding.

    Returns
    -------
    np.ndarray
        ``(samples,)`` float32 in [-1, 1].
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise AudioError(source, f"expected the bytes of an audio file, got {type(data).__name__}")
    file, name = resolve_source(data, source)
    return _read_all(file, name, sample_rate, limits)


def iter_audio_blocks(
    path: AudioSource, block_seconds: float, sample_rate: int = 16000,
    limits: AudioLimits = DEFAULT_LIMITS, source: str | None = None,
) -> Iterator[np.ndarray]:
    """Yield a file's audio in blocks, reading and resampling incrementally.

    Memory stays bounded by one block whatever the file's length: the file is read
    ``block_seconds`` at a time and resampled with a streaming soxr resampler, so the
    concatenated blocks equal :func:`load_audio`'s output up to float rounding.

    Parameters
    ----------
    path : str, Path or bytes
        Audio file, or the bytes of one (an upload: decoded without holding the whole signal).
    block_seconds : float
        Length of each yielded block (> 0).
    sample_rate : int
        Target rate.
    limits : AudioLimits
        Accepted rates and duration: checked from the header before the first block, and
        again on the samples actually read.
    source : str, optional
        Name in error messages (default: the path, or ``<bytes>``).

    Yields
    ------
    np.ndarray
        ``(round(block_seconds * sample_rate),)`` float32 mono blocks; the last one may be
        shorter.
    """
    if not 0 < block_seconds < math.inf:
        raise ValueError(f"block_seconds must be positive and finite, got {block_seconds}")
    file, source = resolve_source(path, source)
    out_size = max(1, round(block_seconds * sample_rate))
    with open_checked(file, source, limits) as handle:
        rate = handle.samplerate
        stream = None if rate == sample_rate else soxr.ResampleStream(
            rate, sample_rate, 1, dtype="float32", quality=RESAMPLE_QUALITY
        )
        in_size = max(1, round(block_seconds * rate))
        pending: list[np.ndarray] = []
        pending_len = 0
        read = 0
        while True:
            try:
                block = handle.read(in_size, dtype="float32", always_2d=True)
            except (sf.LibsndfileError, RuntimeError) as exc:
                raise AudioError(source, f"cannot decode audio ({first_line(exc)})") from None
            read += block.shape[0]
            limits.check(source, rate, read)
            last = block.shape[0] < in_size
            _check_finite(block, source)
            mono = _to_mono(block)
            if stream is not None:
                mono = stream.resample_chunk(mono, last=last)
            if mono.size:
                pending.append(np.clip(mono, -1.0, 1.0))
                pending_len += mono.size
            while pending_len >= out_size:
                joined = np.concatenate(pending)
                yield joined[:out_size]
                rest = joined[out_size:]
                pending, pending_len = ([rest] if rest.size else []), rest.size
            if last:
                break
        if pending_len:
            yield np.concatenate(pending)


def prepare_array(array: Any, sample_rate: int, target_rate: int, source: str = "<array>",
                  limits: AudioLimits | None = None) -> np.ndarray:
    """An in-memory signal as float32 mono at ``target_rate``.

    Parameters
    ----------
    array : array-like
        ``(samples,)`` or ``(samples, channels)`` (soundfile's layout); floats in [-1, 1], or
        integers (scaled by their type's full scale).
    sample_rate : int
        Its rate; other than ``target_rate`` it is resampled with soxr (as files are).
    limits : AudioLimits, optional
        Accepted rates and duration (default: no duration limit, any positive rate).

    Returns
    -------
    np.ndarray
        ``(samples,)`` float32; unlike files, not clipped (the caller's floats are kept as given).

    Raises
    ------
    AudioError
        Non-numeric samples, a wrong shape, NaN/inf, a non-positive rate, or one outside ``limits``.
    """
    wave = np.asarray(array)
    if np.issubdtype(wave.dtype, np.integer):
        wave = wave / float(np.iinfo(wave.dtype).max + 1)
    elif not np.issubdtype(wave.dtype, np.floating):
        raise AudioError(source, f"expected numeric samples, got dtype {wave.dtype}")
    if wave.ndim not in (1, 2) or (wave.ndim == 2 and wave.shape[1] == 0):
        raise AudioError(source, f"expected (samples,) or (samples, channels), got shape {np.shape(array)}")
    wave = _to_mono(wave[:, None] if wave.ndim == 1 else wave)
    _check_finite(wave, source)
    if sample_rate <= 0:
        raise AudioError(source, f"sample rate must be positive, got {sample_rate}")
    if limits is not None:
        limits.check(source, sample_rate, wave.size)
    if sample_rate != target_rate and wave.size:
        wave = soxr.resample(wave, sample_rate, target_rate, quality=RESAMPLE_QUALITY).astype(np.float32)
    return wave
