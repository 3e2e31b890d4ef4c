"""Opening audio safely: what a file's header says, and whether it may be decoded.

Every file or upload is checked here before a sample is decoded: it exists and is a regular,
non-empty file; libsndfile can open it; its header does not promise more data than it holds;
its rate and duration are within :class:`AudioLimits`.
"""

from __future__ import annotations

import errno
import io
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Union

import soundfile as sf

from ssaser.errors import AudioError, AudioLimitError
from ssaser.settings_checks import check_fields, checked

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






def open_checked(file: str | BinaryIO, source: str, limits: AudioLimits = DEFAULT_LIMITS) -> sf.SoundFile:
    """An open :class:`soundfile.SoundFile` whose header passed every check (the caller closes it).

    Raises
    ------
    AudioError
        Not audio libsndfile reads, truncated, without samples, or outside ``limits``.
    """
    try:
        handle = sf.SoundFile(file)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        # libsndfile names an in-memory file by its repr ("<_io.BytesIO object at 0x...>"): use the source.
        detail = first_line(exc).replace(repr(file), repr(source))
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


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type's name when empty), for one-line errors."""
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


def resolve_source(audio: AudioSource, source: str | None) -> tuple[str | BinaryIO, str]:
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
    file, name = resolve_source(audio, source)
    with open_checked(file, name, limits) as handle:
        return AudioInfo(handle.samplerate, handle.frames, handle.channels)
