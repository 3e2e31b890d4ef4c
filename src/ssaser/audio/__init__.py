"""Audio input: any file libsndfile reads, as float32 mono at the target rate.

Every failure a user can cause (missing, empty, truncated, non-audio, NaN/inf) is an
:class:`ssaser.errors.AudioError` with a one-line message naming the source and the cause.
"""

from ssaser.audio.header import DEFAULT_LIMITS, AudioInfo, AudioLimits, probe_audio
from ssaser.audio.io import decode_audio, iter_audio_blocks, load_audio, load_many, prepare_array

__all__ = [
    "DEFAULT_LIMITS",
    "AudioInfo",
    "AudioLimits",
    "decode_audio",
    "iter_audio_blocks",
    "load_audio",
    "load_many",
    "prepare_array",
    "probe_audio",
]
