"""Bundled models: found by name wherever a model directory is accepted, listed by ``ssaser models``."""

from __future__ import annotations

import json

import pytest

from ssaser.cli.main import main
from ssaser.errors import ModelFileError
from ssaser.models import pretrained
from random_models import build_random_model_dir


@pytest.fixture
def bundle(tmp_path, monkeypatch):
    root = tmp_path / "pretrained"
    build_random_model_dir(root / "toy-model")
    (root / "toy-model" / "card.json").write_text(json.dumps({"summary": "a toy", "system": "ssa-crnn-r",
                                                               "licence": "CC0", "emotions": ["a", "b"]}))
    (root / "not-a-model").mkdir()
    monkeypatch.setattr(pretrained, "BUNDLED_ROOT", root)
    monkeypatch.setattr(pretrained.resolve_model, "__defaults__", (root,))
    monkeypatch.setattr(pretrained.bundled_models, "__defaults__", (root,))
    return root


def test_names_resolve_and_paths_win(bundle, tmp_path, monkeypatch):
    assert pretrained.resolve_model("toy-model") == bundle / "toy-model"
    assert [m.name for m in pretrained.bundled_models()] == ["toy-model"]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "toy-model").mkdir()  # a folder of that name here is what the user meant
    assert pretrained.resolve_model("toy-model").resolve() == tmp_path / "toy-model"
    with pytest.raises(ModelFileError, match=r"nor a bundled model's name \(bundled models: toy-model"):
        pretrained.resolve_model("tyo-model")


def test_models_command_and_predict_by_name(bundle, tmp_path, capsys):
    import soundfile as sf

    from random_models import generated_voice

    voice_wav = tmp_path / "voice.wav"
    sf.write(voice_wav, generated_voice(3.5), 16000)
    assert main(["models"]) == 0
    listed = capsys.readouterr().out
    assert "toy-model  (ssa-crnn-r" in listed and "weights licence: CC0" in listed and "not-a-model" not in listed
    assert main(["predict", "--model", "toy-model", str(voice_wav), "--json"]) == 0
    by_name = json.loads(capsys.readouterr().out)
    assert main(["predict", str(bundle / "toy-model"), str(voice_wav), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == by_name


def test_the_shipped_models_load_and_carry_a_card():
    """Every model in the package loads (no code run), predicts its card's classes and has a card."""
    from ssaser.models import load_model_dir

    for bundled in pretrained.bundled_models():
        model = load_model_dir(bundled.path)
        assert list(model.emotions) == bundled.card["emotions"]
        card = (bundled.path / pretrained.CARD_NAME).read_text()
        assert "Licence" in card and "ssaser train" in card
        assert bundled.megabytes < 20
