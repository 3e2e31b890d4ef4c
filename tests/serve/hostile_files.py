"""Small audio files that ask for a lot of work: the cases of the hostile-input probe (#19)."""

from __future__ import annotations

import io
import struct

import numpy as np
import soundfile as sf


def wav_bytes(samples: int, rate: int, seed: int = 0) -> bytes:
    """A 16-bit mono PCM WAV of ``samples`` random samples whose header declares ``rate`` Hz.

    Written by hand: libsndfile refuses to write implausible rates, but reads them.
    """
    data = np.random.default_rng(seed).integers(-3000, 3000, samples, dtype=np.int16).tobytes()
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE"
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    return header + fmt + b"data" + struct.pack("<I", len(data)) + data


def silent_flac(seconds: float, rate: int = 16000) -> bytes:
    """FLAC of digital silence: a few bytes per second of declared audio."""
    buffer = io.BytesIO()
    block = np.zeros(rate * 10, np.int16)
    with sf.SoundFile(buffer, "w", samplerate=rate, channels=1, format="FLAC", subtype="PCM_16") as handle:
        remaining = int(seconds * rate)
        while remaining > 0:
            handle.write(block[:min(remaining, block.size)])
            remaining -= block.size
    return buffer.getvalue()


#: name -> (bytes, what it declares), the probe's cases.
def hostile_uploads() -> dict[str, bytes]:
    return {
        "80 KB WAV declaring 1 Hz (40,000 s)": wav_bytes(40_000, 1),
        "4 KB WAV declaring 2,000 s at 1 Hz": wav_bytes(2_000, 1),
        "19 MB WAV declaring 1 Hz": wav_bytes(9_500_000, 1),
        "FLAC of 2,000 s of silence at 16 kHz": silent_flac(2000.0),
    }
