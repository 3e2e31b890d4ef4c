"""Timelines: bounded memory on long files, JSON / CSV / PNG outputs."""

from __future__ import annotations

import csv
import json
import tracemalloc

import numpy as np
import pytest
import soundfile as sf

from ssaser.errors import SsaserError
from random_models import generated_voice


def write_long_wav(path, minutes: float) -> None:
    """Written a block at a time: the test itself never holds the whole signal."""
    with sf.SoundFile(path, "w", 16000, 1, "PCM_16") as handle:
        for k in range(int(minutes * 6)):
            handle.write(generated_voice(10.0, seed=k))


def traced_peak(recognizer, path) -> tuple[int, object]:
    tracemalloc.start()
    try:
        prediction, timeline = recognizer.analyze(path, hop=3.0)
        return tracemalloc.get_traced_memory()[1], (prediction, timeline)
    finally:
        tracemalloc.stop()


def test_ten_minute_file_in_bounded_memory(recognizer, tmp_path):
    short, long = tmp_path / "one_minute.wav", tmp_path / "ten_minutes.wav"
    write_long_wav(short, 1)
    write_long_wav(long, 10)
    peak_short, _ = traced_peak(recognizer, short)
    peak_long, (prediction, timeline) = traced_peak(recognizer, long)
    decoded_bytes = 600 * 16000 * 4  # the whole file as float32: 38.4 MB
    # numpy allocations (tracemalloc sees them) do not grow with the length: 10x the audio,
    # about the same peak, well under the decoded file (measured: ~10 MB for both).
    assert peak_long < decoded_bytes / 3
    assert peak_long < 1.5 * peak_short + 2e6
    assert len(timeline.windows) == 200 and len(prediction.segments) == 200
    assert timeline.windows[-1].end == pytest.approx(600.0)


def test_timeline_files(recognizer, tmp_path):
    wave = generated_voice(5.0, seed=2)
    timeline = recognizer.timeline((wave, 16000), hop=0.5, source="talk.wav")
    paths = timeline.write_all(tmp_path / "out" / "talk.timeline")
    assert [p.suffix for p in paths] == [".json", ".csv", ".png"]
    data = json.loads(paths[0].read_text())
    assert data["file"] == "talk.wav" and data["hop"] == pytest.approx(0.5)
    assert len(data["windows"]) == len(timeline.windows) == 1 + int(np.ceil((499 - 300) / 50))
    with paths[1].open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["start", "end", "label", *recognizer.labels]
    assert [float(r["start"]) for r in rows] == pytest.approx([w.start for w in timeline.windows])
    for row, window in zip(rows, timeline.windows):
        assert sum(float(row[label]) for label in recognizer.labels) == pytest.approx(1.0, abs=1e-5)
        assert row["label"] == window.label
    assert paths[2].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and paths[2].stat().st_size > 5000
    with pytest.raises(SsaserError, match="must end with"):
        timeline.write(tmp_path / "talk.txt")
