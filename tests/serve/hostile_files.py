"""Small audio files that ask for a lot of work (the cases of the hostile-input probe, #19), and the
helpers its test and benchmark share."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
import soundfile as sf

from random_models import generated_voice


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MiB (Linux ``/proc``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def wav(seconds: float, seed: int = 0) -> bytes:
    """A generated voice as the bytes of a 16 kHz WAV: a normal request."""
    buffer = io.BytesIO()
    sf.write(buffer, generated_voice(seconds, seed=seed), 16000, format="WAV")
    return buffer.getvalue()


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
