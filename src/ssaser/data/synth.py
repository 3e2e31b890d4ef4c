"""The generated corpus: a small multi-speaker emotional corpus where knowing the speaker helps.

Each speaker has a neutral voice of their own (pitch, loudness, rate, voice quality spread
over wide ranges) and a *strategy*: how they move away from that neutral voice to express
each emotion (:data:`STRATEGIES`; speaker ``i`` uses strategy ``i mod 5``). The cues are
speaker-relative on purpose:

- the differences between speakers' neutral voices are as large as the emotional changes
  (one speaker's neutral pitch is another's angry pitch), so absolute values confuse a
  speaker-blind classifier, while values relative to the speaker's own neutral do not;
- the strategies use different channels (loudness for one, tempo for another, pitch or
  voice quality for others), and one speaker's are even at odds with the majority
  (suppressed, quiet anger; tearful, high-pitched sadness), so that per-speaker
  normalisation alone is not the whole answer either.

Every utterance draws its own intensity (0.7-1.2 of the strategy) and small random
variations of every parameter. Output is a deterministic function of the arguments:
same seed, identical bytes.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
import soundfile as sf

from ssaser.data.synth_voice import ONSETS, SAMPLE_RATE, VOWEL_FORMANTS, Syllable, Voice, render_utterance
from ssaser.errors import SsaserError

EMOTIONS: tuple[str, ...] = ("neutral", "happy", "angry", "sad")


@dataclass(frozen=True)
class Expression:
    """How one emotion moves a speaker's voice away from their neutral voice.

    Pitch in semitones, level in dB, range and rate as factors, the voice-quality
    parameters as additions (see :class:`ssaser.data.synth_voice.Voice`).
    """

    pitch_st: float = 0.0
    range_factor: float = 1.0
    level_db: float = 0.0
    rate_factor: float = 1.0
    jitter: float = 0.0
    shimmer: float = 0.0
    breath: float = 0.0
    open_quotient: float = 0.0


@dataclass(frozen=True)
class Strategy:
    """A speaker's way of expressing emotions: one :class:`Expression` per non-neutral emotion."""

    name: str
    description: str
    expressions: dict[str, Expression] = field(default_factory=dict)

    def expression(self, emotion: str) -> Expression:
        return self.expressions.get(emotion, Expression())


STRATEGIES: tuple[Strategy, ...] = (
    Strategy("loudness", "anger much louder and tense; joy louder and higher; sadness quiet and breathy", {
        "angry": Expression(level_db=9.0, pitch_st=1.0, open_quotient=-0.12),
        "happy": Expression(level_db=4.0, pitch_st=3.0, range_factor=1.6),
        "sad": Expression(level_db=-7.0, breath=0.10, rate_factor=0.9),
    }),
    Strategy("tempo", "anger fast; joy fast with a wide pitch range; sadness slow", {
        "angry": Expression(rate_factor=1.45, level_db=3.0, pitch_st=1.0, open_quotient=-0.05),
        "happy": Expression(rate_factor=1.2, range_factor=1.8, pitch_st=2.0),
        "sad": Expression(rate_factor=0.7, pitch_st=-1.0, level_db=-2.0),
    }),
    Strategy("pitch", "anger high; joy high and lively; sadness low and flat", {
        "angry": Expression(pitch_st=5.0, range_factor=1.2, level_db=3.0),
        "happy": Expression(pitch_st=3.0, range_factor=2.0, rate_factor=1.1),
        "sad": Expression(pitch_st=-3.0, range_factor=0.5, level_db=-2.0, rate_factor=0.9),
    }),
    Strategy("voice-quality", "anger harsh (jitter, shimmer, tense); joy breathy and a little higher; "
             "sadness breathy, rough and soft", {
        "angry": Expression(jitter=0.025, shimmer=0.12, open_quotient=-0.15, level_db=3.0),
        "happy": Expression(pitch_st=2.0, breath=0.06, rate_factor=1.1),
        "sad": Expression(breath=0.15, jitter=0.01, level_db=-3.0, pitch_st=-1.0),
    }),
    Strategy("contrary", "anger suppressed: quiet, low, tense; joy loud and fast; sadness tearful: "
             "high, breathy and slow", {
        "angry": Expression(level_db=-4.0, pitch_st=-2.0, open_quotient=-0.12, rate_factor=0.9),
        "happy": Expression(level_db=5.0, rate_factor=1.25, range_factor=1.5),
        "sad": Expression(pitch_st=3.0, breath=0.12, rate_factor=0.8, jitter=0.01),
    }),
)


@dataclass(frozen=True)
class SpeakerSpec:
    """One generated speaker: name, gender (``f``/``m``), neutral voice, strategy."""

    name: str
    gender: str
    neutral: Voice
    strategy: Strategy


def _spread(rng: np.random.Generator, n: int, low: float, high: float) -> np.ndarray:
    """``n`` values covering ``[low, high]`` evenly, in a random order (wide spread for any n)."""
    values = np.linspace(low, high, n) if n > 1 else np.array([(low + high) / 2.0])
    return rng.permutation(values)


def make_speakers(n: int, seed: int = 0) -> list[SpeakerSpec]:
    """The speakers of a corpus: genders alternate (f, m, ...), speaker ``i`` uses ``STRATEGIES[i % 5]``.

    Neutral voices are spread so that between-speaker differences match the emotional ones:
    pitch +-4 semitones around the gender's mean, level +-6 dB, rate x0.78..x1.27.
    """
    rng = np.random.default_rng([seed, 1])
    pitch = _spread(rng, n, -6.0, 6.0)
    level = _spread(rng, n, -10.0, 10.0)
    rate = 4.6 * 2.0 ** _spread(rng, n, -0.45, 0.45)
    breath = _spread(rng, n, 0.02, 0.1)
    jitter = _spread(rng, n, 0.004, 0.012)
    open_quotient = _spread(rng, n, 0.5, 0.7)
    noise = _spread(rng, n, -62.0, -52.0)
    speakers = []
    for i in range(n):
        gender = "f" if i % 2 == 0 else "m"
        voice = Voice(
            f0_hz=(205.0 if gender == "f" else 115.0) * 2.0 ** (pitch[i] / 12.0),
            f0_range_st=float(rng.uniform(2.0, 3.5)),
            level_db=float(level[i]),
            rate_sps=float(rate[i]),
            jitter=float(jitter[i]),
            shimmer=float(rng.uniform(0.03, 0.06)),
            breath=float(breath[i]),
            open_quotient=float(open_quotient[i]),
            formant_scale=(1.17 if gender == "f" else 1.0) * float(rng.uniform(0.96, 1.04)),
            noise_dbfs=float(noise[i]),
        )
        speakers.append(SpeakerSpec(f"spk{i + 1:02d}", gender, voice, STRATEGIES[i % len(STRATEGIES)]))
    return speakers


def make_phrases(n: int, seed: int = 0) -> list[tuple[str, tuple[Syllable, ...]]]:
    """``n`` distinct phrases ``(name, syllables)`` of 6-10 syllables each."""
    rng = np.random.default_rng([seed, 2])
    vowels = sorted(VOWEL_FORMANTS)
    phrases: list[tuple[str, tuple[Syllable, ...]]] = []
    seen: set[tuple[Syllable, ...]] = set()
    while len(phrases) < n:
        count = int(rng.integers(6, 11))
        stressed = rng.random(count) < 0.35
        stressed[rng.integers(count)] = True  # at least one accent
        syllables = tuple(
            Syllable(str(rng.choice(ONSETS)), str(rng.choice(vowels)), float(rng.uniform(0.7, 1.4)), bool(s))
            for s in stressed
        )
        if syllables not in seen:
            seen.add(syllables)
            phrases.append((f"phrase{len(phrases) + 1:02d}", syllables))
    return phrases


def utterance_voice(speaker: SpeakerSpec, emotion: str, rng: np.random.Generator) -> Voice:
    """The voice of one utterance: the speaker's neutral voice moved by their expression of
    ``emotion`` at a random intensity (0.7-1.2), plus small random variations."""
    e = speaker.strategy.expression(emotion)
    k = rng.uniform(0.7, 1.2)
    v = speaker.neutral
    z = rng.standard_normal(8)
    return replace(
        v,
        f0_hz=v.f0_hz * 2.0 ** ((k * e.pitch_st + 0.5 * z[0]) / 12.0),
        f0_range_st=v.f0_range_st * e.range_factor**k * np.exp(0.12 * z[1]),
        level_db=v.level_db + k * e.level_db + 1.0 * z[2],
        rate_sps=v.rate_sps * e.rate_factor**k * np.exp(0.04 * z[3]),
        jitter=max(0.0, v.jitter + k * e.jitter + 0.002 * z[4]),
        shimmer=max(0.0, v.shimmer + k * e.shimmer + 0.01 * z[5]),
        breath=max(0.0, v.breath + k * e.breath + 0.01 * z[6]),
        open_quotient=float(np.clip(v.open_quotient + k * e.open_quotient + 0.02 * z[7], 0.3, 0.8)),
    )


def synthesize_corpus(
    out_dir: str | Path,
    speakers: int = 5,
    utterances_per_emotion: int = 16,
    emotions: Sequence[str] = EMOTIONS,
    phrases: int = 10,
    seed: int = 0,
    sample_rate: int = SAMPLE_RATE,
    progress: bool = False,
) -> Path:
    """Write the generated corpus: ``out_dir/wav/<speaker>/*.wav``, ``manifest.csv``, ``speakers.json``.

    Parameters
    ----------
    out_dir : str or Path
        Output folder (created).
    speakers : int
        Number of speakers (>= 1); strategies repeat after five.
    utterances_per_emotion : int
        Utterances per speaker and emotion (>= 1); phrases rotate so every phrase is
        spoken about equally often by every speaker in every emotion.
    emotions : sequence of str
        A subset of :data:`EMOTIONS`.
    phrases : int
        Number of distinct phrases (for ``sd-phrase`` splits).
    seed : int
        Everything random derives from it; each utterance has its own generator keyed by
        (seed, speaker, emotion, index), so leaving emotions out does not change the
        utterances of the others.
    sample_rate : int
        Hz; 16000 is what the front end expects.
    progress : bool
        Show a progress bar.

    Returns
    -------
    Path
        The manifest (columns ``file, speaker, emotion, phrase, session, gender, duration``,
        files relative to it).

    Raises
    ------
    SsaserError
        Unknown emotion, or a count below 1.
    """
    from ssaser.data.manifest import write_manifest

    unknown = [e for e in emotions if e not in EMOTIONS]
    if unknown:
        raise SsaserError(f"unknown emotion(s) {', '.join(unknown)}; the generator knows {', '.join(EMOTIONS)}")
    if not emotions or len(set(emotions)) != len(emotions):
        raise SsaserError("emotions must be a non-empty list without repeats")
    for name, value in (("speakers", speakers), ("utterances per emotion", utterances_per_emotion),
                        ("phrases", phrases)):
        if value < 1:
            raise SsaserError(f"{name} must be at least 1 (got {value})")
    out_dir = Path(out_dir)
    specs = make_speakers(speakers, seed)
    phrase_list = make_phrases(phrases, seed)
    jobs = [(s, spk, emotion, k) for s, spk in enumerate(specs) for emotion in emotions
            for k in range(utterances_per_emotion)]
    if progress:
        from tqdm import tqdm

        jobs = tqdm(jobs, desc="synth", unit="utt")
    rows = []
    for s, spk, emotion, k in jobs:
        e = EMOTIONS.index(emotion)
        rng = np.random.default_rng([seed, 3, s, e, k])
        # Phrases rotate in one cycle through all cells: every phrase equally often (+-1).
        phrase_name, syllables = phrase_list[((s * len(EMOTIONS) + e) * utterances_per_emotion + k) % phrases]
        wave = render_utterance(syllables, utterance_voice(spk, emotion, rng), rng, sample_rate)
        path = out_dir / "wav" / spk.name / f"{spk.name}_{emotion}_{k:03d}.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, wave, sample_rate, subtype="PCM_16")
        rows.append({"file": str(path.resolve()), "speaker": spk.name, "emotion": emotion,
                     "phrase": phrase_name, "session": "synth", "gender": spk.gender,
                     "duration": round(wave.size / sample_rate, 4)})
    description = {
        "seed": seed,
        "sample_rate": sample_rate,
        "speakers": [{"name": sp.name, "gender": sp.gender, "strategy": sp.strategy.name,
                      "description": sp.strategy.description, "neutral": asdict(sp.neutral),
                      "expressions": {e: asdict(sp.strategy.expression(e)) for e in emotions}}
                     for sp in specs],
        "phrases": {name: " ".join(f"{syl.onset}{syl.vowel}{'*' if syl.stress else ''}" for syl in syls)
                    for name, syls in phrase_list},
    }
    (out_dir / "speakers.json").write_text(json.dumps(description, indent=1) + "\n")
    return write_manifest(pd.DataFrame(rows), out_dir / "manifest.csv")
