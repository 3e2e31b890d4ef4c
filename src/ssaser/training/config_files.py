"""Where a training configuration comes from: packaged YAML files, a user's file, ``--set`` overrides.

:func:`ssaser.training.config.load_config` combines them into a :class:`TrainConfig`; the
names here are re-exported from :mod:`ssaser.training.config`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Mapping, Sequence

import yaml

from ssaser.errors import SsaserError


class ConfigError(SsaserError):
    """A configuration file or ``--set`` override that cannot be used."""


def packaged_config_path(model: str) -> Path:
    """The YAML file shipped for a system (its registry entry names it: ``ssaser/configs/<file>``)."""
    from ssaser.models.registry import UnknownSystemError, get_system

    try:
        name = get_system(model).config
    except UnknownSystemError as exc:
        raise ConfigError(f"no configuration file for system {model!r}: {exc}") from None
    path = Path(str(resources.files("ssaser") / "configs" / name))
    if not path.is_file():
        raise ConfigError(f"no configuration file for system {model!r} ({path})")
    return path


def packaged_config_names() -> tuple[str, ...]:
    """The configurations shipped in ``ssaser/configs`` (``--config NAME``), e.g. ``default``, ``paper``."""
    return tuple(sorted(p.stem for p in Path(str(resources.files("ssaser") / "configs")).glob("*.yaml")))


def resolve_config(ref: str | Path) -> Path:
    """A YAML file, or the name of a packaged configuration (``paper``)."""
    path = Path(ref)
    if path.is_file():
        return path
    packaged = Path(str(resources.files("ssaser") / "configs" / f"{ref}.yaml"))
    if isinstance(ref, str) and "/" not in ref and packaged.is_file():
        return packaged
    raise ConfigError(f"--config {ref}: no such file, nor a packaged configuration ({', '.join(packaged_config_names())})")


def read_yaml(path: str | Path) -> dict[str, Any]:
    """A YAML mapping from a file, with a one-line error for a missing or malformed one."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read configuration {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a configuration must be a mapping of keys to values")
    return data


def parse_overrides(items: Sequence[str]) -> dict[str, Any]:
    """``["lr=3e-4", "model_options.dropout=0.2"]`` -> nested dict of YAML-parsed values."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"--set expects key=value, got {item!r}")
        try:
            value = yaml.safe_load(raw) if raw.strip() else None
        except yaml.YAMLError:
            raise ConfigError(f"--set {key}: cannot read value {raw!r}") from None
        target = out
        *parents, leaf = key.split(".")
        for part in parents:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                raise ConfigError(f"--set {key}: {part} is not a mapping")
        target[leaf] = value
    return out


def merge(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Recursive dict update: mappings merge key by key, anything else replaces."""
    out = dict(base)
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out
