"""Model directories: ``config.json`` + ``model.safetensors``; loading runs no code from the files.

``config.json`` holds everything needed to rebuild the model and read its outputs::

    {"format": "ssaser-model", "format_version": 1, "package_version": "0.1.0",
     "system": "ssa-crnn-r", "model_config": {...}, "feature_config": {...},
     "emotions": [...], "speakers": [...], "normalizer": {...} or null, "training": {...}}

``model.safetensors`` holds the weights (``safetensors.torch``: tensors only, no pickle). The
front end's constants are not stored: they are derived from ``feature_config``.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Mapping

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from ssaser import __version__
from ssaser.errors import ModelFileError, SsaserError
from ssaser.features import FeatureConfig, SpeakerNormalizer
from ssaser.models.config import ModelConfig
from ssaser.models.pipeline import SerModel

FORMAT = "ssaser-model"
FORMAT_VERSION = 1
CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
REQUIRED_KEYS = ("format", "format_version", "system", "model_config", "feature_config", "emotions")


def _write_atomic(path: Path, write) -> None:
    # Write beside the target, then rename: a crash never leaves a half-written file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def model_config_dict(model: SerModel, training: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The ``config.json`` content of ``model`` (JSON-able)."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "package_version": __version__,
        "system": model.system_name,
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
    _write_atomic(root / WEIGHTS_NAME, lambda tmp: save_file(tensors, tmp, metadata={"format": FORMAT}))
    _write_atomic(root / CONFIG_NAME, lambda tmp: Path(tmp).write_text(text + "\n", encoding="utf-8"))
    return root


def read_model_config(path: str | Path) -> dict[str, Any]:
    """Read and validate ``config.json`` of a model directory (no weights loaded)."""
    file = Path(path) / CONFIG_NAME
    if not file.is_file():
        raise ModelFileError(f"{path}: not a model directory (no {CONFIG_NAME})")
    try:
        config = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{file}: not valid JSON ({exc})") from None
    if not isinstance(config, dict):
        raise ModelFileError(f"{file}: expected a JSON object")
    missing = [k for k in REQUIRED_KEYS if k not in config]
    if missing:
        raise ModelFileError(f"{file}: missing keys {', '.join(missing)}")
    if config["format"] != FORMAT:
        raise ModelFileError(f"{file}: not an ssaser model (format {config['format']!r})")
    if config["format_version"] != FORMAT_VERSION:
        raise ModelFileError(
            f"{file}: format version {config['format_version']!r}; this ssaser reads version {FORMAT_VERSION}"
        )
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
        normalizer = SpeakerNormalizer.from_dict(config["normalizer"]) if config.get("normalizer") else None
        model = SerModel(
            config["system"],
            ModelConfig.from_dict(config["model_config"]),
            FeatureConfig.from_dict(config["feature_config"]),
            emotions=config["emotions"],
            speakers=config.get("speakers") or None,
            normalizer=normalizer,
        )
    except (SsaserError, ValueError, TypeError, KeyError) as exc:
        raise ModelFileError(f"{Path(path) / CONFIG_NAME}: invalid model description ({exc})") from None
    try:
        tensors = load_file(str(file), device=str(device))
    except (SafetensorError, OSError, ValueError) as exc:
        raise ModelFileError(f"{file}: unreadable weights ({exc})") from None
    try:
        model.load_state_dict(tensors, strict=True)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0]
        raise ModelFileError(f"{file}: weights do not match the config ({first})") from None
    model.training_info = dict(config.get("training") or {})
    return model.to(device).eval()
