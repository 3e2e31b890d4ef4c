"""``ssaser predict``, ``enroll`` and ``export`` end to end (in process)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from ssaser.cli.main import main
from random_models import generated_voice


@pytest.fixture
def audio_files(tmp_path):
    good = tmp_path / "good.wav"
    sf.write(good, generated_voice(4.0, seed=1), 16000)
    other = tmp_path / "other.flac"
    sf.write(other, generated_voice(1.0, 22050, seed=2), 22050)
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    return good, bad, other


def test_json_output_keeps_going_after_a_bad_file(model_dir, recognizer, audio_files, capsys):
    good, bad, other = audio_files
    status = main(["predict", str(model_dir), str(good), str(bad), str(other), "--json"])
    captured = capsys.readouterr()
    rows = json.loads(captured.out)
    assert status == 1
    assert [row["file"] for row in rows] == [str(good), str(bad), str(other)]
    assert "error" in rows[1] and rows[1]["error"].startswith(str(bad))
    assert f"ssaser predict: error: {rows[1]['error']}" in captured.err
    assert rows[0] == recognizer.classify_file(good).to_dict()
    assert rows[2]["duration"] == pytest.approx(1.0, abs=1e-3)


def test_table_and_timeline_folder(model_dir, audio_files, tmp_path, capsys):
    good, _, other = audio_files
    assert main(["predict", str(model_dir), str(good), str(other), "--timeline", str(tmp_path / "tl"),
                 "--hop", "0.5"]) == 0
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    assert lines[0].split()[:3] == ["file", "label", "score"] and str(good) in lines[1]
    assert "normalisation: global" in out
    written = sorted(p.name for p in (tmp_path / "tl").iterdir())
    assert written == sorted(f"{s}.timeline.{x}" for s in ("good", "other") for x in ("json", "csv", "png"))
    data = json.loads((tmp_path / "tl" / "good.timeline.json").read_text())
    # 4 s = 398 frames: windows at 0, 50, 100 frames; the one at 100 reaches the end.
    assert [w["start"] for w in data["windows"]] == pytest.approx([0.0, 0.5, 1.0])


def test_enroll_then_predict_with_speaker_stats(model_dir, audio_files, tmp_path, capsys):
    good, _, other = audio_files
    stats = tmp_path / "spk.json"
    assert main(["enroll", str(good), str(other), "--out", str(stats), "--model", str(model_dir)]) == 0
    assert json.loads(stats.read_text())["format"] == "ssaser-speaker-stats"
    capsys.readouterr()
    assert main(["predict", str(model_dir), str(good), "--json", "--speaker-stats", str(stats)]) == 0
    row = json.loads(capsys.readouterr().out)[0]
    assert row["normalization"] == {"kind": "speaker-stats", "source": stats.name}


def test_export_then_onnx_backend(model_dir, audio_files, tmp_path, capsys):
    good = audio_files[0]
    out = tmp_path / "m.onnx"
    assert main(["export", str(model_dir), "--format", "onnx", "--out", str(out)]) == 0
    assert "front end inside" in capsys.readouterr().out
    assert main(["predict", str(model_dir), str(good), "--json", "--backend", "onnx", "--onnx", str(out)]) == 0
    onnx_row = json.loads(capsys.readouterr().out)[0]
    main(["predict", str(model_dir), str(good), "--json"])
    torch_row = json.loads(capsys.readouterr().out)[0]
    assert onnx_row["label"] == torch_row["label"]
    np.testing.assert_allclose(list(onnx_row["scores"].values()), list(torch_row["scores"].values()), atol=1e-6)


def test_user_errors_exit_1_with_one_line(model_dir, audio_files, tmp_path, capsys):
    good = audio_files[0]
    assert main(["predict", str(tmp_path / "no_model"), str(good)]) == 1
    assert main(["predict", str(model_dir), str(good), "--speaker-stats", str(tmp_path / "none.json")]) == 1
    # Option values are checked by the parser: exit 2, still one line.
    assert main(["predict", str(model_dir), str(good), "--timeline", str(tmp_path / "t"), "--hop", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and all(line.startswith("ssaser predict: error: ") for line in err)


@pytest.mark.parametrize("hop", ["nan", "inf", "-1", "1e400"])
def test_bad_hop_is_refused_by_the_parser(model_dir, audio_files, tmp_path, hop, capsys):
    assert main(["predict", str(model_dir), str(audio_files[0]), "--timeline", str(tmp_path / "t"), "--hop", hop]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "argument --hop" in err[0]


def test_timeline_targets_that_cannot_be_written_are_one_line(model_dir, audio_files, tmp_path, capsys):
    good, _, other = audio_files
    existing = tmp_path / "existing.json"
    existing.write_text("{}")
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    cases = [
        [str(good), str(other), "--timeline", str(existing)],  # two inputs, one file
        [str(good), str(other), "--timeline", str(blocker)],  # a file where a folder must be
        [str(good), "--timeline", str(blocker / "sub" / "t.json")],  # a folder under a file
        [str(good), "--timeline", str(tmp_path)],  # a folder given with one input: fine, see below
    ]
    codes = [main(["predict", str(model_dir), *case]) for case in cases]
    assert codes == [1, 1, 1, 0]
    err = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert len(err) == 3 and all(line.startswith("ssaser predict: error: --timeline ") for line in err), err


def test_timeline_names_what_it_wrote_and_the_folder_it_made(model_dir, audio_files, tmp_path, capsys):
    good, _, other = audio_files
    out = tmp_path / "new" / "timelines"
    assert main(["predict", str(model_dir), str(good), str(other), "--timeline", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"wrote 6 timeline file(s) to {out}" in err
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{s}.timeline{x}" for s in ("good", "other")
                                                           for x in (".json", ".csv", ".png"))


def test_a_folder_or_a_manifest_is_many_inputs_batched_across_files(model_dir, recognizer, tmp_path, capsys,
                                                                     monkeypatch):
    from ssaser.inference import corpus

    folder = tmp_path / "corpus"
    (folder / "sub").mkdir(parents=True)
    paths = [folder / f"f{k}.wav" for k in range(5)] + [folder / "sub" / "g.flac"]
    for k, path in enumerate(paths):
        sf.write(path, generated_voice(1.5 + k, seed=k), 16000)
    (folder / "bad.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    monkeypatch.setattr(corpus, "WHOLE_SECONDS", 4.0)  # the longer files take the streaming path
    assert main(["predict", str(model_dir), str(folder), "--json", "--batch-size", "4"]) == 1
    captured = capsys.readouterr()
    rows = json.loads(captured.out)
    assert [r["file"] for r in rows] == sorted(str(p) for p in [*paths, folder / "bad.wav"])
    assert sum("error" in r for r in rows) == 1
    assert "ssaser predict: 7 files" in captured.err and "x real time" in captured.err
    # Each file's result is what it gets alone.
    for row in rows:
        if "error" not in row:
            alone = recognizer.classify_file(row["file"])
            assert row["label"] == alone.label and row["score"] == pytest.approx(alone.score, abs=1e-5)
    manifest = tmp_path / "m.csv"
    manifest.write_text("file,speaker,emotion\n" + "".join(f"{p},s,anger\n" for p in paths[:2]))
    assert main(["predict", "--model", str(model_dir), str(manifest), "--json"]) == 0
    assert [r["file"] for r in json.loads(capsys.readouterr().out)] == [str(p) for p in paths[:2]]
    (tmp_path / "empty").mkdir()
    assert main(["predict", str(model_dir), str(tmp_path / "empty")]) == 1
    assert "no audio file in this folder" in capsys.readouterr().err
