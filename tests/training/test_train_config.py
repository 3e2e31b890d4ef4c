"""YAML configurations and --set overrides."""

from __future__ import annotations

import pytest

from ssaser.training.config import ConfigError, TrainConfig, load_config, parse_overrides


@pytest.mark.parametrize("model", ["acrnn", "acrnn-r", "ssa-crnn-r"])
def test_packaged_configs_hold_the_papers_settings(model):
    config = load_config(model)
    assert config.model == model
    assert (config.batch_size, config.lr, config.betas[0]) == (40, 1e-4, 0.9)


def test_set_overrides_any_key_with_yaml_values():
    overrides = parse_overrides(["lr=3e-4", "bf16=true", "betas=[0.8, 0.99]", "model_options.dropout=0.2"])
    config = load_config("acrnn", overrides=overrides)
    assert config.lr == pytest.approx(3e-4)
    assert config.bf16 is True
    assert config.betas == (0.8, 0.99)
    assert config.model_options == {"dropout": 0.2}
    assert TrainConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize("items, message", [
    (["lr"], "key=value"),
    (["learning_rate=1"], "unknown configuration key"),
    (["epochs=0"], "epochs"),
])
def test_bad_overrides_are_one_line_errors(items, message):
    with pytest.raises(ConfigError, match=message):
        load_config("acrnn", overrides=parse_overrides(items))


def test_config_file_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(config_path=bad)
    with pytest.raises(ConfigError, match="no configuration file"):
        load_config("nope")


def test_the_papers_settings_are_a_named_configuration():
    from ssaser.errors import SsaserError
    from ssaser.training.config import load_config, packaged_config_names, resolve_config

    assert {"default", "paper"} <= set(packaged_config_names())
    paper = load_config("ssa-crnn-r", "paper")
    assert (paper.lr, paper.betas, paper.batch_size, paper.epochs) == (1e-4, (0.9, 0.999), 40, 30)
    assert load_config("acrnn", "paper").model == "acrnn"
    with pytest.raises(SsaserError, match="nor a packaged configuration"):
        resolve_config("papr")


def test_the_fast_recipe_is_one_flag_away_and_differs_only_in_its_schedule():
    fast, default = load_config("ssa-crnn-r", "fast"), load_config("ssa-crnn-r")
    assert (fast.epochs, fast.lr, fast.lr_schedule, fast.warmup_epochs) == (15, 3e-4, "cosine", 1.0)
    changed = {k for k, v in fast.to_dict().items() if default.to_dict()[k] != v}
    assert changed == {"epochs", "lr", "lr_schedule", "warmup_epochs"}
