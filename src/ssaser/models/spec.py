"""The resolve step: a user's configuration -> the front end's and the network's settings.

Some quantities belong to both the front end and the network: the number of bins (mel bands),
the frames per segment and the input channels. They are stated once, by the front end
(``feature_options``), and copied into the :class:`~ssaser.models.config.ModelConfig` here;
stating one of them in ``model_options`` is an error. Everything that needs these settings
(training, the saved model, the report, cross-validation's record) reads the one
:class:`ModelSpec` that :func:`resolve_model_spec` returns, built before any feature is computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ssaser.errors import SsaserError
from ssaser.features.frontends import DEFAULT_FRONTEND, get_frontend
from ssaser.models.config import ModelConfig, ModelConfigError, get_preset
from ssaser.models.registry import get_system


@dataclass(frozen=True)
class ModelSpec:
    """Everything that decides a model's shape, resolved and validated.

    Attributes
    ----------
    system : str
        Registered system (:mod:`ssaser.models.registry`).
    frontend : str
        Registered front end (:mod:`ssaser.features.frontends`).
    feature_config : FeatureConfig (or the front end's config class)
        The front end's settings.
    model_config : ModelConfig
        The network's sizes, with the shared quantities copied from the front end.
    """

    system: str
    frontend: str
    feature_config: Any
    model_config: ModelConfig

    def to_dict(self) -> dict[str, Any]:
        return {"system": self.system, "frontend": self.frontend, "feature_config": self.feature_config.to_dict(),
                "model_config": self.model_config.to_dict()}


def shared_quantities(frontend: str, feature_config: Any) -> dict[str, int]:
    """The ModelConfig fields that the front end decides: ``n_mels``, ``segment_frames``, ``in_channels``."""
    spec = get_frontend(frontend)
    return {"n_mels": spec.bins(feature_config), "segment_frames": int(feature_config.segment_frames),
            "in_channels": spec.channels}


def resolve_model_spec(system: str, preset: str = "lite", model_options: Mapping[str, Any] | None = None,
                       feature_options: Mapping[str, Any] | None = None,
                       frontend: str = DEFAULT_FRONTEND) -> ModelSpec:
    """Resolve and validate a configuration's model settings (no tensor is built).

    Parameters
    ----------
    system : str
        System name.
    preset : str
        Network size preset (``paper``, ``lite``, ``tiny``).
    model_options : mapping, optional
        Overrides of the preset's fields.
    feature_options : mapping, optional
        Overrides of the front end's settings.
    frontend : str
        Front end name.

    Raises
    ------
    SsaserError
        Unknown names, values out of range, or a shared quantity stated in ``model_options``
        (one line, naming where to state it instead).
    """
    get_system(system)
    front = get_frontend(frontend)
    try:
        feature_config = front.make_config(dict(feature_options or {}))
    except SsaserError as exc:
        raise SsaserError(f"feature_options: {exc}") from None
    shared = shared_quantities(frontend, feature_config)
    options = dict(model_options or {})
    where = {"n_mels": f"feature_options.{front.bins_field}", "segment_frames": "feature_options.segment_frames",
             "in_channels": f"the front end ({frontend}: {front.channels} channels)"}
    for key in shared:
        if key in options and options[key] != shared[key]:
            raise ModelConfigError(f"model_options.{key} = {options[key]!r} contradicts {where[key]} "
                                   f"= {shared[key]}: state it only there")
        options.pop(key, None)
    try:
        model_config = get_preset(preset, **options, **shared)
    except TypeError as exc:  # an unknown field name
        raise ModelConfigError(f"model_options: {exc}") from None
    return ModelSpec(system, frontend, feature_config, model_config)
