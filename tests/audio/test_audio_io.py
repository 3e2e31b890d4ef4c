"""ssaser.audio: formats, sample rates, channels, and every kind of bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from signals import make_tone
from ssaser.audio import decode_audio, iter_audio_blocks, load_audio, load_many, prepare_array
from ssaser.errors import AudioError

FORMATS = [  # (format, subtype, extension, max abs error of the round trip)
    ("WAV", "PCM_U8", "wav", 1.0 / 64),
    ("WAV", "PCM_16", "wav", 1e-4),
    ("WAV", "PCM_24", "wav", 1e-6),
    ("WAV", "PCM_32", "wav", 1e-6),
    ("WAV", "FLOAT", "wav", 1e-7),
    ("WAV", "DOUBLE", "wav", 1e-7),
    ("FLAC", "PCM_16", "flac", 1e-4),
    ("FLAC", "PCM_24", "flac", 1e-6),
]


@pytest.mark.parametrize(("fmt", "subtype", "ext", "tol"), FORMATS)
def test_lossless_formats_round_trip(tmp_path: Path, fmt: str, subtype: str, ext: str, tol: float) -> None:
    wave = make_tone(0.5)
    path = tmp_path / f"tone.{ext}"
    sf.write(path, wave, 16000, format=fmt, subtype=subtype)
    out = load_audio(path)
    assert out.dtype == np.float32 and out.shape == wave.shape
    assert np.abs(out - wave).max() <= tol


def test_ogg_vorbis_is_read(tmp_path: Path) -> None:
    wave = make_tone(1.0)
    path = tmp_path / "tone.ogg"
    sf.write(path, wave, 16000, format="OGG", subtype="VORBIS")
    out = load_audio(path)
    assert abs(out.size - wave.size) <= 16  # lossy codec: length kept, samples close
    n = min(out.size, wave.size)
    assert np.corrcoef(out[:n], wave[:n])[0, 1] > 0.95


@pytest.mark.parametrize("rate", [8000, 22050, 44100, 48000])
def test_other_rates_are_resampled(tmp_path: Path, rate: int) -> None:
    t = np.arange(rate) / rate  # 1 s of 440 Hz
    path = tmp_path / "sine.wav"
    sf.write(path, 0.5 * np.sin(2 * np.pi * 440 * t), rate, subtype="FLOAT")
    out = load_audio(path)
    assert abs(out.size - 16000) <= 1
    spectrum = np.abs(np.fft.rfft(out))
    assert np.argmax(spectrum) * 16000 / out.size == pytest.approx(440, abs=2)
    assert np.abs(out).max() == pytest.approx(0.5, abs=0.02)


@pytest.mark.parametrize("channels", [2, 4])
def test_channels_are_averaged(tmp_path: Path, channels: int) -> None:
    rng = np.random.default_rng(1)
    data = (0.2 * rng.standard_normal((8000, channels))).astype(np.float32)
    path = tmp_path / "multi.wav"
    sf.write(path, data, 16000, subtype="FLOAT")
    np.testing.assert_allclose(load_audio(path), data.mean(axis=1), atol=1e-6)


def test_output_is_clipped_to_unit_range(tmp_path: Path) -> None:
    path = tmp_path / "loud.wav"
    sf.write(path, np.full(1000, 3.0, dtype=np.float32), 16000, subtype="FLOAT")
    assert np.abs(load_audio(path)).max() <= 1.0


def _assert_audio_error(path: Path, cause: str) -> None:
    with pytest.raises(AudioError) as info:
        load_audio(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    assert cause in message, message


def test_missing_file(tmp_path: Path) -> None:
    _assert_audio_error(tmp_path / "nope.wav", "file not found")


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    _assert_audio_error(tmp_path, "not a file")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    path.touch()
    _assert_audio_error(path, "file is empty")


def test_non_audio_file(tmp_path: Path) -> None:
    path = tmp_path / "text.wav"
    path.write_text("this is not audio, just a text file with a .wav name\n" * 20)
    _assert_audio_error(path, "not a readable audio file")


def test_wav_without_samples(tmp_path: Path) -> None:
    path = tmp_path / "zero.wav"
    sf.write(path, np.zeros(0, dtype=np.float32), 16000)
    _assert_audio_error(path, "holds no audio samples")


@pytest.mark.parametrize(
    ("fmt", "ext", "subtype"),
    [("WAV", "wav", "PCM_16"), ("WAV", "wav", "FLOAT"), ("W64", "w64", "PCM_16"), ("RF64", "rf64", "PCM_16"),
     ("AIFF", "aiff", "PCM_16"), ("FLAC", "flac", "PCM_16"), ("OGG", "ogg", "VORBIS")],
)
@pytest.mark.parametrize("keep", [0.02, 0.5])
def test_truncated_files(tmp_path: Path, fmt: str, ext: str, subtype: str, keep: float) -> None:
    full = tmp_path / f"full.{ext}"
    sf.write(full, make_tone(1.0), 16000, format=fmt, subtype=subtype)
    content = full.read_bytes()
    cut = tmp_path / f"cut.{ext}"
    cut.write_bytes(content[: max(20, int(len(content) * keep))])
    with pytest.raises(AudioError) as info:
        load_audio(cut)
    assert str(cut) in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf(tmp_path: Path, bad: float) -> None:
    data = make_tone(0.2)
    data[100] = bad
    path = tmp_path / "bad.wav"
    sf.write(path, data, 16000, subtype="FLOAT")
    _assert_audio_error(path, "NaN or infinite")


def test_decode_audio_matches_load_audio(tmp_path: Path) -> None:
    path = tmp_path / "tone.flac"
    sf.write(path, make_tone(0.5), 22050)
    np.testing.assert_array_equal(decode_audio(path.read_bytes()), load_audio(path))


@pytest.mark.parametrize(("data", "cause"), [(b"", "file is empty"), (b"RIFF1234garbage" * 10, "not a readable")])
def test_decode_audio_bad_bytes(data: bytes, cause: str) -> None:
    with pytest.raises(AudioError, match=cause) as info:
        decode_audio(data, source="<upload>")
    assert str(info.value).startswith("<upload>: ") and "BytesIO" not in str(info.value)


@pytest.mark.parametrize(("rate", "seconds"), [(22050, 3.3), (16000, 2.0), (48000, 1.05)])
def test_blocks_equal_whole_file(tmp_path: Path, rate: int, seconds: float) -> None:
    path = tmp_path / "long.wav"
    rng = np.random.default_rng(2)
    sf.write(path, (0.1 * rng.standard_normal(int(rate * seconds))).astype(np.float32), rate, subtype="FLOAT")
    blocks = list(iter_audio_blocks(path, block_seconds=0.5))
    assert all(b.dtype == np.float32 and b.size == 8000 for b in blocks[:-1])
    assert 0 < blocks[-1].size <= 8000
    whole = load_audio(path)
    joined = np.concatenate(blocks)
    assert abs(joined.size - whole.size) <= 1
    n = min(joined.size, whole.size)
    np.testing.assert_allclose(joined[:n], whole[:n], atol=1e-5)


def test_blocks_report_bad_files(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="file not found"):
        next(iter_audio_blocks(tmp_path / "missing.wav", 1.0))
    data = make_tone(1.0)
    data[-10] = np.nan
    path = tmp_path / "nan.wav"
    sf.write(path, data, 16000, subtype="FLOAT")
    with pytest.raises(AudioError, match="NaN"):
        list(iter_audio_blocks(path, 0.25))


def test_streaming_wav_with_placeholder_sizes_is_not_truncated(tmp_path: Path) -> None:
    """Streaming writers leave 0xFFFFFFFF in the RIFF and data sizes: that is no truncation."""
    wave = make_tone(0.5)
    path = tmp_path / "stream.wav"
    sf.write(path, wave, 16000, subtype="PCM_16")
    content = bytearray(path.read_bytes())
    data_at = content.index(b"data")
    content[4:8] = b"\xff\xff\xff\xff"
    content[data_at + 4: data_at + 8] = b"\xff\xff\xff\xff"
    path.write_bytes(bytes(content))
    out = load_audio(path)
    assert out.size == wave.size
    np.testing.assert_allclose(out, wave, atol=1e-4)


def _mixed_files(folder: Path) -> list[Path]:
    """Files at several rates, lengths and formats (some resampled, some not)."""
    paths = []
    for i, (rate, ext) in enumerate([(16000, "wav"), (22050, "wav"), (48000, "flac"), (8000, "wav")] * 3):
        path = folder / f"f{i:02d}.{ext}"
        t = np.arange(int(rate * (0.3 + 0.1 * i))) / rate
        sf.write(path, 0.3 * np.sin(2 * np.pi * (200 + 50 * i) * t), rate)
        paths.append(path)
    return paths


@pytest.mark.parametrize("threads", [1, 3, None])
def test_load_many_equals_a_serial_loop(tmp_path: Path, threads: int | None) -> None:
    paths = _mixed_files(tmp_path)
    got = load_many(paths, threads=threads)
    assert len(got) == len(paths)
    for path, wave in zip(paths, got):
        assert np.array_equal(wave, load_audio(path))


def test_load_many_reports_the_first_bad_file_in_order(tmp_path: Path) -> None:
    paths = _mixed_files(tmp_path)
    (tmp_path / "bad.wav").write_bytes(b"not audio at all" * 10)
    paths[5:5] = [tmp_path / "bad.wav", tmp_path / "missing.wav"]
    with pytest.raises(AudioError, match="bad.wav"):
        load_many(paths, threads=4)
    with pytest.raises(ValueError, match="threads"):
        load_many(paths, threads=0)


def test_prepare_array_scales_integers_and_mixes_channels():
    pcm = (np.full((1600, 2), 16384)).astype(np.int16)
    wave = prepare_array(pcm, 16000, 16000)
    assert wave.dtype == np.float32 and wave.shape == (1600,)
    np.testing.assert_allclose(wave, 0.5)
    assert prepare_array(np.zeros(8000), 8000, 16000).shape == (16000,)


@pytest.mark.parametrize("array, cause", [
    (np.zeros((5, 0)), "expected \\(samples,\\)"),
    (np.zeros((2, 2, 2)), "expected \\(samples,\\)"),
    (np.array([0.0, np.nan]), "NaN or infinite"),
    (np.array(["a"]), "numeric samples"),
])
def test_prepare_array_rejects_bad_arrays_with_one_line(array, cause):
    with pytest.raises(AudioError, match=cause):
        prepare_array(array, 16000, 16000)
