"""Networks of the paper: ACRNN, ACRNN-r, SSA-CRNN-r, their parts, presets and model files.

Main entry points: :func:`get_preset` / :class:`ModelConfig`, the system registry
(:func:`get_system`, :func:`register_system`), :func:`build_system` (features in,
:class:`SystemOutput` out), :func:`system_loss`, the resolved :class:`ModelSpec`, the
waveform-in wrapper :class:`SerModel` (front end + normalisation + system) and
:func:`save_model_dir` / :func:`load_model_dir`.

Names are imported on first use (PEP 562): the registry, the presets and the spec load no
torch, so the command line reads them instantly.
"""

from __future__ import annotations

from ssaser.lazy_imports import lazy_getattr

_EXPORTS = {
    "PRESETS": "config", "ModelConfig": "config", "ModelConfigError": "config", "get_preset": "config",
    "SystemSpec": "registry", "get_system": "registry", "register_system": "registry",
    "system_names": "registry", "display_name": "registry",
    "ModelSpec": "spec", "resolve_model_spec": "spec",
    "load_model_dir": "model_dir", "read_model_config": "model_dir", "save_model_dir": "model_dir",
    "SerModel": "pipeline",
    "SystemOutput": "systems", "build_system": "systems", "system_loss": "systems",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
