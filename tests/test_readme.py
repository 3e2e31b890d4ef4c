"""The README's Predict examples run as written: every command of its bash block and its Python block,
in a folder where the files they name exist (a model of random weights stands for runs/ssa/model)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pandas as pd
import pytest
import soundfile as sf

from ssaser.cli.main import main
from random_models import build_random_model_dir, generated_voice

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks(section: str, language: str) -> list[str]:
    text = README.read_text()
    body = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", body, flags=re.S)


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    build_random_model_dir(tmp_path / "runs" / "ssa" / "model")
    build_random_model_dir(tmp_path / "runs" / "ssa-seed1" / "model", seed=1)  # the --ensemble example's
    for name, seconds in (("clip.wav", 3.5), ("other.flac", 2.0), ("talk.wav", 7.0), ("alice1.wav", 3.0),
                          ("alice2.wav", 3.0), ("alice3.wav", 3.0)):
        sf.write(tmp_path / name, generated_voice(seconds, seed=len(name)), 16000)
    (tmp_path / "recordings").mkdir()
    for k in range(3):
        sf.write(tmp_path / "recordings" / f"r{k}.wav", generated_voice(2.5, seed=k), 16000)
    (tmp_path / "manifests").mkdir()
    pd.DataFrame({"file": [f"../recordings/r{k}.wav" for k in range(3)], "speaker": ["x", "x", "y"],
                  "emotion": ["angry", "sad", "happy"]}).to_csv(tmp_path / "manifests" / "other.csv", index=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_readme_predict_commands_run_as_written(workdir, capsys):
    (block,) = _blocks("Predict", "bash")
    commands = [shlex.split(line, comments=True) for line in block.splitlines()]
    commands = [c for c in commands if c]
    assert len(commands) >= 7
    for argv in commands:
        assert argv[0] == "ssaser"
        assert main(argv[1:]) == 0, f"{shlex.join(argv)}: {capsys.readouterr().err}"
    assert (workdir / "out" / "talk.timeline.png").is_file() and (workdir / "runs" / "eval" / "report.md").is_file()


def test_readme_python_example_runs_as_written(workdir, capsys):
    (code,) = _blocks("Predict", "python")
    exec(compile(code, "README.md", "exec"), {})
    label = capsys.readouterr().out.split()[0]
    assert label  # printed p.label first
