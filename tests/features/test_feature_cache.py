"""FeatureCache: reuse, keys by content and config, atomic writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from signals import make_tone
from ssaser.audio import load_audio
from ssaser.errors import AudioError
from ssaser.features import FeatureCache, FeatureConfig, compute_features
from ssaser.features import cache as cache_module
from ssaser.features.frontends import FrontEndSpec


@pytest.fixture
def wav(tmp_path: Path) -> Path:
    path = tmp_path / "a.wav"
    sf.write(path, make_tone(1.0), 16000, subtype="FLOAT")
    return path


def _entries(root: Path) -> list[Path]:
    return sorted(root.rglob("*.npy"))


def test_computed_once_then_reused(tmp_path: Path, wav: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = FeatureCache(tmp_path / "cache")
    first = cache.get(wav)
    np.testing.assert_array_equal(first, compute_features(load_audio(wav)))
    assert len(_entries(tmp_path / "cache")) == 1

    def fail(*args, **kwargs):
        raise AssertionError("recomputed a cached entry")

    monkeypatch.setattr(FrontEndSpec, "compute", fail)  # the cache computes through its front end
    copy = tmp_path / "renamed.wav"
    shutil.copy(wav, copy)  # same content under another name: same entry
    np.testing.assert_array_equal(FeatureCache(tmp_path / "cache").get(copy), first)


def test_content_and_config_changes_give_new_entries(tmp_path: Path, wav: Path) -> None:
    root = tmp_path / "cache"
    base = FeatureCache(root).get(wav)
    other = FeatureCache(root, FeatureConfig(n_mels=64)).get(wav)
    assert other.shape == (3, base.shape[1], 64)
    assert len(_entries(root)) == 2
    sf.write(wav, make_tone(1.0, freq=300), 16000, subtype="FLOAT")  # edited in place
    changed = FeatureCache(root).get(wav)
    assert len(_entries(root)) == 3 and not np.array_equal(changed, base)


def test_partial_temp_file_is_never_read(tmp_path: Path, wav: Path) -> None:
    cache = FeatureCache(tmp_path / "cache")
    key = cache_module.content_hash(wav)
    entry = cache.entry_path(key)
    entry.parent.mkdir(parents=True)
    # what a write killed half-way leaves behind: a truncated .npy under a temp name
    full = tmp_path / "full.npy"
    np.save(full, np.full((3, 98, 40), 123.0, dtype=np.float32))
    (entry.parent / f".{key}.999.dead.tmp").write_bytes(full.read_bytes()[:500])
    feats = cache.get(wav)
    np.testing.assert_array_equal(feats, compute_features(load_audio(wav)))


def test_interrupted_write_leaves_no_entry(tmp_path: Path, wav: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = FeatureCache(tmp_path / "cache")
    real_save = np.save

    def save_then_die(handle, array, **kwargs):
        handle.write(b"\x93NUMPY partial")  # half a file, then the user hits Ctrl-C
        raise KeyboardInterrupt

    monkeypatch.setattr(cache_module.np, "save", save_then_die)
    with pytest.raises(KeyboardInterrupt):
        cache.get(wav)
    monkeypatch.setattr(cache_module.np, "save", real_save)
    assert _entries(tmp_path / "cache") == [] and not list((tmp_path / "cache").rglob("*.tmp"))
    np.testing.assert_array_equal(cache.get(wav), compute_features(load_audio(wav)))


def test_corrupt_entry_is_recomputed(tmp_path: Path, wav: Path) -> None:
    cache = FeatureCache(tmp_path / "cache")
    want = cache.get(wav)
    entry = _entries(tmp_path / "cache")[0]
    entry.write_bytes(b"garbage")
    np.testing.assert_array_equal(cache.get(wav), want)


def test_get_many_keeps_order_and_reports_bad_files(tmp_path: Path, wav: Path) -> None:
    short = tmp_path / "b.wav"
    sf.write(short, make_tone(0.3), 16000)
    cache = FeatureCache(tmp_path / "cache")
    got = cache.get_many([short, wav, short], batch_size=2)
    assert [g.shape[1] for g in got] == [28, 98, 28]
    with pytest.raises(AudioError, match="file not found"):
        cache.get(tmp_path / "missing.wav")


def test_speed_perturbed_features_have_their_own_entries(tmp_path: Path, wav: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from ssaser.audio.perturb import change_speed

    cache = FeatureCache(tmp_path / "cache")
    plain = cache.get(wav)
    (fast,) = cache.get_many([wav], speed=1.1)
    np.testing.assert_array_equal(fast, compute_features(change_speed(load_audio(wav), 1.1, 16000)))
    assert fast.shape[1] < plain.shape[1]
    assert [p.name.split("-", 1)[-1] for p in _entries(tmp_path / "cache") if "-" in p.name] == ["speed1.1.npy"]
    monkeypatch.setattr(FrontEndSpec, "compute", lambda *a, **k: (_ for _ in ()).throw(AssertionError("recomputed")))
    np.testing.assert_array_equal(cache.get_many([wav], speed=1.1)[0], fast)
    np.testing.assert_array_equal(cache.get(wav), plain)
