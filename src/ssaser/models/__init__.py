"""Networks of the paper: ACRNN, ACRNN-r, SSA-CRNN-r, their parts, presets and model files.

Main entry points: :func:`get_preset` / :class:`ModelConfig`, :func:`build_system` (features in,
:class:`SystemOutput` out), :func:`system_loss`, the waveform-in wrapper :class:`SerModel`
(front end + normalisation + system) and :func:`save_model_dir` / :func:`load_model_dir`.
"""

from ssaser.models.config import PRESETS, ModelConfig, ModelConfigError, get_preset
from ssaser.models.model_dir import load_model_dir, read_model_config, save_model_dir
from ssaser.models.pipeline import SerModel
from ssaser.models.systems import SYSTEM_NAMES, SystemOutput, build_system, system_loss

__all__ = [
    "PRESETS",
    "SYSTEM_NAMES",
    "ModelConfig",
    "ModelConfigError",
    "SerModel",
    "SystemOutput",
    "build_system",
    "get_preset",
    "load_model_dir",
    "read_model_config",
    "save_model_dir",
    "system_loss",
]
