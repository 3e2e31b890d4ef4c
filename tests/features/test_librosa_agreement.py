"""The front end against an independent librosa computation on real speech (EmoDB-2s, RAVDESS).

Reference: ``librosa.feature.melspectrogram`` (same periodic Hamming window, n_fft, hop,
``center=False``, power 2, Slaney mel filterbank), ``log(S + floor)``, then
``librosa.feature.delta(width=5, mode="nearest")`` twice (delta, then delta of the delta).

Alignment: librosa cuts frames of ``n_fft`` = 512 samples and centres the 400-sample window
in them (offset 56); ours are 400-sample frames zero-padded at the end. The magnitudes are
equal when librosa gets the signal padded by 56 samples on each side (same frame count,
``1 + (samples - 400) // 160``).

Tolerance: 5e-4 absolute on every channel (natural-log units; values span about -13.8..+5).
The measured worst case over all 535 EmoDB-2s files and 144 RAVDESS files was about 2e-5
(float32 FFT rounding); the margin covers other CPUs / FFT back ends.
"""

from __future__ import annotations

from pathlib import Path

import librosa
import numpy as np
import pytest

from ssaser.audio import load_audio
from ssaser.features import FeatureConfig, compute_features

pytestmark = pytest.mark.corpus
TOLERANCE = 5e-4


def librosa_reference(wave: np.ndarray, config: FeatureConfig, mode: str = "nearest") -> np.ndarray:
    """Independent librosa pipeline -> ``(3, frames, n_mels)``."""
    offset = (config.n_fft - config.win_length) // 2
    mel = librosa.feature.melspectrogram(
        y=np.pad(wave, (offset, config.n_fft - config.win_length - offset)), sr=config.sample_rate,
        n_fft=config.n_fft, win_length=config.win_length, hop_length=config.hop_length,
        window="hamming", center=False, power=2.0, n_mels=config.n_mels, fmin=config.fmin, fmax=config.fmax,
    )
    static = np.log(mel + config.log_floor)
    width = 2 * config.delta_width + 1
    delta = librosa.feature.delta(static, width=width, mode=mode)
    delta2 = librosa.feature.delta(delta, width=width, mode=mode)
    return np.stack([static, delta, delta2]).transpose(0, 2, 1)


def _files(emodb_dir: Path, ravdess_dir: Path) -> list[Path]:
    emodb = sorted((emodb_dir / "wav").glob("*.wav"))
    ravdess = sorted(ravdess_dir.glob("Actor_*/*.flac"))
    assert emodb and ravdess
    return emodb[::90] + ravdess[::240]  # 6 + 6 files, several speakers and emotions


def test_matches_librosa_on_real_speech(emodb_dir: Path, ravdess_dir: Path) -> None:
    config = FeatureConfig()
    for path in _files(emodb_dir, ravdess_dir):
        wave = load_audio(path)
        ours = compute_features(wave, config)
        ref = librosa_reference(wave, config)
        assert ours.shape == ref.shape == (3, config.num_frames(wave.size), 40)
        error = np.abs(ours - ref).max(axis=(1, 2))
        assert (error <= TOLERANCE).all(), f"{path.name}: max abs error per channel {error}"


def test_librosa_default_interp_deltas_differ_only_at_the_edges(emodb_dir: Path, ravdess_dir: Path) -> None:
    """librosa's default delta mode ("interp") fits the edges; ours replicates the edge frames.

    They agree on frames 2..T-3 (delta) and 4..T-5 (delta-delta) and differ in the rest.
    """
    config = FeatureConfig()
    path = _files(emodb_dir, ravdess_dir)[0]
    wave = load_audio(path)
    ours = compute_features(wave, config)
    interp = librosa_reference(wave, config, mode="interp")
    np.testing.assert_allclose(ours[1, 2:-2], interp[1, 2:-2], atol=TOLERANCE)
    np.testing.assert_allclose(ours[2, 4:-4], interp[2, 4:-4], atol=TOLERANCE)
    assert np.abs(ours[1, :2] - interp[1, :2]).max() > 10 * TOLERANCE


def test_load_audio_equals_librosa_load_within_unit_range(emodb_dir: Path, ravdess_dir: Path) -> None:
    """Same decoder and resampler (soxr HQ) as librosa.load; ours also clips soxr's overshoot."""
    for path in _files(emodb_dir, ravdess_dir)[::3]:
        ours = load_audio(path)
        ref, _ = librosa.load(path, sr=16000)
        assert ours.shape == ref.shape
        np.testing.assert_allclose(ours, np.clip(ref, -1.0, 1.0), atol=1e-6)
