"""The generated corpus: files, manifest, determinism, and that its design holds (speaker-relative cues)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from scipy.signal import find_peaks
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ssaser.cli.main import main
from ssaser.data.manifest import read_manifest
from ssaser.data.synth import EMOTIONS, STRATEGIES, make_phrases, make_speakers, synthesize_corpus
from ssaser.errors import SsaserError

COLUMNS = ["file", "speaker", "emotion", "phrase", "session", "gender", "duration"]


def _tiny(out: Path, **kwargs) -> Path:
    options = dict(speakers=2, utterances_per_emotion=2, emotions=("neutral", "angry"), phrases=3, seed=7)
    options.update(kwargs)
    return synthesize_corpus(out, **options)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path):
    a, b, c = (_tiny(tmp_path / name, seed=seed) for name, seed in (("a", 7), ("b", 7), ("c", 8)))
    files_a, files_b, files_c = _files(a.parent), _files(b.parent), _files(c.parent)
    assert files_a == files_b
    assert len([f for f in files_a if f.endswith(".wav")]) == 2 * 2 * 2
    wavs = [f for f in files_a if f.endswith(".wav")]
    assert all(files_a[f] != files_c[f] for f in wavs)


def test_leaving_emotions_out_keeps_the_other_utterances(tmp_path):
    both = _files(_tiny(tmp_path / "both").parent)
    angry_only = _files(_tiny(tmp_path / "angry", emotions=("angry",)).parent)
    wavs = [f for f in angry_only if f.endswith(".wav")]
    assert wavs and all(angry_only[f] == both[f] for f in wavs)


def test_manifest_columns_files_and_durations(tmp_path):
    path = _tiny(tmp_path / "c", speakers=3, emotions=EMOTIONS)
    raw = pd.read_csv(path)
    assert list(raw.columns) == COLUMNS
    assert not any(Path(f).is_absolute() for f in raw["file"])  # the folder can be moved
    df = read_manifest(path)
    assert len(df) == 3 * len(EMOTIONS) * 2
    assert sorted(df["emotion"].unique()) == sorted(EMOTIONS)
    assert set(df["gender"]) == {"f", "m"}
    assert df.groupby(["speaker", "emotion"]).size().eq(2).all()
    for row in df.itertuples():
        wave, rate = sf.read(row.file)
        assert rate == 16000 and wave.ndim == 1
        assert 1.5 <= row.duration <= 3.5
        assert row.duration == pytest.approx(wave.size / rate, abs=1e-3)
        assert np.isfinite(wave).all() and np.abs(wave).max() < 1.0
        assert np.sqrt(np.mean(wave**2)) > 1e-3  # not silent
    description = json.loads((path.parent / "speakers.json").read_text())
    assert [s["strategy"] for s in description["speakers"]] == [s.name for s in STRATEGIES[:3]]


def test_phrases_are_distinct_and_balanced(tmp_path):
    phrases = make_phrases(12, seed=3)
    assert len({syllables for _, syllables in phrases}) == 12
    assert all(6 <= len(syllables) <= 10 for _, syllables in phrases)
    df = read_manifest(_tiny(tmp_path / "p", speakers=3, utterances_per_emotion=5, emotions=EMOTIONS, phrases=4))
    counts = df["phrase"].value_counts()
    assert len(counts) == 4 and counts.max() - counts.min() <= 1


@pytest.mark.parametrize("kwargs", [{"emotions": ("angry", "bored")}, {"speakers": 0},
                                    {"utterances_per_emotion": 0}, {"emotions": ("sad", "sad")}])
def test_bad_requests_are_errors(tmp_path, kwargs):
    with pytest.raises(SsaserError):
        _tiny(tmp_path / "x", **kwargs)


def test_cli_writes_the_corpus(tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(["synth", "--out", str(out), "--speakers", "1", "--utterances-per-emotion", "1",
                 "--emotions", "sad", "happy", "--no-progress"]) == 0
    assert "2 utterances, 1 speakers" in capsys.readouterr().out
    assert len(read_manifest(out / "manifest.csv")) == 2
    assert main(["synth", "--out", str(out), "--emotions", "bored"]) == 1


def test_neutral_voices_overlap_emotional_ones():
    """Between-speaker spread is as large as the emotional changes (what fools a speaker-blind model)."""
    speakers = make_speakers(5, seed=0)
    level = np.array([s.neutral.level_db for s in speakers])
    strongest = max(abs(e.level_db) for s in STRATEGIES for e in s.expressions.values())
    assert np.ptp(level) >= strongest
    females = [np.log2(s.neutral.f0_hz) * 12 for s in speakers if s.gender == "f"]
    assert np.ptp(females) >= max(e.pitch_st for s in STRATEGIES for e in s.expressions.values())


# --- the design, measured on the audio of the default corpus --------------------------------------

FEATURES = ("log-energy", "log-F0", "syllable rate")


def utterance_features(wave: np.ndarray, rate: int = 16000) -> np.ndarray:
    """Three simple cues of one utterance: mean log-energy (dB), median log-F0, syllables per second.

    Energy and F0 on 40 ms frames every 5 ms (F0 from the normalised autocorrelation peak in
    60-450 Hz on frames within 25 dB of the loudest); syllables are peaks of a 20 ms energy
    contour.
    """
    win, hop = 640, 80
    frames = np.lib.stride_tricks.sliding_window_view(wave, win)[::hop] * np.hanning(win)
    power = np.abs(np.fft.rfft(frames, 2 * win)) ** 2
    energy = 10 * np.log10(power.sum(axis=1) + 1e-10)
    active = energy > energy.max() - 25
    autocorr = np.fft.irfft(power[active])[:, :win]
    autocorr /= autocorr[:, :1] + 1e-12
    lo, hi = rate // 450, rate // 60
    lag = lo + np.argmax(autocorr[:, lo:hi], axis=1)
    voiced = autocorr[np.arange(lag.size), lag] > 0.4
    log_f0 = np.median(np.log(rate / lag[voiced]))
    short = np.mean(np.lib.stride_tricks.sliding_window_view(wave, 320)[::hop] ** 2, axis=1)
    contour = 10 * np.log10(np.convolve(short, np.ones(3) / 3, mode="same") + 1e-10)
    peaks, _ = find_peaks(contour, prominence=3, distance=12)
    speaking = np.flatnonzero(contour > contour.max() - 25)
    span = (speaking[-1] - speaking[0] + 1) * hop / rate
    n_syllables = np.sum(contour[peaks] > contour.max() - 25)
    return np.array([energy[active].mean(), log_f0, n_syllables / span])


@pytest.fixture(scope="module")
def default_corpus(tmp_path_factory):
    """The default corpus (seed 0) and the features of every utterance, ``(utterances, 3)``."""
    df = read_manifest(synthesize_corpus(tmp_path_factory.mktemp("default")))
    features = np.stack([utterance_features(sf.read(f)[0]) for f in df["file"]])
    return df, features


def _accuracies(df: pd.DataFrame, x: np.ndarray, repeats: int = 3) -> dict[str, float]:
    """Held-out accuracy of logistic regressions: on raw features, on features z-scored per
    speaker (statistics from the training part only), and one model per speaker."""
    y, speaker = df["emotion"].to_numpy(), df["speaker"].to_numpy()
    scores: dict[str, list[float]] = {"raw": [], "speaker-normalised": [], "per-speaker": []}

    def fit(xs, ys):
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(xs, ys)

    for seed in range(repeats):
        train, test = train_test_split(np.arange(len(df)), test_size=0.3, random_state=seed,
                                       stratify=df["speaker"] + df["emotion"])
        normalised = x.copy()
        own = np.zeros(len(df), dtype=bool)
        for s in np.unique(speaker):
            rows = speaker == s
            fitted = rows.copy()
            fitted[test] = False
            normalised[rows] = (x[rows] - x[fitted].mean(axis=0)) / x[fitted].std(axis=0)
            model = fit(x[train[speaker[train] == s]], y[train[speaker[train] == s]])
            part = test[speaker[test] == s]
            own[part] = model.predict(x[part]) == y[part]
        scores["raw"].append(fit(x[train], y[train]).score(x[test], y[test]))
        scores["speaker-normalised"].append(fit(normalised[train], y[train]).score(normalised[test], y[test]))
        scores["per-speaker"].append(own[test].mean())
    return {k: float(np.mean(v)) for k, v in scores.items()}


def test_default_corpus_size_and_length(default_corpus):
    df, _ = default_corpus
    assert len(df) == 5 * 4 * 16 and df["speaker"].nunique() == 5 and df["phrase"].nunique() == 10
    assert df["duration"].between(1.5, 3.5).all()
    assert 1.8 < df["duration"].mean() < 3.0


def test_strategies_are_audible(default_corpus):
    """Each speaker's strategy shows in the audio: spk01 (loudness) angry is louder than neutral,
    spk02 (tempo) angry is faster, spk03 (pitch) angry is higher, spk05 (contrary) angry is quieter."""
    df, x = default_corpus

    def mean(speaker, emotion, column):
        return x[((df["speaker"] == speaker) & (df["emotion"] == emotion)).to_numpy(), column].mean()

    assert mean("spk01", "angry", 0) - mean("spk01", "neutral", 0) > 5.0  # dB
    assert mean("spk02", "angry", 2) / mean("spk02", "neutral", 2) > 1.15  # syllables/s
    assert 12 / np.log(2) * (mean("spk03", "angry", 1) - mean("spk03", "neutral", 1)) > 3.0  # semitones
    assert mean("spk05", "angry", 0) < mean("spk05", "neutral", 0) - 2.0


def test_knowing_the_speaker_helps(default_corpus):
    """The cues are speaker-relative: z-scoring per speaker beats raw features by a clear margin,
    and a model per speaker (knowing each speaker's strategy) beats both."""
    df, x = default_corpus
    acc = _accuracies(df, x)
    print("held-out accuracy on", ", ".join(FEATURES), {k: round(v, 3) for k, v in acc.items()})
    assert acc["speaker-normalised"] >= acc["raw"] + 0.15
    assert acc["per-speaker"] >= acc["speaker-normalised"] + 0.10
    assert acc["raw"] < 0.5  # chance is 0.25: the speaker-blind model is confused
