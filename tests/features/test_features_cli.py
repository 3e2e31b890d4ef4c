"""``ssaser features``: output shapes, several inputs, errors as one line and exit 1."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from signals import make_tone
from ssaser.audio import load_audio
from ssaser.cli.main import main
from ssaser.features import compute_features, segment_features


@pytest.fixture
def wavs(tmp_path: Path) -> list[Path]:
    paths = []
    for name, seconds in [("short.wav", 1.0), ("long.wav", 3.5)]:
        path = tmp_path / "in" / name
        path.parent.mkdir(exist_ok=True)
        sf.write(path, make_tone(seconds), 16000, subtype="FLOAT")
        paths.append(path)
    return paths


def test_one_file(tmp_path: Path, wavs: list[Path]) -> None:
    out = tmp_path / "feats.npy"
    assert main(["features", str(wavs[1]), "--out", str(out)]) == 0
    array = np.load(out)
    assert array.shape == (2, 3, 300, 40) and array.dtype == np.float32
    np.testing.assert_array_equal(array, segment_features(compute_features(load_audio(wavs[1]))))


def test_several_files_into_a_folder(tmp_path: Path, wavs: list[Path]) -> None:
    out = tmp_path / "out"
    assert main(["features", *map(str, wavs), "--out", str(out), "--unsegmented"]) == 0
    assert np.load(out / "short.npy").shape == (3, 98, 40)
    assert np.load(out / "long.npy").shape == (3, 348, 40)


def test_several_files_need_a_folder(tmp_path: Path, wavs: list[Path], capsys: pytest.CaptureFixture) -> None:
    assert main(["features", *map(str, wavs), "--out", str(tmp_path / "x.npy")]) == 1
    assert "must be a folder" in capsys.readouterr().err


def test_bad_audio_is_one_line_and_exit_1(tmp_path: Path, wavs: list[Path], capsys: pytest.CaptureFixture) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_text("not audio")
    out = tmp_path / "out"
    assert main(["features", str(wavs[0]), str(bad), "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and str(bad) in err and "not a readable audio file" in err
    assert not out.exists()  # nothing written when one input is bad
