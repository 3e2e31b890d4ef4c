"""Speech-like sound from a source-filter model: the signal side of the generated corpus.

One utterance is a sequence of syllables (an optional consonant onset, then a vowel).
The voiced part is a Rosenberg glottal pulse train whose period follows a pitch contour
(declination, an accent per syllable, slow drift) with cycle-to-cycle jitter and
shimmer, plus pulsed aspiration noise (breathiness). It is shaped by four vowel formants
that move from syllable to syllable (time-varying filter applied in the STFT domain, so
the whole utterance is processed in a few vectorised array operations), and gated by a
syllable-rate amplitude envelope. Fricative and stop onsets add high-passed noise.
Everything is numpy; an utterance of 3 s takes a few milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import istft, lfilter, stft

SAMPLE_RATE = 16000

#: Formant frequencies F1..F4 in Hz of an adult male voice (Peterson and Barney style);
#: a speaker's vocal-tract scale multiplies them.
VOWEL_FORMANTS: dict[str, tuple[float, float, float, float]] = {
    "a": (730.0, 1090.0, 2440.0, 3400.0),
    "e": (530.0, 1840.0, 2480.0, 3500.0),
    "i": (270.0, 2290.0, 3010.0, 3700.0),
    "o": (570.0, 840.0, 2410.0, 3400.0),
    "u": (300.0, 870.0, 2240.0, 3300.0),
}
FORMANT_BANDWIDTHS = np.array([80.0, 100.0, 140.0, 200.0])

#: Consonant onsets: "" none, "s" fricative, "t" stop (closure then burst), "m" nasal murmur.
ONSETS = ("", "s", "t", "m")

#: RMS level of the active speech at ``level_db = 0``, in dB re full scale.
REFERENCE_DBFS = -32.0

_NPERSEG = 512  # 32 ms analysis frames for the formant filter
_HOP = 128


@dataclass(frozen=True)
class Syllable:
    """One syllable of a phrase: consonant onset, vowel, relative length, stress."""

    onset: str
    vowel: str
    weight: float
    stress: bool


@dataclass(frozen=True)
class Voice:
    """Every parameter of one rendered utterance.

    Attributes
    ----------
    f0_hz : mean fundamental frequency.
    f0_range_st : height of a stressed syllable's pitch accent, in semitones.
    level_db : RMS level of the active speech relative to :data:`REFERENCE_DBFS`.
    rate_sps : speaking rate, syllables per second.
    jitter : relative standard deviation of the period from cycle to cycle (0.01 = 1 %).
    shimmer : relative standard deviation of the pulse amplitude from cycle to cycle.
    breath : aspiration noise relative to the voiced excitation.
    open_quotient : open phase of the glottal cycle, 0.3 (tense, bright) to 0.8 (lax).
    formant_scale : vocal-tract factor on all formants (about 1.17 for a female voice).
    noise_dbfs : background noise level in dB re full scale (the speaker's room).
    """

    f0_hz: float
    f0_range_st: float
    level_db: float
    rate_sps: float
    jitter: float
    shimmer: float
    breath: float
    open_quotient: float
    formant_scale: float
    noise_dbfs: float


def _timeline(syllables: tuple[Syllable, ...], voice: Voice, rng: np.random.Generator,
              min_seconds: float, max_seconds: float, sample_rate: int):
    """Syllable boundaries and total length; the rate sets the length, pauses fill to the minimum."""
    weights = np.array([s.weight for s in syllables], dtype=float)
    durations = weights / weights.mean() / voice.rate_sps
    edge = 0.2  # at least 0.1 s of silence before and after
    if durations.sum() > max_seconds - edge:
        durations *= (max_seconds - edge) / durations.sum()  # only at extreme rates
    speech = float(durations.sum())
    total = min(max_seconds, max(min_seconds, speech + edge + rng.uniform(0.0, 0.3)))
    lead = 0.1 + (total - speech - edge) * rng.uniform(0.3, 0.7)
    n = int(round(total * sample_rate))
    return durations, lead, n


def _glottal_flow(phase_frac: np.ndarray, open_quotient: float) -> np.ndarray:
    """Rosenberg (1971) glottal flow pulse of one cycle, evaluated at fractions of the period."""
    rise = 0.66 * open_quotient
    fall = open_quotient - rise
    p = phase_frac
    flow = np.where(p < rise, 0.5 * (1.0 - np.cos(np.pi * p / rise)), 0.0)
    closing = (p >= rise) & (p < open_quotient)
    return np.where(closing, np.cos(0.5 * np.pi * (p - rise) / fall), flow)


def _formant_gain(formants: np.ndarray, freqs: np.ndarray) -> np.ndarray:
    """Magnitude response of cascaded formant resonators, shape ``(frames, bins)``.

    ``formants`` is ``(frames, 4)`` in Hz; each resonator is a second-order low-pass
    with unit gain at 0 Hz, as in a cascade formant synthesiser.
    """
    f = freqs[None, None, :]
    fk = formants[:, :, None]
    bk = FORMANT_BANDWIDTHS[None, :, None]
    gains = fk**2 / np.sqrt((fk**2 - f**2) ** 2 + (bk * f) ** 2)
    # A zero at 600 Hz stands for the higher poles a 4-formant cascade leaves out, so the
    # upper formants are not lost in the -24 dB/octave skirts.
    return gains.prod(axis=1) * np.sqrt(1.0 + (freqs[None, :] / 600.0) ** 2)


def render_utterance(
    syllables: tuple[Syllable, ...],
    voice: Voice,
    rng: np.random.Generator,
    sample_rate: int = SAMPLE_RATE,
    min_seconds: float = 1.5,
    max_seconds: float = 3.5,
) -> np.ndarray:
    """Render one utterance.

    Parameters
    ----------
    syllables : tuple of Syllable
        The phrase.
    voice : Voice
        Speaker and emotion parameters for this utterance.
    rng : numpy.random.Generator
        The only source of randomness (same state -> same samples).
    sample_rate : int
        Output rate in Hz.
    min_seconds, max_seconds : float
        Length bounds; pauses fill up to the minimum, an extreme rate is capped at the maximum.

    Returns
    -------
    numpy.ndarray
        ``(samples,)`` float32 in [-1, 1].
    """
    durations, lead, n = _timeline(syllables, voice, rng, min_seconds, max_seconds, sample_rate)
    n_syl = len(syllables)
    bounds = np.concatenate([[0.0], np.cumsum(durations)])
    t = np.arange(n) / sample_rate - lead
    idx = np.clip(np.searchsorted(bounds, t, side="right") - 1, 0, n_syl - 1)
    in_speech = (t >= 0.0) & (t < bounds[-1])
    u = np.clip((t - bounds[idx]) / durations[idx], 0.0, 1.0)  # position inside the syllable

    onset = np.array([s.onset for s in syllables])
    stress = np.array([1.0 if s.stress else 0.55 for s in syllables])
    onset_frac = np.where(onset == "", 0.08, 0.3)[idx]
    in_onset = in_speech & (u < onset_frac)
    v = np.clip((u - onset_frac) / (1.0 - onset_frac), 0.0, 1.0)  # position inside the vowel
    vowel_part = in_speech & ~in_onset
    voiced_env = np.where(vowel_part, np.sin(np.pi * v) ** 0.6, 0.0) * stress[idx]
    voiced_env += np.where(in_onset & (onset[idx] == "m"), 0.2 * stress[idx], 0.0)  # nasal murmur

    # Pitch: declination over the utterance, an accent per syllable, a slow random drift.
    accent = np.where(np.array([s.stress for s in syllables]), 1.0, 0.3)[idx] * np.sin(np.pi * v)
    drift_knots = rng.standard_normal(int(n / sample_rate * 4) + 2) * 0.5
    drift = np.interp(np.linspace(0, drift_knots.size - 1, n), np.arange(drift_knots.size), drift_knots)
    progress = np.clip(t / bounds[-1], 0.0, 1.0)
    semitones = -2.5 * progress + voice.f0_range_st * accent + drift
    f0 = voice.f0_hz * 2.0 ** (semitones / 12.0)

    # Jitter and shimmer per glottal cycle: the cycle index comes from a first phase pass.
    cycles = np.floor(np.cumsum(f0) / sample_rate).astype(np.int64)
    per_cycle = np.clip(rng.standard_normal((2, cycles[-1] + 2)), -3.0, 3.0)
    phase = np.cumsum(f0 * (1.0 + voice.jitter * per_cycle[0, cycles])) / sample_rate
    cycles = np.floor(phase).astype(np.int64)
    flow = _glottal_flow(phase - cycles, voice.open_quotient)
    flow *= 1.0 + voice.shimmer * per_cycle[1, np.minimum(cycles, per_cycle.shape[1] - 1)]
    source = np.diff(flow, prepend=0.0)  # lip radiation: the derivative of the flow
    source /= np.sqrt(np.mean(source**2)) + 1e-12
    aspiration = voice.breath * 2.0 * rng.standard_normal(n) * (0.3 + flow)
    excitation = (source + aspiration) * voiced_env

    # Formants follow the syllables' vowels, smoothed over ~40 ms (coarticulation).
    freqs, frame_times, spec = stft(excitation, fs=sample_rate, nperseg=_NPERSEG, noverlap=_NPERSEG - _HOP)
    frame_syl = np.clip(np.searchsorted(bounds, frame_times - lead, side="right") - 1, 0, n_syl - 1)
    table = np.array([VOWEL_FORMANTS[s.vowel] for s in syllables])[frame_syl]
    kernel = np.ones(5) / 5.0
    padded = np.pad(table, ((2, 2), (0, 0)), mode="edge")
    smooth = np.stack([np.convolve(padded[:, k], kernel, mode="valid") for k in range(4)], axis=1)
    gain = _formant_gain(smooth * voice.formant_scale, freqs)
    _, voiced = istft(spec * gain.T, fs=sample_rate, nperseg=_NPERSEG, noverlap=_NPERSEG - _HOP)
    voiced = voiced[:n]

    # Fricatives: high-passed noise over the onset; stops: a short burst closing the onset.
    pos = np.where(in_onset, u / onset_frac, 0.0)
    fric_env = np.where(onset[idx] == "s", np.sin(np.pi * pos), 0.0)
    fric_env += np.where((onset[idx] == "t") & (pos > 0.8), 1.5, 0.0)
    hiss = np.diff(rng.standard_normal(n + 2), n=2)
    consonants = 0.25 * fric_env * stress[idx] * hiss

    speech = voiced + consonants
    active = voiced_env > 0.2
    rms = np.sqrt(np.mean(speech[active] ** 2)) if active.any() else 1.0
    speech *= 10.0 ** ((REFERENCE_DBFS + voice.level_db) / 20.0) / (rms + 1e-12)
    # Background: brownish-pink noise (leaky integrated white noise), the speaker's room.
    white = rng.standard_normal(n)
    room = white + 0.2 * lfilter([1.0], [1.0, -0.98], white)  # low frequencies raised
    room *= 10.0 ** (voice.noise_dbfs / 20.0) / (np.sqrt(np.mean(room**2)) + 1e-12)
    out = speech + room
    peak = np.max(np.abs(out))
    if peak > 0.99:  # rare: loud voice and loud emotion together; keep it unclipped
        out *= 0.99 / peak
    return out.astype(np.float32)

