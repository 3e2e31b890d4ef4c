"""Networks of the paper: ACRNN, ACRNN-r, SSA-CRNN-r, their parts, presets and model files.

Main entry points: :func:`get_preset` / :class:`ModelConfig`, :func:`build_system` (features in,
:class:`SystemOutput` out), :func:`system_loss`; the waveform-in wrapper ``SerModel`` and
``save_model_dir`` / ``load_model_dir`` live in :mod:`ssaser.models.pipeline` and
:mod:`ssaser.models.model_dir` (they need :mod:`ssaser.features`).
"""

from ssaser.models.config import PRESETS, ModelConfig, ModelConfigError, get_preset
from ssaser.models.systems import SYSTEM_NAMES, SystemOutput, build_system, system_loss

__all__ = [
    "PRESETS",
    "SYSTEM_NAMES",
    "ModelConfig",
    "ModelConfigError",
    "SystemOutput",
    "build_system",
    "get_preset",
    "system_loss",
]
