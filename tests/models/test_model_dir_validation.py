"""A model directory's config.json is validated completely, sizes bounded, before any tensor is
allocated (#19 case 3): every hostile or broken value is one ModelFileError line."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssaser.errors import ModelFileError, SsaserError
from random_models import build_random_model_dir
from ssaser.models import load_model_dir
from ssaser.models.config import PRESETS, ModelConfig, ModelConfigError
from ssaser.models.describe import describe_system


@pytest.fixture(scope="module")
def good_dir(tmp_path_factory) -> Path:
    return build_random_model_dir(tmp_path_factory.mktemp("valid") / "tiny", seed=1)


def edited(good: Path, target: Path, change) -> Path:
    """A copy of ``good`` whose config.json went through ``change(config) -> config``."""
    target.mkdir(parents=True, exist_ok=True)
    config = json.loads((good / "config.json").read_text())
    (target / "config.json").write_text(json.dumps(change(config)) if not isinstance(change, str) else change)
    (target / "model.safetensors").write_bytes((good / "model.safetensors").read_bytes())
    return target


def set_key(section: str, key: str, value):
    def change(config):
        config[section][key] = value
        return config
    return change


@pytest.mark.parametrize("change, message", [
    (set_key("model_config", "conv_channels", -3), "conv_channels must be an integer in [1, 1024]"),
    (set_key("model_config", "pool", [0, 2]), "pool must be 2 values"),
    (set_key("feature_config", "n_fft", 200_000_000), "n_fft must be an integer in [16, 32768]"),
    (set_key("model_config", "conv_channels", 1e12), "conv_channels must be an integer"),
    (set_key("model_config", "n_conv_layers", 1_000_000), "n_conv_layers must be an integer in [1, 32]"),
    (set_key("model_config", "linear_units", 10**400), "linear_units must be an integer in [1, 8192]"),
    (set_key("feature_config", "log_floor", math.inf), "log_floor must be a finite number"),
    (set_key("model_config", "dropout", "0.1"), "dropout must be a finite number"),
    (set_key("model_config", "batch_norm", "yes"), "batch_norm must be true or false"),
    (set_key("model_config", "attention_scaling", ["sqrt_T"]), "attention_scaling must be one of"),
    (set_key("model_config", "extra_key", 1), "unknown model_config key(s): extra_key"),
    (lambda c: {**c, "model_config": {**c["model_config"], "conv_channels": 1024, "n_conv_layers": 32,
                                      "conv_first_channels": 1024, "linear_units": 8192}}, "model too large"),
    (lambda c: {**c, "emotions": ["angry", "angry", "sad", "neutral"]}, "emotions repeat 'angry'"),
    (lambda c: {**c, "emotions": ["angry"]}, "emotions must hold 2 to"),
    (lambda c: {**c, "emotions": "angry"}, "emotions must be a list of non-empty strings"),
    (lambda c: {**c, "format_version": "1"}, "format_version must be an integer, got '1' (str)"),
    (lambda c: {**c, "format_version": 2}, "format version 2; this ssaser reads version 1"),
    (lambda c: {**c, "normalizer": {**c["normalizer"], "global": {"mean": [[0.0] * 5] * 3,
                                                                  "std": [[1.0] * 5] * 3}}}, "must have shape (3, 40)"),
    (lambda c: {**c, "normalizer": {**c["normalizer"], "std_floor": -1}}, "std_floor must be a positive"),
    (lambda c: {**c, "system": "gpt"}, "unknown system 'gpt'"),
    (lambda c: {**c, "speakers": ["a"] * 4}, "speakers repeat 'a'"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ("{\"format\": ", "not valid JSON"),
])
def test_bad_config_is_one_line_before_allocation(good_dir, tmp_path, change, message):
    bad = edited(good_dir, tmp_path / "bad", change)
    start = time.monotonic()
    with pytest.raises(ModelFileError) as info:
        load_model_dir(bad)
    assert message in str(info.value) and "\n" not in str(info.value)
    assert time.monotonic() - start < 5.0  # refused from the description, nothing built at size


def test_weights_of_another_shape_are_refused_from_the_header(good_dir, tmp_path):
    other = build_random_model_dir(tmp_path / "lite", preset="lite", seed=1)
    mixed = edited(good_dir, tmp_path / "mixed", lambda c: c)
    (mixed / "model.safetensors").write_bytes((other / "model.safetensors").read_bytes())
    with pytest.raises(ModelFileError, match="weights do not match the config .*other shape"):
        load_model_dir(mixed)


def test_cost_estimate_matches_the_counted_flops():
    for name, config in PRESETS.items():
        parameters, gflop = config.cost()
        described = describe_system("acrnn", name)
        assert gflop == pytest.approx(described["gflop_per_segment"], rel=0.02)
        assert parameters == pytest.approx(described["parameters"], rel=0.25)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(sorted(ModelConfig().to_dict())),
       value=st.one_of(st.none(), st.booleans(), st.integers(-10**15, 10**15), st.floats(allow_nan=True),
                       st.text(max_size=8), st.lists(st.integers(-5, 100), max_size=3)))
def test_any_model_config_value_is_a_config_or_one_error(key, value):
    try:
        config = ModelConfig.from_dict({**ModelConfig().to_dict(), key: value})
    except ModelConfigError as exc:
        assert "\n" not in str(exc)
        return
    parameters, gflop = config.cost()
    assert parameters <= 200_000_000 and gflop <= 300


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(section=st.sampled_from(["model_config", "feature_config", "top"]),
       key=st.sampled_from(["n_mels", "segment_frames", "sample_rate", "emotions", "speakers", "normalizer",
                            "lstm_hidden", "kernel", "fmax", "hop_length", "system", "training"]),
       value=st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
                       st.text(max_size=6), st.lists(st.text(max_size=3), max_size=4),
                       st.dictionaries(st.text(max_size=4), st.integers(), max_size=2)))
def test_any_loaded_value_is_a_model_or_one_error(good_dir, tmp_path_factory, section, key, value):
    def change(config):
        (config if section == "top" else config[section])[key] = value
        return config

    bad = edited(good_dir, tmp_path_factory.mktemp("gen"), change)
    try:
        load_model_dir(bad)
    except SsaserError as exc:
        assert "\n" not in str(exc)
