"""Generated test signals, importable from any test folder (a ``conftest`` module is not: each
folder's conftest shadows the others' under one pytest run)."""

from __future__ import annotations

import numpy as np


def make_tone(seconds: float = 1.0, sample_rate: int = 16000, freq: float = 220.0, seed: int = 0) -> np.ndarray:
    """A harmonic tone with a little noise, float32 in [-1, 1], shape ``(samples,)``."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    wave = sum(np.sin(2 * np.pi * freq * k * t) / k for k in range(1, 6))
    wave = 0.3 * wave / np.max(np.abs(wave)) + 0.01 * rng.standard_normal(t.size)
    return wave.astype(np.float32)
