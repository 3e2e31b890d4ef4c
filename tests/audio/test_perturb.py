"""Speed perturbation: f times faster is 1/f times the samples and f times the frequencies."""

from __future__ import annotations

import numpy as np
import pytest

from ssaser.audio.perturb import change_speed


@pytest.mark.parametrize("factor", [0.9, 1.1])
def test_speed_scales_duration_and_pitch(factor):
    rate = 16000
    t = np.arange(rate) / rate
    wave = (0.5 * np.sin(2 * np.pi * 200.0 * t)).astype(np.float32)
    out = change_speed(wave, factor, rate)
    assert out.dtype == np.float32 and abs(out.size - rate / factor) <= 2
    spectrum = np.abs(np.fft.rfft(out * np.hanning(out.size)))
    peak = np.argmax(spectrum) * rate / out.size
    assert peak == pytest.approx(200.0 * factor, abs=2.0)


def test_factor_one_is_the_wave_itself_and_bad_factors_are_refused():
    wave = np.zeros(100, np.float32)
    assert change_speed(wave, 1.0, 16000) is wave
    for bad in (0.1, 3.0, True, "fast"):
        with pytest.raises(ValueError, match="speed factor must be a number"):
            change_speed(wave, bad, 16000)
