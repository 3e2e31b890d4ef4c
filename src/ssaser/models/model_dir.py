"""Model directories: ``config.json`` + ``model.safetensors``; loading runs no code from the files.

``config.json`` holds everything needed to rebuild the model and read its outputs::

    {"format": "ssaser-model", "format_version": 1, "package_version": "0.1.0",
     "system": "ssa-crnn-r", "frontend": "logmel3d", "model_config": {...}, "feature_config": {...},
     "emotions": [...], "speakers": [...], "normalizer": {...} or null, "training": {...}}

``model.safetensors`` holds the weights (``safetensors.torch``: tensors only, no pickle). The
front end's constants are not stored: they are derived from ``feature_config``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from ssaser import __version__
from ssaser.atomic_files import atomic_write_path, atomic_write_text
from ssaser.errors import ModelFileError, SsaserError
from ssaser.features.frontends import DEFAULT_FRONTEND, get_frontend
from ssaser.features.normalize import SpeakerNormalizer
from ssaser.models.config import ModelConfig
from ssaser.models.pipeline import SerModel

FORMAT = "ssaser-model"
FORMAT_VERSION = 1
CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
REQUIRED_KEYS = ("format", "format_version", "system", "model_config", "feature_config", "emotions")


def model_config_dict(model: SerModel, training: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The ``config.json`` content of ``model`` (JSON-able)."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "package_version": __version__,
        "system": model.system_name,
        "frontend": model.frontend_name,
        "model_config": model.model_config.to_dict(),
        "feature_config": model.feature_config.to_dict(),
        "emotions": list(model.emotions),
        "speakers": list(model.speakers),
        "normalizer": model.normalizer.to_dict() if model.normalizer is not None else None,
        "training": dict(training or {}),
    }


def save_model_dir(path: str | Path, model: SerModel, metadata: Mapping[str, Any] | None = None) -> Path:
    """Write ``model`` to the directory ``path`` (created if needed).

    Parameters
    ----------
    path : str or Path
        Target directory.
    model : SerModel
        The model (its label names, speaker names, configs and normaliser go into config.json).
    metadata : mapping, optional
        Free-form JSON-able training information (corpus, fold, epochs, scores, ...), stored
        under ``"training"``.

    Returns
    -------
    Path
        The directory.
    """
    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    config = model_config_dict(model, metadata)
    text = json.dumps(config, indent=2, sort_keys=False)
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    atomic_write_path(root / WEIGHTS_NAME, lambda tmp: save_file(tensors, tmp, metadata={"format": FORMAT}))
    atomic_write_text(root / CONFIG_NAME, text + "\n")
    return root


#: Largest config.json read (a model of 100,000 speakers' statistics is about 100 MB).
MAX_CONFIG_BYTES = 128 * 1024 * 1024
#: Most emotion classes and training speakers a model may declare.
MAX_EMOTIONS = 1000
MAX_SPEAKERS = 100_000


def _labels(value: Any, what: str, file: Path, minimum: int, maximum: int) -> list[str]:
    """A list of distinct non-empty strings, ``minimum..maximum`` of them."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ModelFileError(f"{file}: {what} must be a list of non-empty strings")
    if not minimum <= len(value) <= maximum:
        raise ModelFileError(f"{file}: {what} must hold {minimum} to {maximum} names, got {len(value)}")
    repeated = sorted({v for v in value if value.count(v) > 1}) if len(set(value)) != len(value) else []
    if repeated:
        raise ModelFileError(f"{file}: {what} repeat {', '.join(map(repr, repeated[:5]))} (each must be distinct)")
    return list(value)


def read_model_config(path: str | Path) -> dict[str, Any]:
    """Read and validate ``config.json`` of a model directory (no weights loaded).

    Checks the file's size, JSON, format and version, and the label lists; the configs and
    the normaliser are checked when they are built (:func:`load_model_dir`).
    """
    file = Path(path) / CONFIG_NAME
    if not file.is_file():
        raise ModelFileError(f"{path}: not a model directory (no {CONFIG_NAME})")
    size = file.stat().st_size
    if size > MAX_CONFIG_BYTES:
        raise ModelFileError(f"{file}: {size / 2**20:.0f} MB, more than a model description can hold "
                             f"({MAX_CONFIG_BYTES / 2**20:.0f} MB)")
    try:
        config = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{file}: not valid JSON ({exc})") from None
    except RecursionError:
        raise ModelFileError(f"{file}: JSON nested too deeply to be a model description") from None
    except OSError as exc:
        raise ModelFileError(f"{file}: cannot read ({exc.strerror})") from None
    if not isinstance(config, dict):
        raise ModelFileError(f"{file}: expected a JSON object")
    missing = [k for k in REQUIRED_KEYS if k not in config]
    if missing:
        raise ModelFileError(f"{file}: missing keys {', '.join(missing)}")
    if config["format"] != FORMAT:
        raise ModelFileError(f"{file}: not an ssaser model (format {config['format']!r})")
    version = config["format_version"]
    if isinstance(version, bool) or not isinstance(version, int):
        raise ModelFileError(f"{file}: format_version must be an integer, got {version!r} "
                             f"({type(version).__name__}); this ssaser reads version {FORMAT_VERSION}")
    if version != FORMAT_VERSION:
        raise ModelFileError(f"{file}: format version {version}; this ssaser reads version {FORMAT_VERSION}")
    if not isinstance(config["system"], str):
        raise ModelFileError(f"{file}: system must be a string, got {config['system']!r}")
    config["emotions"] = _labels(config["emotions"], "emotions", file, 2, MAX_EMOTIONS)
    config["speakers"] = _labels(config.get("speakers") or [], "speakers", file, 0, MAX_SPEAKERS)
    if not isinstance(config.get("training") or {}, dict):
        raise ModelFileError(f"{file}: training must be a JSON object")
    return config


def load_model_dir(path: str | Path, device: str | torch.device = "cpu") -> SerModel:
    """Load a model directory written by :func:`save_model_dir`, in evaluation mode.

    The returned :class:`SerModel` carries ``emotions``, ``speakers``, ``normalizer`` and
    ``training_info`` (the free-form ``"training"`` entry).

    Raises
    ------
    ModelFileError
        Missing or corrupt files, an unknown format version, weights that do not fit the config.
    """
    config = read_model_config(path)
    file = Path(path) / WEIGHTS_NAME
    if not file.is_file():
        raise ModelFileError(f"{path}: no {WEIGHTS_NAME}")
    try:
        # The sizes are validated (and bounded) before SerModel allocates anything from them.
        frontend = get_frontend(config.get("frontend", DEFAULT_FRONTEND))  # files before it: log-Mel
        model_config = ModelConfig.from_dict(config["model_config"])
        feature_config = frontend.config_class.from_dict(config["feature_config"])
        shape = (model_config.in_channels, frontend.bins(feature_config))
        normalizer = (SpeakerNormalizer.from_dict(config["normalizer"], shape=shape)
                      if config.get("normalizer") else None)
        model = SerModel(config["system"], model_config, feature_config, emotions=config["emotions"],
                         speakers=config["speakers"] or None, normalizer=normalizer, frontend=frontend.name)
    except (SsaserError, ValueError, TypeError, KeyError) as exc:
        raise ModelFileError(f"{Path(path) / CONFIG_NAME}: invalid model description ({exc})") from None
    _check_weight_shapes(file, model)
    try:
        tensors = load_file(str(file), device=str(device))
    except (SafetensorError, OSError, ValueError) as exc:
        raise ModelFileError(f"{file}: unreadable weights ({exc})") from None
    try:
        model.load_state_dict(tensors, strict=True)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0]
        raise ModelFileError(f"{file}: weights do not match the config ({first})") from None
    bad = [name for name, tensor in tensors.items() if tensor.is_floating_point() and not torch.isfinite(tensor).all()]
    if bad:
        raise ModelFileError(f"{file}: weights hold NaN or infinite values ({', '.join(bad[:3])})")
    model.training_info = dict(config.get("training") or {})
    return model.to(device).eval()


def _check_weight_shapes(file: Path, model: SerModel) -> None:
    """Compare the file's tensor names and shapes (its header only) with the model's, so that a
    file holding other or larger tensors is refused before any of them is read."""
    try:
        with safe_open(str(file), framework="pt") as handle:
            stored = {key: tuple(handle.get_slice(key).get_shape()) for key in handle.keys()}
    except (SafetensorError, OSError, ValueError) as exc:
        raise ModelFileError(f"{file}: unreadable weights ({exc})") from None
    expected = {key: tuple(t.shape) for key, t in model.state_dict().items()}
    if stored != expected:
        missing = sorted(set(expected) - set(stored))
        extra = sorted(set(stored) - set(expected))
        wrong = sorted(k for k in set(stored) & set(expected) if stored[k] != expected[k])
        detail = "; ".join(f"{what}: {', '.join(keys[:3])}" for what, keys in
                           (("missing", missing), ("unexpected", extra), ("other shape", wrong)) if keys)
        raise ModelFileError(f"{file}: weights do not match the config ({detail})")
