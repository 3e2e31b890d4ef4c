"""Reading audio files and bytes with soundfile (libsndfile), resampling with soxr.

Output convention everywhere: ``np.ndarray`` of shape ``(samples,)``, float32, mono (the
channels averaged), at ``sample_rate``, clipped to [-1, 1] (soxr's band limiting can overshoot
full scale by a fraction of a percent; float files may hold values past 1).
"""

from __future__ import annotations

import errno
import io
import math
import os
import re
import stat
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator, Sequence, Union

import numpy as np
import soundfile as sf
import soxr

from ssaser.errors import AudioError, AudioLimitError
from ssaser.settings_checks import check_fields, checked

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

#: A file path or the bytes of a whole audio file (an upload).
AudioSource = Union[str, Path, bytes]


@dataclass(frozen=True)
class AudioLimits:
    """What the decoders accept, checked from the file's header before any sample is decoded.

    The header's rate is not trusted: resampling a file that declares 1 Hz to 16 kHz would turn
    an 80 KB upload into gigabytes. The duration is checked again while decoding (a header can
    under-declare).

    Attributes
    ----------
    max_seconds : float or None
        Longest accepted audio; None: no limit (files are read in blocks, so memory stays
        bounded anyway; the service sets one, as each second costs CPU).
    min_rate, max_rate : int
        Plausible sample rates in Hz (telephone 4 kHz to studio 768 kHz).
    """

    max_seconds: float | None = checked(None, kind=float, lo=0, lo_open=True, optional=True)
    min_rate: int = checked(4000, kind=int, lo=1)
    max_rate: int = checked(768_000, kind=int, lo=1)

    def __post_init__(self) -> None:
        check_fields(self, ValueError)
        if self.min_rate > self.max_rate:
            raise ValueError(f"min_rate ({self.min_rate}) must not exceed max_rate ({self.max_rate})")

    def check(self, source: str, rate: int, frames: int) -> None:
        """Raise :class:`AudioError` for a rate out of range or more than ``max_seconds`` of audio."""
        if not self.min_rate <= rate <= self.max_rate:
            raise AudioError(source, f"sample rate {rate} Hz is outside the accepted "
                                     f"{self.min_rate}-{self.max_rate} Hz")
        if self.max_seconds is not None and frames > self.max_seconds * rate:
            raise AudioLimitError(source, f"{frames / rate:.1f} s of audio, more than the {self.max_seconds:g} s limit")


DEFAULT_LIMITS = AudioLimits()


@dataclass(frozen=True)
class AudioInfo:
    """What a file's header says (:func:`probe_audio`)."""

    sample_rate: int
    frames: int
    channels: int

    @property
    def seconds(self) -> float:
        return self.frames / self.sample_rate


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


def _open(file: str | BinaryIO, source: str, limits: AudioLimits = DEFAULT_LIMITS) -> sf.SoundFile:
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
    try:
        limits.check(source, handle.samplerate, handle.frames)
    except AudioError:
        handle.close()
        raise
    return handle


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _check_path(path: str | Path) -> Path:
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise AudioError(path, "file not found") from None
    except OSError as exc:
        cause = "symbolic link loop" if exc.errno == errno.ELOOP else (exc.strerror or type(exc).__name__).lower()
        raise AudioError(path, cause) from None
    if not stat.S_ISREG(info.st_mode):
        raise AudioError(path, "not a file")
    if info.st_size == 0:
        raise AudioError(path, "file is empty")
    return path


class _Bytes(io.BytesIO):
    """An in-memory file whose failed seek leaves the position as it was, as ``fseek`` does.

    A corrupt header can make libsndfile seek before the start; ``BytesIO`` raises there, inside
    a cffi callback, which prints "Exception ignored from cffi callback" on stderr for every such
    upload. libsndfile sees the unchanged position and fails the read itself.
    """

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        try:
            return super().seek(offset, whence)
        except (ValueError, OverflowError):
            return self.tell()


def _opener(audio: AudioSource, source: str | None) -> tuple[str | BinaryIO, str]:
    """What soundfile opens for a path or the bytes of a file, and the name for errors."""
    if isinstance(audio, (bytes, bytearray, memoryview)):
        name = source or "<bytes>"
        if not len(audio):
            raise AudioError(name, "file is empty")
        return _Bytes(bytes(audio)), name
    return str(_check_path(audio)), source or str(audio)


def probe_audio(audio: AudioSource, limits: AudioLimits = DEFAULT_LIMITS, source: str | None = None) -> AudioInfo:
    """Read a file's header only: rate, frames, channels (cheap, whatever the file's length).

    Raises
    ------
    AudioError
        An unreadable file, or one outside ``limits``.
    """
    file, name = _opener(audio, source)
    with _open(file, name, limits) as handle:
        return AudioInfo(handle.samplerate, handle.frames, handle.channels)


def _read_all(file: str | BinaryIO, source: str, sample_rate: int, limits: AudioLimits = DEFAULT_LIMITS) -> np.ndarray:
    with _open(file, source, limits) as handle:
        try:
            data = handle.read(dtype="float32", always_2d=True)
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise AudioError(source, f"cannot decode audio ({_first_line(exc)})") from None
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
    file, name = _opener(path, None)
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
    file, name = _opener(data, source)
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
    file, source = _opener(path, source)
    out_size = max(1, round(block_seconds * sample_rate))
    with _open(file, source, limits) as handle:
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
                raise AudioError(source, f"cannot decode audio ({_first_line(exc)})") from None
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
