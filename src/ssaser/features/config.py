"""The front end's settings, one frozen dataclass that travels with every model."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Mapping


@dataclass(frozen=True)
class FeatureConfig:
    """Settings of the 3-D log-Mel front end (paper section 2.1 / 3.2, ACRNN of Chen et al.).

    Attributes
    ----------
    sample_rate : int
        Input rate in Hz (audio is resampled to it on loading).
    win_length : int
        Analysis window in samples: 400 = 25 ms at 16 kHz, a periodic Hamming window.
    hop_length : int
        Frame step in samples: 160 = 10 ms.
    n_fft : int
        DFT size; each windowed frame is zero-padded from ``win_length`` to it.
    n_mels : int
        Mel bands (librosa's Slaney-style filterbank, ``librosa.filters.mel``).
    fmin, fmax : float, float or None
        Filterbank range in Hz; ``fmax=None`` means ``sample_rate / 2``.
    delta_width : int
        N of the regression deltas over +-N frames:
        ``d[t] = sum_{n=1..N} n (c[t+n] - c[t-n]) / (2 sum n^2)``, edge frames replicated.
    segment_frames : int
        Frames per model input segment (300 = 3 s).
    log_floor : float
        ``log(mel_power + log_floor)``: keeps digital silence finite.

    Frames are not centred (no padding): ``frames = 1 + (samples - win_length) // hop_length``.
    """

    sample_rate: int = 16000
    win_length: int = 400
    hop_length: int = 160
    n_fft: int = 512
    n_mels: int = 40
    fmin: float = 0.0
    fmax: float | None = None
    delta_width: int = 2
    segment_frames: int = 300
    log_floor: float = 1e-6

    def __post_init__(self) -> None:
        if self.win_length > self.n_fft:
            raise ValueError(f"win_length ({self.win_length}) must not exceed n_fft ({self.n_fft})")
        for name in ("sample_rate", "win_length", "hop_length", "n_mels", "delta_width", "segment_frames"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.log_floor <= 0:
            raise ValueError(f"log_floor must be > 0, got {self.log_floor}")

    def num_frames(self, samples: int) -> int:
        """Frames of a signal of ``samples`` samples (0 where it is shorter than one window)."""
        return 0 if samples < self.win_length else 1 + (samples - self.win_length) // self.hop_length

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict (for a model's config.json)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "FeatureConfig":
        """Inverse of :meth:`to_dict`; unknown keys are an error (a config from a newer version)."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown FeatureConfig keys: {sorted(unknown)}")
        return cls(**dict(data))

    def digest(self) -> str:
        """Stable short hash of the settings (feature cache key)."""
        text = json.dumps(self.to_dict(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]
