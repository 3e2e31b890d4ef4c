"""Speed perturbation of waveforms (Ko et al., Interspeech 2015; Kaldi's ``speed`` recipes).

A speed factor ``f`` plays the audio ``f`` times faster: ``1/f`` times as many samples, every
frequency (pitch and formants) ``f`` times higher. It is resampling: soxr reads the wave as if it
had been recorded at ``f * sample_rate`` and converts it to ``sample_rate``.
"""

from __future__ import annotations

import numpy as np
import soxr

from ssaser.audio.io import RESAMPLE_QUALITY
from ssaser.settings_checks import check_speed


def change_speed(wave: np.ndarray, factor: float, sample_rate: int) -> np.ndarray:
    """Play ``wave`` ``factor`` times faster.

    Parameters
    ----------
    wave : np.ndarray
        ``(samples,)`` float32 mono.
    factor : float
        Speed factor in ``[0.5, 2]``; 1 returns ``wave`` itself.
    sample_rate : int
        The rate of ``wave`` (and of the result).

    Returns
    -------
    np.ndarray
        ``(round(samples / factor),)`` float32, clipped to [-1, 1].
    """
    factor = check_speed(factor)
    if factor == 1.0 or wave.size == 0:
        return wave
    out = soxr.resample(wave, sample_rate * factor, sample_rate, quality=RESAMPLE_QUALITY)
    return np.clip(out, -1.0, 1.0).astype(np.float32, copy=False)
