"""The front end's settings, one frozen dataclass that travels with every model."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Mapping

from ssaser.errors import SsaserError
from ssaser.settings_checks import check_fields, checked, from_mapping


class FeatureConfigError(SsaserError, ValueError):
    """Front-end settings that are out of range or do not hold together."""


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

    # Bounds keep a hostile or mistyped config.json from asking for huge buffers (an n_fft
    # of 2e8 is a DFT basis of terabytes) or from giving NaN features (log_floor = inf).
    sample_rate: int = checked(16000, kind=int, lo=4000, hi=192000)
    win_length: int = checked(400, kind=int, lo=16, hi=32768)
    hop_length: int = checked(160, kind=int, lo=1, hi=32768)
    n_fft: int = checked(512, kind=int, lo=16, hi=32768)
    n_mels: int = checked(40, kind=int, lo=1, hi=512)
    fmin: float = checked(0.0, kind=float, lo=0)
    fmax: float | None = checked(None, kind=float, lo=0, lo_open=True, optional=True)
    delta_width: int = checked(2, kind=int, lo=1, hi=16)
    segment_frames: int = checked(300, kind=int, lo=1, hi=6000)
    log_floor: float = checked(1e-6, kind=float, lo=0, hi=1, lo_open=True)

    def __post_init__(self) -> None:
        check_fields(self, FeatureConfigError)
        if self.win_length > self.n_fft:
            raise FeatureConfigError(f"win_length ({self.win_length}) must not exceed n_fft ({self.n_fft})")
        nyquist = self.sample_rate / 2
        top = nyquist if self.fmax is None else self.fmax
        if not self.fmin < top <= nyquist:
            raise FeatureConfigError(f"need 0 <= fmin < fmax <= sample_rate / 2 ({nyquist:g}), "
                                     f"got fmin {self.fmin:g}, fmax {top:g}")

    def num_frames(self, samples: int) -> int:
        """Frames of a signal of ``samples`` samples (0 where it is shorter than one window)."""
        return 0 if samples < self.win_length else 1 + (samples - self.win_length) // self.hop_length

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict (for a model's config.json)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "FeatureConfig":
        """Inverse of :meth:`to_dict`; unknown keys are an error (a config from a newer version).

        Raises
        ------
        FeatureConfigError
            Unknown keys, values of the wrong type or out of range.
        """
        return from_mapping(cls, data, FeatureConfigError, "feature_config")

    def digest(self) -> str:
        """Stable short hash of the settings (feature cache key)."""
        text = json.dumps(self.to_dict(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]
