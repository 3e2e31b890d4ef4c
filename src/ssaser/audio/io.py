"""Reading audio files and bytes with soundfile (libsndfile), resampling with soxr.

Output convention everywhere: ``np.ndarray`` of shape ``(samples,)``, float32, mono (the
channels averaged), at ``sample_rate``, clipped to [-1, 1] (soxr's band limiting can overshoot
full scale by a fraction of a percent; float files may hold values past 1).
"""

from __future__ import annotations

import io
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO, Iterator, Sequence

import numpy as np
import soundfile as sf
import soxr

from ssaser.errors import AudioError

#: soxr quality; "HQ" is also what ``librosa.load`` uses by default (res_type="soxr_hq").
RESAMPLE_QUALITY = "HQ"

# libsndfile logs "data : 32000 (should be 15978)" (WAV, AIFF "SSND", W64/RF64 "riff") when a
# header promises more bytes than the file holds, and then reads what is there. 0 and
# 0xFFFFFFFF are placeholders of streaming writers, not truncation, so they are accepted; so
# is a shortfall of a few bytes (a missing pad byte), which loses no whole sample.
_SHOULD_BE = re.compile(
    r"^\s*(?:data|ssnd|riff|riff size|data size)\s*:\s*(\d+)\s*\(should be (\d+)\)",
    re.MULTILINE | re.IGNORECASE,
)
_STREAMING_SIZES = {0, 0xFFFFFFFF, 0x7FFFFFFF, 0xFFFFFFFF - 8}
_SLACK_BYTES = 8


def _truncation(info: str) -> str | None:
    """Return a cause if libsndfile's log says the file ends before its header's promise."""
    for declared, present in _SHOULD_BE.findall(info):
        declared_n, present_n = int(declared), int(present)
        if declared_n not in _STREAMING_SIZES and present_n < declared_n - _SLACK_BYTES:
            return f"truncated file: header declares {declared_n} data bytes, only {present_n} present"
    if "File ended unexpectedly" in info:
        return "truncated file: the stream ends before its end-of-stream mark"
    return None


def _to_mono(block: np.ndarray) -> np.ndarray:
    """``(frames, channels)`` -> ``(frames,)`` float32 by averaging the channels."""
    mono = block.mean(axis=1, dtype=np.float64) if block.shape[1] > 1 else block[:, 0]
    return np.ascontiguousarray(mono, dtype=np.float32)


def _check_finite(block: np.ndarray, source: str) -> None:
    if not np.isfinite(block).all():
        raise AudioError(source, "holds NaN or infinite samples")


def _open(file: str | BinaryIO, source: str) -> sf.SoundFile:
    try:
        handle = sf.SoundFile(file)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        # libsndfile names an in-memory file by its repr ("<_io.BytesIO object at 0x...>"): use the source.
        detail = _first_line(exc).replace(repr(file), repr(source))
        raise AudioError(source, f"not a readable audio file ({detail})") from None
    cause = _truncation(handle.extra_info)
    if cause is None and handle.frames == 0:
        cause = "holds no audio samples"
    if cause is not None:
        handle.close()
        raise AudioError(source, cause)
    return handle


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _check_path(path: str | Path) -> Path:
    path = Path(path)
    if not path.exists():
        raise AudioError(path, "file not found")
    if not path.is_file():
        raise AudioError(path, "not a file")
    if path.stat().st_size == 0:
        raise AudioError(path, "file is empty")
    return path


def _read_all(file: str | BinaryIO, source: str, sample_rate: int) -> np.ndarray:
    with _open(file, source) as handle:
        try:
            data = handle.read(dtype="float32", always_2d=True)
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise AudioError(source, f"cannot decode audio ({_first_line(exc)})") from None
        rate = handle.samplerate
    if data.shape[0] == 0:
        raise AudioError(source, "holds no audio samples")
    _check_finite(data, source)
    wave = _to_mono(data)
    if rate != sample_rate:
        wave = soxr.resample(wave, rate, sample_rate, quality=RESAMPLE_QUALITY).astype(np.float32)
    return np.clip(wave, -1.0, 1.0, out=wave)


def load_audio(path: str | Path, sample_rate: int = 16000) -> np.ndarray:
    """Read an audio file as float32 mono at ``sample_rate``.

    Parameters
    ----------
    path : str or Path
        Any format libsndfile reads (WAV 8/16/24/32-bit int or float, FLAC, OGG, ...).
    sample_rate : int
        Target rate; other rates are resampled with soxr (quality "HQ").

    Returns
    -------
    np.ndarray
        ``(samples,)`` float32 in [-1, 1].

    Raises
    ------
    AudioError
        Missing, empty, truncated or non-audio file, or one holding NaN/inf.
    """
    checked = _check_path(path)
    return _read_all(str(checked), str(path), sample_rate)


def load_many(
    paths: Sequence[str | Path], sample_rate: int = 16000, threads: int | None = None
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
        return [load_audio(p, sample_rate) for p in paths]
    with ThreadPoolExecutor(min(threads, len(paths))) as pool:
        return list(pool.map(lambda p: load_audio(p, sample_rate), paths))


def decode_audio(data: bytes, sample_rate: int = 16000, source: str = "<bytes>") -> np.ndarray:
    """Decode an in-memory audio file (e.g. an upload); same output and errors as :func:`load_audio`.

    Parameters
    ----------
    data : bytes
        The whole file's content.
    sample_rate : int
        Target rate.
    source : str
        Name used in error messages.

    Returns
    -------
    np.ndarray
        ``(samples,)`` float32 in [-1, 1].
    """
    if not data:
        raise AudioError(source, "file is empty")
    return _read_all(io.BytesIO(data), source, sample_rate)


def iter_audio_blocks(
    path: str | Path, block_seconds: float, sample_rate: int = 16000
) -> Iterator[np.ndarray]:
    """Yield a file's audio in blocks, reading and resampling incrementally.

    Memory stays bounded by one block whatever the file's length: the file is read
    ``block_seconds`` at a time and resampled with a streaming soxr resampler, so the
    concatenated blocks equal :func:`load_audio`'s output up to float rounding.

    Parameters
    ----------
    path : str or Path
        Audio file.
    block_seconds : float
        Length of each yielded block (> 0).
    sample_rate : int
        Target rate.

    Yields
    ------
    np.ndarray
        ``(round(block_seconds * sample_rate),)`` float32 mono blocks; the last one may be
        shorter.
    """
    if block_seconds <= 0:
        raise ValueError(f"block_seconds must be > 0, got {block_seconds}")
    checked = _check_path(path)
    source = str(path)
    out_size = max(1, round(block_seconds * sample_rate))
    with _open(str(checked), source) as handle:
        rate = handle.samplerate
        stream = None if rate == sample_rate else soxr.ResampleStream(
            rate, sample_rate, 1, dtype="float32", quality=RESAMPLE_QUALITY
        )
        in_size = max(1, round(block_seconds * rate))
        pending: list[np.ndarray] = []
        pending_len = 0
        while True:
            try:
                block = handle.read(in_size, dtype="float32", always_2d=True)
            except (sf.LibsndfileError, RuntimeError) as exc:
                raise AudioError(source, f"cannot decode audio ({_first_line(exc)})") from None
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
